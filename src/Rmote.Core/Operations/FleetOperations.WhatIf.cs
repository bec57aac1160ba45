using Rmote.Deploy;
using Rmote.Fleet;
using Rmote.Tools;

namespace Rmote.Operations;

// WhatIf (check mode): each step's preview. Every host call here reads; none writes, creates, locks or records.
public sealed partial class FleetOperations
{
    /// <summary>
    /// A copy's preview: the host's own sync plan in compare-only mode against the destination (a release deploy:
    /// against the current release, which the new one would be seeded from; extraneous files are always deleted there).
    /// </summary>
    async Task<FleetResult<CopyOutcome>> PreviewCopyAsync(CopyRequest request, CancellationToken cancellationToken)
    {
        var o = request.Options;
        // A release is compared with the current one, which holds what a new release never gets from it: its own
        // manifest and the shared paths' links. Left out, as the deploy leaves them out, they are not "deletes".
        if (request.UseReleases)
            o = o with { ExcludePaths = [.. o.ExcludePaths, ReleaseManifest.FileName, .. request.SharedPaths.Select(s => s.TrimEnd('/'))] };
        var copier = new Copier(request.Source, o);
        var m = await copier.ReadSourceAsync(cancellationToken).ConfigureAwait(false);
        var releases = request.UseReleases ? ReleasesAt(o.DestinationFolder, request.LockWait, o.AllowDangerousDestination, request.KeepReleases) : null;
        return await Session.RunAsync(async (p, ct) =>
        {
            CopyPreview preview;
            ReleasePlan? release = null;
            if (releases is null)
                preview = await copier.PreviewAsync(p, m, o.DestinationFolder, o.DeleteExtraneous, ct).ConfigureAwait(false);
            else
            {
                if (o.AllowDangerousDestination)  // connection state only: the host writes nothing for it
                    await p.CallAsync(DeployTool.AllowDestination, releases.BaseFolder, ct).ConfigureAwait(false);
                var listing = await releases.ListAsync(p, ct).ConfigureAwait(false);
                var id = request.ReleaseId!;
                // Without a current release the new one starts empty: a folder that does not exist compares as empty.
                var against = releases.ReleasePath(listing.Current ?? id);
                preview = await copier.PreviewAsync(p, m, against, deleteExtraneous: listing.Current != null, ct).ConfigureAwait(false);
                release = new ReleasePlan(id, listing.Current, WouldPrune(listing, id, releases.Keep),
                    listing.Releases.Contains(id) ? $"release {id} exists on this host already: the deploy would refuse or reuse it" : null);
            }
            var plan = new StepPlan { Copy = preview, Release = release };
            var copy = new CopyResult { Host = p.Name, DestinationFolder = preview.DestinationFolder, CopiedFiles = [], DeletedFiles = [], Skipped = preview.Unchanged };
            return new CopyOutcome { Copy = copy, Plan = plan };
        }, OptionsFor(request.Fleet), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>What the host's prune would delete after switching to <paramref name="id"/> (its rule: incomplete ones, then the oldest complete ones past <paramref name="keep"/>).</summary>
    static List<string> WouldPrune(ReleaseListing listing, string id, int keep)
    {
        var complete = listing.Complete.ToHashSet(StringComparer.Ordinal);
        var others = listing.Releases.Where(r => r != id).ToList();
        var kept = others.Where(complete.Contains).ToList();
        var excess = kept.Count + 1 - keep;
        return [.. others.Where(r => !complete.Contains(r)), .. kept.Take(Math.Max(0, excess))];
    }

    Task<FleetResult<ExecOutcome>> PreviewExecAsync(ExecRequest request, CancellationToken cancellationToken)
    {
        var what = "run: " + SecretMasker.For(request).Mask(request.Display) + (request.WorkingDirectory is { } wd ? $" (in {wd})" : "");
        return Session.RunAsync((p, _) => Task.FromResult(new ExecOutcome { Host = p.Name, ExitCode = 0, Output = [], Plan = new StepPlan { Actions = [what] } }),
            OptionsFor(request.Fleet), cancellationToken);
    }

    Task<FleetResult<ServiceRestartOutcome>> PreviewServicesAsync(ServiceRestartRequest request, CancellationToken cancellationToken)
    {
        var plan = new StepPlan { Actions = [.. request.Names.Select(n => (request.Reload ? "reload " : "restart ") + n)] };
        return Session.RunAsync((_, _) => Task.FromResult(new ServiceRestartOutcome([]) { Reloaded = request.Reload, Plan = plan }),
            OptionsFor(request.Fleet), cancellationToken);
    }

    Task<FleetResult<HealthCheckResult>> PreviewHealthAsync(HealthCheckOptions check, FleetOptions options, CancellationToken cancellationToken)
    {
        var what = "wait until healthy: " + (check.Url is { } url ? "GET " + url : string.Join(' ', check.Command ?? []));
        return Session.RunAsync((_, _) => Task.FromResult(new HealthCheckResult(0, TimeSpan.Zero, "") { Plan = new StepPlan { Actions = [what] } }),
            options, cancellationToken);
    }

    /// <summary>A template's preview: rendered on the host as a real run would, compared with the file there, nothing written.</summary>
    static async Task<TemplateOutcome> PreviewTemplateAsync(Protocol p, RenderToFileOptions render, SecretMasker masker, CancellationToken ct)
    {
        var d = await p.CallAsync(Template.RenderDiff, render, ct).ConfigureAwait(false);
        // The host withholds the diff of a template with secrets; masking the rest is the usual belt and braces.
        var preview = new TemplatePreview(d.Path, d.Changed, d.Diff is { } diff ? masker.Mask(diff) : null, [.. d.Notes.Select(masker.Mask)]);
        return new TemplateOutcome { Path = d.Path, Changed = d.Changed, Plan = new StepPlan { Template = preview } };
    }

    async Task<FleetResult<ReleaseSwitched>> PreviewSwitchAsync(Releases releases, string id, int? keep, FleetOptions options, CancellationToken cancellationToken) =>
        await Session.RunAsync(async (p, ct) =>
        {
            var listing = await releases.ListAsync(p, ct).ConfigureAwait(false);
            var note = !listing.Releases.Contains(id) ? $"release {id} is not on this host (in a WhatIf deploy the copy staged nothing)"
                : !listing.Complete.Contains(id) ? $"release {id} is not complete here: the switch would fail" : null;
            var plan = new StepPlan { Release = new ReleasePlan(id, listing.Current, keep is { } k ? WouldPrune(listing, id, k) : [], note) };
            return new ReleaseSwitched(listing.Current, id) { Plan = plan };
        }, options, cancellationToken).ConfigureAwait(false);

    /// <summary>A rollback's preview: the one target every host would go back to, chosen from the hosts' listings as the rollback chooses it.</summary>
    async Task<FleetResult<ReleaseSwitched>> PreviewRollbackAsync(Releases releases, ReleaseRollbackRequest request, CancellationToken cancellationToken)
    {
        var listings = await Session.RunAsync((p, ct) => releases.ListAsync(p, ct), OptionsFor(request.Fleet), cancellationToken).ConfigureAwait(false);
        var target = RollbackTarget.Choose(releases.BaseFolder, [.. listings.Successes.Select(r => (r.Host, r.Value!))], request.To);
        return listings.Map(r => new ReleaseSwitched(r.Value!.Current, target)
        {
            Plan = new StepPlan { Release = new ReleasePlan(target, r.Value.Current, []) },
        });
    }
}
