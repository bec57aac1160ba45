using System.Security.Cryptography;
using System.Text;

namespace Rmote.TestRig;

/// <summary>
/// Builds a Debian root with debootstrap once per machine and caches it under <see cref="DebianRoot.CacheDirectory"/>
/// as <c>&lt;name&gt;-&lt;stamp&gt;</c>, the stamp hashing everything that shapes the root (suite, mirror, builder
/// version, package list, extra steps): change any of them and a new root is built next to the old one.
/// </summary>
internal static class CachedRoot
{
    const string CompleteMarker = ".rmote-root-complete";
    const int BuildAttempts = 3;
    static readonly SemaphoreSlim BuildGate = new(1, 1);

    /// <summary>The stamp of a root built from these parts (12 hex digits).</summary>
    internal static string Stamp(IEnumerable<string> parts) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join('\n', parts))))[..12];

    /// <summary>
    /// Returns the path of the cached root <c>name-stamp</c>, building it first (minutes, once) when missing:
    /// debootstrap --variant=minbase --include=<paramref name="packages"/>, then <paramref name="setupScript"/> run by sh
    /// chrooted into the new root.
    /// </summary>
    internal static async Task<string> EnsureAsync(string name, string stamp, IReadOnlyList<string> packages, string setupScript, CancellationToken ct)
    {
        var path = Path.Combine(DebianRoot.CacheDirectory, $"{name}-{stamp}");
        if (File.Exists(Path.Combine(path, CompleteMarker))) return path;
        RequiresTools.Ensure("debootstrap", "unshare", "chroot", "mount");
        await BuildGate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            Directory.CreateDirectory(DebianRoot.CacheDirectory);
            // A file lock keeps two test processes (parallel CI jobs, other assemblies) from building at once.
            using var fileLock = await LockAsync(Path.Combine(DebianRoot.CacheDirectory, ".build.lock"), ct).ConfigureAwait(false);
            if (!File.Exists(Path.Combine(path, CompleteMarker)))
                await BuildAsync(path, stamp, packages, setupScript, ct).ConfigureAwait(false);
            return path;
        }
        finally
        {
            BuildGate.Release();
        }
    }

    static async Task<FileStream> LockAsync(string file, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(30);
        while (true)
        {
            try
            {
                return new FileStream(file, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(1000, ct).ConfigureAwait(false);
            }
        }
    }

    static async Task BuildAsync(string path, string stamp, IReadOnlyList<string> packages, string setupScript, CancellationToken ct)
    {
        // Build beside the final path and rename at the end: an interrupted build never looks complete.
        var work = $"{path}.building";
        if (Directory.Exists(work)) await RemoveTreeAsync(work, ct).ConfigureAwait(false);
        var timeout = TimeSpan.FromMinutes(30);
        // The mirror is the one part outside this machine: a dropped download fails debootstrap as a whole (seen
        // once in CI), so a failed attempt is retried from scratch before the build is declared failed.
        for (var attempt = 1; ; attempt++)
        {
            var result = await ProcessRunner.RunAsync("debootstrap",
                ["--variant=minbase", $"--include={string.Join(',', packages)}", DebianRoot.Suite, work, DebianRoot.Mirror],
                timeout: timeout, ct: ct).ConfigureAwait(false);
            if (result.ExitCode == 0 || attempt == BuildAttempts)
            {
                result.EnsureSuccess();
                break;
            }
            Console.Error.WriteLine($"CachedRoot {Path.GetFileName(path)}: {result} (attempt {attempt} of {BuildAttempts}); retrying\n{ProcessResult.Tail(result.StdErr, 2000)}");
            await RemoveTreeAsync(work, ct).ConfigureAwait(false);
            await Task.Delay(TimeSpan.FromSeconds(5 * attempt), ct).ConfigureAwait(false);
        }
        if (setupScript.Length > 0)
            (await RunInRootAsync(work, setupScript, timeout, ct).ConfigureAwait(false)).EnsureSuccess();
        File.WriteAllText(Path.Combine(work, CompleteMarker), stamp + "\n");
        Directory.Move(work, path);
    }

    /// <summary>Runs a shell script inside <paramref name="root"/> (chroot, private mount + pid namespace with /proc).</summary>
    static Task<ProcessResult> RunInRootAsync(string root, string script, TimeSpan timeout, CancellationToken ct) =>
        ProcessRunner.RunAsync("unshare", ["--mount", "--pid", "--fork", "--propagation", "private", "sh", "-c",
            "mount -t proc proc \"$1/proc\" && exec chroot \"$1\" /usr/bin/env -i " + DebianRoot.CleanEnvironment + " sh -c \"$2\"", "sh", root, script],
            timeout: timeout, ct: ct);

    static Task RemoveTreeAsync(string dir, CancellationToken ct) => ProcessRunner.RunAsync("rm", ["-rf", "--one-file-system", dir], ct: ct);
}
