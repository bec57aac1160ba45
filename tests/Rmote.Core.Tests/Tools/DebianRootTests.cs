using Rmote.TestRig;
using Rmote.Tools;

namespace Rmote.Core.Tests.Tools;

[Collection("debian-root")]
public sealed class DebianRootTests(DebianRootFixture rig)
{
    [Fact]
    public async Task Sandbox_runs_the_runtime_inside_the_root_and_leaves_the_cache_clean()
    {
        using var box = rig.Root.CreateSandbox();
        await using (var proto = await Protocol.FromCommandAsync(box.Command))
        {
            var info = await proto.CallAsync(Diag.Info);
            Assert.Equal(0, info.Uid);
            Assert.StartsWith("3.11", info.Python);
            // A write inside the sandbox: the runtime sees it at /tmp/x ...
            await proto.CallAsync(FileSystem.WriteStr, "/tmp/x", "sandboxed");
            Assert.Equal("sandboxed", await proto.CallAsync(FileSystem.ReadStr, "/tmp/x"));
        }
        // ... it landed in the sandbox's own layer, and the cached root shared by every test is unchanged.
        Assert.Equal("sandboxed", File.ReadAllText(Path.Combine(box.Upper, "tmp", "x")));
        Assert.False(File.Exists(Path.Combine(rig.Root.Path, "tmp", "x")), "a sandbox write reached the cached Debian root");
    }
}
