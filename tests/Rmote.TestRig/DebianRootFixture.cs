using Xunit;

namespace Rmote.TestRig;

/// <summary>
/// xunit fixture: the cached <see cref="DebianRoot"/>, built (once, minutes) if missing before the collection's
/// first test. Declare the collection once per test assembly:
/// <code>
/// [CollectionDefinition("debian-root")]
/// public sealed class DebianRootCollection : ICollectionFixture&lt;DebianRootFixture&gt; { }
/// </code>
/// then give each test its own <c>using var box = rig.Root.CreateSandbox();</c>.
/// </summary>
public class DebianRootFixture : IAsyncLifetime
{
    DebianRoot? root;

    public DebianRoot Root => root ?? throw new InvalidOperationException("The Debian root is not ready (InitializeAsync has not run).");

    public async Task InitializeAsync() => root = await DebianRoot.EnsureAsync().ConfigureAwait(false);

    public Task DisposeAsync() => Task.CompletedTask;
}
