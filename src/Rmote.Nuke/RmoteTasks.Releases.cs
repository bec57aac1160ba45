using Rmote.Fleet;
using Rmote.Operations;
using Serilog;

namespace Rmote.Nuke;

public static partial class RmoteTasks
{
    /// <summary>Lists the releases under <c>BaseFolder</c> on every host with their manifests; logs one line per host and release, the current one marked <c>*</c>.</summary>
    public static FleetResult<ReleaseListOutcome> RmoteListReleases(Configure<RmoteListReleasesSettings> configurator) =>
        RmoteListReleases(Configure(configurator));

    /// <summary>Lists the releases under <c>BaseFolder</c> on every host with their manifests.</summary>
    public static FleetResult<ReleaseListOutcome> RmoteListReleases(RmoteListReleasesSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var listed = Internal.NukeStep.Run(nameof(RmoteListReleases), settings, _ => StepMapper.ListReleases(StepParameters.From<ListReleasesStep>(settings)),
            (ops, request, ct) => ops.ListReleasesAsync(request, ct));
        foreach (var row in listed.Successes)
            foreach (var release in row.Value!.Releases)
                Log.Information("{Host:l}: {Release:l}", row.Host, release.ToString());
        return listed;
    }
}
