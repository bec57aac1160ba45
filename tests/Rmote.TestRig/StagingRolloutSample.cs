using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Rmote.TestRig;

/// <summary>
/// samples/StagingRollout copied into a temp folder the way a user has it (the samples' own Directory.Build files, a
/// NuGet.config adding the test feed to the usual sources), with what a rollout test needs: one loopback port per
/// host (systemd containers share the machine's network), the MSBuild inventory of those hosts, and the app's answers.
/// </summary>
public sealed class StagingRolloutSample : IDisposable
{
    /// <summary>Where the sample deploys on the hosts.</summary>
    public const string DeployFolder = "/srv/staging-rollout";

    /// <summary>The systemd unit the sample installs.</summary>
    public const string ServiceName = "staging-rollout";

    readonly TempDir dir = new("rmote-staging-sample-");
    static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(10) };

    /// <summary>Copies the sample and picks a free port per host.</summary>
    public StagingRolloutSample(PackedFeed feed, IReadOnlyList<SystemdHost> hosts)
    {
        Hosts = hosts;
        Repo.CopyTree(Path.Combine(Repo.Root, "samples", "StagingRollout"), SampleFolder);
        Repo.CopySampleProps(dir.Combine("samples"));
        File.WriteAllText(dir.Combine("samples", "NuGet.config"), feed.NuGetConfig(clear: false));
        Ports = hosts.Select(_ => FreePort()).ToArray();
    }

    /// <summary>The hosts rolled out to.</summary>
    public IReadOnlyList<SystemdHost> Hosts { get; }

    /// <summary>Each host's app port (same order as <see cref="Hosts"/>).</summary>
    public IReadOnlyList<int> Ports { get; }

    /// <summary>The copy of samples/StagingRollout.</summary>
    public string SampleFolder => dir.Combine("samples", "StagingRollout");

    /// <summary>The copy of samples/Cake's nuget.config folder, for a Cake script next to the sample.</summary>
    public string SamplesFolder => dir.Combine("samples");

    /// <summary>Writes the MSBuild inventory (RmoteHost items with AppPort) and returns its path.</summary>
    public string WriteInventory()
    {
        var items = string.Join("\n", Hosts.Select((h, i) =>
            $"""    <RmoteHost Include="{h.Target}" Name="{h.Name}" IdentityFile="{h.IdentityFile}" KnownHostsFile="{h.KnownHostsFile}" AppPort="{Ports[i]}" />"""));
        return dir.WriteFile("inventory.props", $"<Project>\n  <ItemGroup>\n{items}\n  </ItemGroup>\n</Project>\n");
    }

    /// <summary>What the app on host <paramref name="index"/> answers to <c>GET /</c>.</summary>
    public Task<string> FetchAsync(int index, CancellationToken ct = default) =>
        Http.GetStringAsync(new Uri($"http://127.0.0.1:{Ports[index]}/"), ct);

    /// <summary>The release <c>current</c> points at on a host (its folder name).</summary>
    public static async Task<string> CurrentReleaseAsync(SystemdHost host) =>
        Path.GetFileName((await host.ExecAsync("readlink", DeployFolder + "/current").ConfigureAwait(false)).EnsureSuccess().StdOut.Trim().TrimEnd('/'));

    /// <summary>Stops the sample's service on every host, so the class's next test starts from nothing running.</summary>
    public async Task StopServiceAsync()
    {
        foreach (var h in Hosts) await h.ExecAsync("systemctl", "stop", ServiceName).ConfigureAwait(false);
    }

    static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    /// <summary>The port as MSBuild and Cake arguments spell it.</summary>
    public string PortList => string.Join(',', Ports.Select(p => p.ToString(CultureInfo.InvariantCulture)));

    /// <inheritdoc/>
    public void Dispose() => dir.Dispose();
}
