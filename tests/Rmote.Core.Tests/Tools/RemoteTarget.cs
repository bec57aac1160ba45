using Microsoft.Extensions.Logging;
using Rmote.TestRig;

namespace Rmote.Core.Tests.Tools;

/// <summary>
/// One connection for a transport-agnostic tool test ("local": a python3 child; "ssh": the rig's first sshd host),
/// with a fresh scratch directory as the remote sees it (<see cref="Dir"/>) and as this process sees it (<see cref="LocalDir"/>).
/// </summary>
public sealed class RemoteTarget : IAsyncDisposable
{
    public const string Local = "local";
    public const string Ssh = "ssh";

    /// <summary>Theory data: both transports.</summary>
    public static TheoryData<string> Transports => [Local, Ssh];

    readonly TempDir? temp;

    RemoteTarget(Protocol proto, string dir, string localDir, TempDir? temp) => (Proto, Dir, LocalDir, this.temp) = (proto, dir, localDir, temp);

    public Protocol Proto { get; }

    /// <summary>Scratch directory path on the remote.</summary>
    public string Dir { get; }

    /// <summary>The same directory as this test process sees it.</summary>
    public string LocalDir { get; }

    /// <summary>A path under <see cref="Dir"/>.</summary>
    public string Path(string name) => System.IO.Path.Combine(Dir, name);

    /// <summary>A path under <see cref="LocalDir"/>.</summary>
    public string LocalPath(string name) => System.IO.Path.Combine(LocalDir, name);

    public static async Task<RemoteTarget> OpenAsync(string transport, SshFleetFixture rig, ILogger? logger = null, LogLevel remoteLevel = LogLevel.Information)
    {
        if (transport == Local)
        {
            var temp = new TempDir("rmote-tools-");
            var proto = await Protocol.FromSubprocessAsync(new ProtocolOptions { Logger = logger, RemoteLogLevel = remoteLevel });
            return new RemoteTarget(proto, temp.Path, temp.Path, temp);
        }
        var host = rig.Hosts[0];
        var sub = "tools-" + Guid.NewGuid().ToString("N")[..12];
        Directory.CreateDirectory(System.IO.Path.Combine(host.SrvRoot, sub));
        var ssh = await Protocol.FromSshAsync(host.HostName, new SshOptions
        {
            User = host.User, Port = host.Port, Identity = host.IdentityFile, KnownHostsFile = host.KnownHostsFile,
            Logger = logger, RemoteLogLevel = remoteLevel, ConnectTimeout = TimeSpan.FromSeconds(20),
        });
        return new RemoteTarget(ssh, System.IO.Path.Combine(host.RemoteSrv, sub), System.IO.Path.Combine(host.SrvRoot, sub), null);
    }

    public async ValueTask DisposeAsync()
    {
        await Proto.DisposeAsync();
        if (temp is not null) temp.Dispose();
        else if (Directory.Exists(LocalDir)) Directory.Delete(LocalDir, recursive: true);
    }
}
