using Rmote.Fleet;
using Rmote.TestRig;

[assembly: System.Runtime.Versioning.UnsupportedOSPlatform("windows")]

namespace Rmote.Deploy.Tests;

[CollectionDefinition("ssh")]
public sealed class SshCollection : ICollectionFixture<SshFleetFixture> { }

internal static class Rig
{
    public static HostSpec Spec(SshHost h) => new()
    {
        Host = h.HostName, User = h.User, Port = h.Port, Identity = h.IdentityFile, KnownHostsFile = h.KnownHostsFile, Name = h.Name,
    };

    public static Task<Protocol> ConnectAsync(SshHost h) => Spec(h).ConnectAsync();

    /// <summary>A unique folder under the host's /srv: (remote path, local path of the same folder).</summary>
    public static (string Remote, string Local) Dest(SshHost h, string name)
    {
        var id = name + "-" + Guid.NewGuid().ToString("n")[..8];
        return (h.RemoteSrv.TrimEnd('/') + "/" + id, Path.Combine(h.SrvRoot, id));
    }

    /// <summary>The local path of remote path <paramref name="remote"/> (under the host's /srv) on host <paramref name="h"/>.</summary>
    public static string Local(SshHost h, string remote) => Path.Combine(h.SrvRoot, remote[(h.RemoteSrv.TrimEnd('/').Length + 1)..]);

    public static void Write(string root, string rel, string content, DateTime? mtime = null)
    {
        var p = Path.Combine(root, rel);
        Directory.CreateDirectory(Path.GetDirectoryName(p)!);
        File.WriteAllText(p, content);
        if (mtime != null) File.SetLastWriteTimeUtc(p, mtime.Value);
    }

    public static void WriteBytes(string root, string rel, byte[] data)
    {
        var p = Path.Combine(root, rel);
        Directory.CreateDirectory(Path.GetDirectoryName(p)!);
        File.WriteAllBytes(p, data);
    }

    public static byte[] Random(int size, int seed)
    {
        var b = new byte[size];
        new Random(seed).NextBytes(b);
        return b;
    }

    public static string[] Temps(string root) => DeployTemps.Under(root);
}
