using Xunit;

namespace Rmote.TestRig;

/// <summary>
/// xunit fixture: one 3-host <see cref="SshFleet"/> shared by every test class of a collection.
/// In each test assembly, declare the collection once:
/// <code>
/// [CollectionDefinition("ssh")]
/// public sealed class SshCollection : ICollectionFixture&lt;SshFleetFixture&gt; { }
///
/// [Collection("ssh")]
/// public sealed class MyTests(SshFleetFixture rig) { ... rig.Fleet.Hosts ... }
/// </code>
/// Tests of one collection run one after another; leave hosts running (restart what you stop) or use a private
/// <c>await using var fleet = await SshFleet.StartAsync(1);</c> for destructive tests.
/// </summary>
public class SshFleetFixture : IAsyncLifetime
{
    SshFleet? fleet;

    /// <summary>Hosts in the shared fleet (override in a subclass for another size).</summary>
    public virtual int HostCount => 3;

    public SshFleet Fleet => fleet ?? throw new InvalidOperationException("The fleet is not started (InitializeAsync has not run).");

    public IReadOnlyList<SshHost> Hosts => Fleet.Hosts;

    public virtual async Task InitializeAsync() => fleet = await SshFleet.StartAsync(HostCount).ConfigureAwait(false);

    public virtual async Task DisposeAsync()
    {
        if (fleet != null) await fleet.DisposeAsync().ConfigureAwait(false);
    }
}
