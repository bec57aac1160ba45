using Rmote.TestRig;

namespace Rmote.Deploy.Tests;

/// <summary>Sources and checks shared by the release safety tests (cases 3 and 4).</summary>
internal static class ReleaseScene
{
    static int sources;

    /// <summary>A source of <paramref name="files"/> files whose content names <paramref name="tag"/> (the release it went into).</summary>
    public static TempDir Source(string tag, int files, int size = 2048)
    {
        var src = new TempDir("rmote-src-");
        // same sizes across sources: a distinct mtime per source (file times have tick granularity) marks the change
        var mtime = new DateTime(2025, 1, 1, 0, 0, 0, DateTimeKind.Utc).AddMinutes(Interlocked.Increment(ref sources));
        for (var i = 0; i < files; i++)
            Rig.Write(src, $"d{i % 10}/f{i:0000}.txt", $"{tag} {i} " + new string('x', size), mtime);
        return src;
    }

    public static Copier Copier(string source, IProgress<CopyProgress>? progress = null) =>
        new(CopySource.FromFolder(source), new CopyOptions { DestinationFolder = "/unused", Progress = progress });

    /// <summary>
    /// What a user checks: <c>current</c> points at <c>releases/<paramref name="id"/></c> and every file of
    /// <paramref name="source"/> is there with its content (nothing missing, nothing extra).
    /// </summary>
    public static void AssertLive(string localBase, string id, string source)
    {
        Assert.Equal("releases/" + id, new FileInfo(Path.Combine(localBase, "current")).LinkTarget);
        AssertComplete(Path.Combine(localBase, "releases", id), source);
    }

    public static void AssertComplete(string localRelease, string source)
    {
        var want = FolderHash.Of(source);
        // each complete release holds its manifest besides the source's files
        Assert.True(File.Exists(Path.Combine(localRelease, ".rmote-release.json")), "no release manifest in " + localRelease);
        var have = FolderHash.Of(localRelease).Where(kv => kv.Key != ".rmote-release.json").ToDictionary();
        Assert.Equal(want.Count, have.Count);
        Assert.Empty(FolderHash.Diff(want, have));
    }

    /// <summary>The host's view of its own filesystem (its mount namespace: tmpfs mounts the test process cannot see).</summary>
    public static string HostView(SshHost h, string remotePath) => $"/proc/{h.Pid}/root{remotePath}";

    /// <summary>Holds a copy at its first progress report (mid-copy) until the test's step <c>onFirst</c> is done.</summary>
    public sealed class Gate(Func<Task> onFirst) : IProgress<CopyProgress>
    {
        int fired;
        public TaskCompletionSource Reached { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Report(CopyProgress value)
        {
            if (Interlocked.Exchange(ref fired, 1) != 0) return;
            Reached.TrySetResult();
            // the copy stands still here (mid-copy, lock held) while the test does its part
            if (!onFirst().Wait(TimeSpan.FromSeconds(60))) throw new TimeoutException("the test's step did not finish");
        }
    }
}
