using Rmote.TestRig;

namespace Rmote.MSBuild.Tests;

/// <summary>Remote folders for a test on the rig's hosts (every host sees its own <c>/srv</c>) and their local paths.</summary>
internal static class HostPaths
{
    /// <summary>A fresh remote folder name under the hosts' /srv ("/srv/msb-tag-1a2b3c4d").</summary>
    public static string NewRemote(SshHost h, string tag) => h.RemoteSrv.TrimEnd('/') + $"/msb-{tag}-" + Guid.NewGuid().ToString("n")[..8];

    /// <summary>Where a remote path of <paramref name="h"/> lies on this machine.</summary>
    public static string Local(SshHost h, string remote) => Path.Combine(h.SrvRoot, remote[(h.RemoteSrv.TrimEnd('/').Length + 1)..]);

    /// <summary>"uid:gid" of a file as <c>stat</c> shows it (not following a link).</summary>
    public static async Task<string> OwnerAsync(string path) =>
        (await ProcessRunner.RunAsync("stat", ["-c", "%U:%G", path], timeout: TimeSpan.FromSeconds(30))).EnsureSuccess().StdOut.Trim();

    /// <summary>The inode number of a file.</summary>
    public static async Task<long> InodeAsync(string path) =>
        long.Parse((await ProcessRunner.RunAsync("stat", ["-c", "%i", path], timeout: TimeSpan.FromSeconds(30))).EnsureSuccess().StdOut.Trim());
}
