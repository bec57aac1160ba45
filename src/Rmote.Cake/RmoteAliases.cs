using Cake.Core;
using Cake.Core.Annotations;
using Cake.Core.IO;
using Rmote.Cake.Internal;
using Rmote.Fleet;
using Rmote.Operations;

namespace Rmote.Cake;

/// <summary>
/// Deploy to Linux hosts that have only python3: copy folders, run commands, restart services, render templates,
/// switch and roll back releases, wait for health. Hosts are <c>user@host:port</c> strings or <c>local</c> (a python3
/// child on this machine). Connections are opened once per host and reused by every alias of the script run; they
/// close at exit or with <see cref="RmoteDisconnect"/>. Each alias logs a per-host table and throws a
/// <see cref="CakeException"/> naming every failed host and its cause. The parameter names are those of
/// docs/FRONT-ENDS.md, shared with the MSBuild tasks and the Nuke tasks.
/// </summary>
[CakeAliasCategory("Rmote")]
[CakeNamespaceImport("Rmote")]
[CakeNamespaceImport("Rmote.Cake")]
[CakeNamespaceImport("Rmote.Deploy")]
[CakeNamespaceImport("Rmote.Fleet")]
[CakeNamespaceImport("Rmote.Operations")]
public static partial class RmoteAliases
{
    /// <summary>Copies the contents of <paramref name="sourceFolder"/> to <paramref name="destinationFolder"/> on every host, sending only what differs.</summary>
    /// <example><code>RmoteCopy(new[] { "deploy@web01", "deploy@web02" }, "./publish", "/srv/app");</code></example>
    [CakeMethodAlias]
    [CakeAliasCategory("Copy")]
    public static FleetResult<CopyOutcome> RmoteCopy(this ICakeContext context, IEnumerable<string> hosts, string sourceFolder, string destinationFolder) =>
        RmoteCopy(context, hosts, sourceFolder, destinationFolder, new RmoteCopySettings());

    /// <summary>Copies the contents of <paramref name="sourceFolder"/> to <paramref name="destinationFolder"/> on every host (or into a new release under it).</summary>
    /// <example><code>
    /// RmoteCopy(hosts, "./publish", "/srv/app", new RmoteCopySettings()
    ///     .WithIdentity("~/.ssh/deploy").WithReleases(keep: 3).WithDeleteExtraneous());
    /// </code></example>
    [CakeMethodAlias]
    [CakeAliasCategory("Copy")]
    public static FleetResult<CopyOutcome> RmoteCopy(this ICakeContext context, IEnumerable<string> hosts, string sourceFolder, string destinationFolder, RmoteCopySettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return CakeStep.Run(context, nameof(RmoteCopy), hosts, settings, folder => StepMapper.Copy(StepParameters.From<CopyStep>(settings, nameof(CopyStep.BeforeSwitch)) with
        {
            SourceFolder = sourceFolder, DestinationFolder = destinationFolder, BeforeSwitch = StepHooks.BeforeSwitch(settings.BeforeSwitch),
        }, folder), (ops, request, ct) => ops.CopyAsync(request, ct));
    }

    /// <summary>
    /// Copies the contents of <paramref name="sourceFolder"/> (made absolute against the script's working folder, as Cake's
    /// own aliases do) to <paramref name="destinationFolder"/> on every host, sending only what differs.
    /// </summary>
    /// <example><code>RmoteCopy(hosts, Directory("./publish"), "/srv/app");</code></example>
    [CakeMethodAlias]
    [CakeAliasCategory("Copy")]
    public static FleetResult<CopyOutcome> RmoteCopy(this ICakeContext context, IEnumerable<string> hosts, DirectoryPath sourceFolder, string destinationFolder) =>
        RmoteCopy(context, hosts, sourceFolder, destinationFolder, new RmoteCopySettings());

    /// <summary>
    /// Copies the contents of <paramref name="sourceFolder"/> (made absolute against the script's working folder) to
    /// <paramref name="destinationFolder"/> on every host (or into a new release under it). The destination is a path on
    /// the hosts, so it stays a string: a <see cref="DirectoryPath"/> would be made absolute against this machine.
    /// </summary>
    /// <example><code>
    /// var publishDir = Directory("./artifacts/publish");
    /// RmoteCopy(hosts, publishDir, "/srv/app", new RmoteCopySettings().WithReleases(keep: 3));
    /// </code></example>
    [CakeMethodAlias]
    [CakeAliasCategory("Copy")]
    public static FleetResult<CopyOutcome> RmoteCopy(this ICakeContext context, IEnumerable<string> hosts, DirectoryPath sourceFolder, string destinationFolder, RmoteCopySettings settings)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(sourceFolder);
        return RmoteCopy(context, hosts, sourceFolder.MakeAbsolute(context.Environment).FullPath, destinationFolder, settings);
    }

    /// <summary>
    /// Logs the recap of every Rmote step since the last recap, one line per host (ok, changed, failed, unreachable, skipped,
    /// release, time), as the MSBuild Deploy target ends; call it from Teardown so a failed deploy shows its recap too.
    /// </summary>
    /// <example><code>Teardown(ctx => RmoteRecap());</code></example>
    [CakeMethodAlias]
    [CakeAliasCategory("Recap")]
    public static IReadOnlyList<HostRecap> RmoteRecap(this ICakeContext context) => StepRunner.Recap(CakeStep.HostFor(context));

    /// <summary>Closes every connection the Rmote aliases opened in this run (the next alias reconnects).</summary>
    /// <example><code>Teardown(ctx => RmoteDisconnect());</code></example>
    [CakeMethodAlias]
    [CakeAliasCategory("Connection")]
    public static void RmoteDisconnect(this ICakeContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        StepRunner.Disconnect();
    }
}
