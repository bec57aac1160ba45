using Xunit;

namespace Rmote.TestRig;

/// <summary>
/// xunit class fixture: two <see cref="SystemdHost"/>s booted at once ("staging1", "staging2"), shared by the tests of
/// a class, for rollouts that must reach more than one host. Both share the machine's network: give each app its own port.
/// </summary>
public sealed class SystemdHostPairFixture : IAsyncLifetime
{
    SystemdHost[] hosts = [];

    /// <summary>The booted hosts.</summary>
    public IReadOnlyList<SystemdHost> Hosts => hosts.Length == 2 ? hosts : throw new InvalidOperationException("The systemd hosts are not booted (InitializeAsync has not run).");

    /// <summary>Both hosts' boot reports, one a line.</summary>
    public string BootReport => string.Join('\n', Hosts.Select(h => h.BootReport));

    /// <inheritdoc/>
    public async Task InitializeAsync()
    {
        var booting = new[] { SystemdHost.BootAsync("staging1"), SystemdHost.BootAsync("staging2") };
        try
        {
            hosts = await Task.WhenAll(booting).ConfigureAwait(false);
        }
        catch
        {
            // One failed to boot: power off the one that did, so no container outlives the class.
            foreach (var t in booting.Where(t => t.IsCompletedSuccessfully))
                await t.Result.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <inheritdoc/>
    public async Task DisposeAsync()
    {
        foreach (var h in hosts) await h.DisposeAsync().ConfigureAwait(false);
    }
}
