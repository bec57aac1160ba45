namespace Rmote.TestRig;

/// <summary>
/// A second local user for permission and race tests (an app user who owns a folder inside a destination, a user
/// who owns a folder in the controller's socket path). Created with <c>useradd</c> on first use, kept afterwards
/// (creating a user is machine-wide; a later run reuses it). Needs root.
/// </summary>
public sealed class LocalUser
{
    LocalUser(string name, int uid, int gid, string home)
    {
        Name = name;
        Uid = uid;
        Gid = gid;
        Home = home;
    }

    /// <summary>The default test user's name.</summary>
    public const string DefaultName = "rmote-app";

    static readonly SemaphoreSlim Gate = new(1, 1);

    /// <summary>The user's login name.</summary>
    public string Name { get; }

    /// <summary>The user's numeric id.</summary>
    public int Uid { get; }

    /// <summary>The user's primary group id.</summary>
    public int Gid { get; }

    /// <summary>The user's home folder (created by useradd).</summary>
    public string Home { get; }

    /// <summary>Returns the user <paramref name="name"/>, creating it (with a home folder, no password) when missing.</summary>
    public static async Task<LocalUser> EnsureAsync(string name = DefaultName, CancellationToken ct = default)
    {
        RequiresTools.Ensure("useradd", "id", "setpriv", "getent");
        await Gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            var entry = await ProcessRunner.RunAsync("getent", ["passwd", name], timeout: TimeSpan.FromSeconds(30), ct: ct).ConfigureAwait(false);
            if (entry.ExitCode != 0)
            {
                var add = await ProcessRunner.RunAsync("useradd", ["--create-home", "--shell", "/bin/sh", name], timeout: TimeSpan.FromSeconds(60), ct: ct).ConfigureAwait(false);
                // exit 9: another test process created it between our look-up and useradd
                if (add.ExitCode is not (0 or 9)) add.EnsureSuccess();
                entry = (await ProcessRunner.RunAsync("getent", ["passwd", name], timeout: TimeSpan.FromSeconds(30), ct: ct).ConfigureAwait(false)).EnsureSuccess();
            }
            // name:x:uid:gid:gecos:home:shell
            var f = entry.StdOut.Trim().Split(':');
            return new LocalUser(name, int.Parse(f[2]), int.Parse(f[3]), f[5]);
        }
        finally
        {
            Gate.Release();
        }
    }

    /// <summary>The argv prefix that runs a command as this user (<c>setpriv</c>: real and effective ids, its groups).</summary>
    public IReadOnlyList<string> RunAsPrefix => ["setpriv", $"--reuid={Uid}", $"--regid={Gid}", "--init-groups", "--reset-env"];

    /// <summary>Runs <paramref name="file"/> with <paramref name="args"/> as this user and waits for it.</summary>
    public Task<ProcessResult> RunAsync(string file, IEnumerable<string> args, TimeSpan? timeout = null, string? stdin = null, CancellationToken ct = default) =>
        ProcessRunner.RunAsync(RunAsPrefix[0], [.. RunAsPrefix.Skip(1), file, .. args], timeout: timeout, stdin: stdin, ct: ct);

    /// <summary>Gives <paramref name="path"/> (not following symlinks) to this user.</summary>
    public async Task ChownAsync(string path, bool recursive = false, CancellationToken ct = default) =>
        (await ProcessRunner.RunAsync("chown", [.. (recursive ? new[] { "-R" } : []), "-h", $"{Uid}:{Gid}", path], timeout: TimeSpan.FromSeconds(60), ct: ct).ConfigureAwait(false)).EnsureSuccess();
}
