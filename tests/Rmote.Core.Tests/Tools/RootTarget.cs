using Rmote.TestRig;

namespace Rmote.Core.Tests.Tools;

/// <summary>A connection to a fresh disposable Debian sandbox (the cached root under a private overlay), as root.</summary>
public sealed class RootTarget : IAsyncDisposable
{
    readonly DebianSandbox box;

    RootTarget(Protocol proto, DebianSandbox box) => (Proto, this.box) = (proto, box);

    public Protocol Proto { get; }

    /// <summary>What the test changed in the root, as seen from the host (overlay upper layer).</summary>
    public string Upper => box.Upper;

    /// <summary>The untouched cached root.</summary>
    public string Lower => box.Lower;

    public static Task<RootTarget> OpenAsync(DebianRootFixture rig, params string[] environment) => OpenAsync(rig, _ => { }, environment);

    /// <summary>Like <see cref="OpenAsync(DebianRootFixture, string[])"/>, after <paramref name="prepare"/> wrote files into the upper layer (seen in the root).</summary>
    public static async Task<RootTarget> OpenAsync(DebianRootFixture rig, Action<string> prepare, params string[] environment)
    {
        var box = rig.Root.CreateSandbox(environment);
        try
        {
            prepare(box.Upper);
            var proto = await Protocol.FromCommandAsync(box.Command, new ProtocolOptions { Name = "debian-sandbox" });
            return new RootTarget(proto, box);
        }
        catch
        {
            box.Dispose();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        // The interpreter is PID 1's only child: closing it ends the namespace, its mounts and any daemons.
        await Proto.DisposeAsync();
        box.Dispose();
    }
}
