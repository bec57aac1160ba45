using Xunit;

namespace Rmote.TestRig;

/// <summary>
/// xunit class fixture: one booted <see cref="SystemdHost"/> shared by the tests of a class (booted before the first,
/// powered off after the last). Use it as <c>IClassFixture&lt;SystemdHostFixture&gt;</c>; write
/// <see cref="SystemdHost.BootReport"/> to the test output so the boot time shows in the results.
/// </summary>
public class SystemdHostFixture : IAsyncLifetime
{
    SystemdHost? host;

    /// <summary>The booted host.</summary>
    public SystemdHost Host => host ?? throw new InvalidOperationException("The systemd host is not booted (InitializeAsync has not run).");

    /// <summary>The host's name in messages (default "systemd1").</summary>
    protected virtual string HostName => "systemd1";

    /// <inheritdoc/>
    public async Task InitializeAsync() => host = await SystemdHost.BootAsync(HostName).ConfigureAwait(false);

    /// <inheritdoc/>
    public async Task DisposeAsync()
    {
        if (host != null) await host.DisposeAsync().ConfigureAwait(false);
    }
}
