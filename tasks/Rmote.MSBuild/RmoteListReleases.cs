using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;
using Rmote.Operations;

namespace Rmote.MSBuild;

/// <summary>
/// Lists the releases under a base folder on every host with their manifests (<c>.rmote-release.json</c>: commit, build,
/// user, controller, time, files), the current one marked. Read-only.
/// </summary>
public sealed class RmoteListReleases : RmoteTask
{
    /// <summary>The releases' base folder on the hosts.</summary>
    [Required]
    public string BaseFolder { get; set; } = "";

    /// <summary>
    /// One item per host and release, oldest first: spec = the release id; metadata Host, Current (true/false), Complete,
    /// Commit, Build, User, Controller, Time, Files (empty for a release without a manifest).
    /// </summary>
    [Output]
    public ITaskItem[] Releases { get; private set; } = [];

    /// <inheritdoc/>
    protected override string FailureCode => ErrorCodes.ReleaseFailed;

    ReleaseListRequest? request;

    /// <inheritdoc/>
    protected override object Validate() => request = StepMapper.ListReleases(new ListReleasesStep { BaseFolder = BaseFolder });

    /// <inheritdoc/>
    protected override async Task<bool> RunAsync(FleetOperations ops, CancellationToken cancellationToken)
    {
        var result = await ops.ListReleasesAsync(request!, cancellationToken).ConfigureAwait(false);
        var items = new List<ITaskItem>();
        foreach (var row in result.Successes)
        {
            foreach (var r in row.Value!.Releases)
            {
                var item = new TaskItem(ItemText.Escape(r.Id));
                item.SetMetadata("Host", ItemText.Escape(row.Host));
                item.SetMetadata("Current", r.Current ? "true" : "false");
                item.SetMetadata("Complete", r.Complete ? "true" : "false");
                var m = r.Manifest;
                item.SetMetadata("Commit", ItemText.Escape(m?.Commit ?? ""));
                item.SetMetadata("Build", ItemText.Escape(m?.Build ?? ""));
                item.SetMetadata("User", ItemText.Escape(m?.User ?? ""));
                item.SetMetadata("Controller", ItemText.Escape(m?.Controller ?? ""));
                item.SetMetadata("Time", ItemText.Escape(m?.Time ?? ""));
                item.SetMetadata("Files", m?.Files.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "");
                items.Add(item);
                PostMessage(MessageImportance.High, row.Host, r.ToString());
            }
        }
        Releases = [.. items];
        return Report(result);
    }
}
