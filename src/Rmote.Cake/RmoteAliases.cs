using Cake.Core;
using Cake.Core.Annotations;
using Cake.Core.IO;
using Rmote.Cake.Internal;
using Rmote.Deploy;
using Rmote.Fleet;
using Rmote.Integration;

namespace Rmote.Cake;

/// <summary>
/// Deploy to Linux hosts that have only python3: copy folders, run commands, restart services, render templates,
/// switch and roll back releases, wait for health. Hosts are <c>user@host:port</c> strings or <c>local</c> (a python3
/// child on this machine). Connections are opened once per host and reused by every alias of the script run; they
/// close at exit or with <see cref="RmoteDisconnect"/>. Each alias logs a per-host table and throws a
/// <see cref="CakeException"/> naming every failed host and its cause.
/// </summary>
[CakeAliasCategory("Rmote")]
[CakeNamespaceImport("Rmote")]
[CakeNamespaceImport("Rmote.Cake")]
[CakeNamespaceImport("Rmote.Deploy")]
[CakeNamespaceImport("Rmote.Fleet")]
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
        ArgumentNullException.ThrowIfNull(context);
        ArgumentException.ThrowIfNullOrWhiteSpace(sourceFolder);
        ArgumentException.ThrowIfNullOrWhiteSpace(destinationFolder);
        ArgumentNullException.ThrowIfNull(settings);
        // Before anything connects: a destination built from an empty variable ("/") is refused here.
        try { DestinationPath.ValidateRoot(destinationFolder, settings.AllowDangerousDestination); }
        catch (ArgumentException e) { throw new CakeException($"{nameof(RmoteCopy)}: {e.Message}", e); }
        var source = new DirectoryPath(sourceFolder).MakeAbsolute(context.Environment).FullPath;
        return CakeStep.Run(context, nameof(RmoteCopy), hosts, settings, (ops, fleet, ct) =>
        {
            var request = new CopyRequest
            {
                Source = CopySource.FromFolder(source),
                Options = new CopyOptions
                {
                    DestinationFolder = destinationFolder,
                    AllowDangerousDestination = settings.AllowDangerousDestination,
                    Compare = settings.Checksum ? CompareMode.Checksum : CompareMode.SizeAndTime,
                    DeleteExtraneous = settings.DeleteExtraneous,
                    Compress = settings.Compress,
                    Delta = !settings.WholeFile,
                    FileMode = FileModes.Parse(settings.FileMode, nameof(settings.FileMode)),
                    DirectoryMode = FileModes.Parse(settings.DirectoryMode, nameof(settings.DirectoryMode)),
                    Owner = settings.Owner,
                    Group = settings.Group,
                    VerifyChecksum = settings.VerifyChecksum,
                },
                UseReleases = settings.UseReleases,
                ReleaseId = settings.ReleaseId,
                KeepReleases = settings.KeepReleases,
                LockWait = settings.LockWait,
                Retries = settings.Retries,
                Fleet = fleet,
            };
            return ops.CopyAsync(request, ct);
        });
    }

    /// <summary>Closes every connection the Rmote aliases opened in this run (the next alias reconnects).</summary>
    /// <example><code>Teardown(ctx => RmoteDisconnect());</code></example>
    [CakeMethodAlias]
    [CakeAliasCategory("Connection")]
    public static void RmoteDisconnect(this ICakeContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        OperationRunner.Disconnect();
    }
}
