using System.Collections.Concurrent;
using System.Diagnostics;
using Rmote.Deploy;
using Rmote.Fleet;
using Rmote.Tools;

namespace Rmote.Operations;

/// <summary>
/// The deploy steps every build integration (MSBuild, Cake, Nuke) runs, over the open connections of a
/// <see cref="FleetSession"/>: copy (plain or as a release), exec with live output, service restart, template,
/// release switch and rollback, health wait. Each step runs on every host under the fan-out options
/// (MaxParallel, Serial, FailurePolicy) and returns a <see cref="FleetResult{T}"/> in which one failing host never
/// hides the others. Wrappers only translate parameters and logging; the behaviour lives here.
/// </summary>
/// <example><code>
/// await using var session = await FleetSession.ConnectAsync(hosts);
/// var ops = new FleetOperations(session);
/// var copy = await ops.CopyAsync(new CopyRequest { Source = CopySource.FromFolder("publish"), Options = new() { DestinationFolder = "/srv/app" }, UseReleases = true });
/// var run = await ops.ExecAsync(new ExecRequest { Command = ["/srv/app/current/app", "--version"] }, line => Console.WriteLine(line));
/// </code></example>
public sealed partial class FleetOperations
{
    /// <summary>Operations over <paramref name="session"/>'s hosts (the session stays the caller's to dispose).</summary>
    public FleetOperations(FleetSession session)
    {
        ArgumentNullException.ThrowIfNull(session);
        Session = session;
    }

    /// <summary>The hosts and their connections.</summary>
    public FleetSession Session { get; }

    /// <summary>
    /// Check mode (like Ansible's <c>--check --diff</c> or rsync's <c>-n</c>): every step reports what it would do on each
    /// host in its outcome's <see cref="IStepOutcome.Plan"/> (files to copy and delete with sizes, a template's diff,
    /// commands and service actions, the release that would become current) and changes nothing on any host: no
    /// file, folder, temp file, lock or release state is written. <see cref="PlanText"/> prints it.
    /// </summary>
    public bool WhatIf { get; init; }

    /// <summary>
    /// Receives each host's copy progress, at most once per <see cref="CopyRequest.ProgressInterval"/> per host
    /// (<see cref="CopyProgressThrottle"/>): how front ends show a long copy. Called from several hosts at once: thread-safe.
    /// </summary>
    public Action<CopyProgress>? OnCopyProgress { get; init; }

    FleetOptions OptionsFor(FleetOptions? requested) => requested ?? Session.Options;

    /// <summary>
    /// Copies <see cref="CopyRequest.Source"/> to every host (the local side is read once): a delta copy into the
    /// destination folder, or a release deploy (stage everywhere, switch <c>current</c> everywhere or nowhere, prune).
    /// A host whose copy fails is retried <see cref="CopyRequest.Retries"/> times while its connection is up (as exec's
    /// retries: <see cref="StepRetry"/>, a warning per failed attempt); progress goes to <see cref="OnCopyProgress"/>.
    /// </summary>
    public async Task<FleetResult<CopyOutcome>> CopyAsync(CopyRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        request.Validate();
        if (WhatIf) return await PreviewCopyAsync(request, cancellationToken).ConfigureAwait(false);
        if (OnCopyProgress is { } onProgress && request.ProgressInterval > TimeSpan.Zero)
            request = request with { Options = request.Options with { Progress = Both(request.Options.Progress, new CopyProgressThrottle(request.ProgressInterval, onProgress)) } };
        var copier = new Copier(request.Source, request.Options);
        var options = OptionsFor(request.Fleet);
        var attempts = new ConcurrentDictionary<string, int>();

        // Exec's retries (StepRetry: backoff with jitter, a warning per failed attempt), only while the connection is up.
        async Task<T> WithRetries<T>(Protocol p, Func<Task<T>> attempt, CancellationToken ct)
        {
            var n = 0;
            var (value, _) = await StepRetry.RunAsync(p, "RmoteCopy", request.Retries, request.RetryDelay, _ =>
            {
                attempts[p.Name] = ++n;
                return attempt();
            }, ct).ConfigureAwait(false);
            return value;
        }

        if (!request.UseReleases)
        {
            var m = await copier.ReadSourceAsync(cancellationToken).ConfigureAwait(false);
            var o = request.Options;
            // One compressed copy of each file piece serves every host of the fleet.
            var cache = new ChunkCache(Session.Hosts.Count(h => h.IsConnected));
            return await Session.RunAsync(async (p, ct) =>
            {
                // No retries (the default): the copy itself, without the retry layer's two async methods to JIT per build process.
                var copy = await (request.Retries == 0
                    ? copier.CopyToAsync(p, m, cache, o.DestinationFolder, o.DeleteExtraneous, ct)
                    : WithRetries(p, () => copier.CopyToAsync(p, m, cache, o.DestinationFolder, o.DeleteExtraneous, ct), ct)).ConfigureAwait(false);
                return new CopyOutcome { Copy = copy, Attempts = attempts.GetValueOrDefault(p.Name, 1) };
            }, options, cancellationToken).ConfigureAwait(false);
        }

        var releases = new Releases(request.Options.DestinationFolder, request.Options.AllowDangerousDestination)
        {
            Keep = request.KeepReleases,
            LockWait = request.LockWait ?? StepDefaults.LockTimeout,
            SharedPaths = request.SharedPaths,
            ReuseUnchanged = request.ReuseUnchangedRelease,
            StageOnly = !request.SwitchRelease,
            BeforeSwitch = request.BeforeSwitch,
            Manifest = request.Manifest,
        };
        var deployed = await releases.DeployAsync(Session, copier, request.ReleaseId, (p, stage, ct) => WithRetries(p, stage, ct), options, cancellationToken)
            .ConfigureAwait(false);
        return deployed.Map(r => new CopyOutcome { Copy = r.Value!.Copy, Release = r.Value, Attempts = attempts.GetValueOrDefault(r.Host, 1) });
    }

    // Synchronous, on the reporting thread (Progress<T> would post to the thread pool and reorder reports).
    static IProgress<CopyProgress> Both(IProgress<CopyProgress>? first, IProgress<CopyProgress> second) => first == null ? second : new Tee(first, second);

    sealed class Tee(IProgress<CopyProgress> first, IProgress<CopyProgress> second) : IProgress<CopyProgress>
    {
        public void Report(CopyProgress value)
        {
            first.Report(value);
            second.Report(value);
        }
    }

    /// <summary>
    /// Runs a command on every host. Each output line goes to <paramref name="onLine"/> as it is produced (called
    /// from several hosts at once: it must be thread-safe), with secret values masked. A non-zero exit fails the host
    /// with <see cref="RemoteExitCodeException"/> (carrying the outcome) unless <see cref="ExecRequest.IgnoreExitCode"/>.
    /// </summary>
    public Task<FleetResult<ExecOutcome>> ExecAsync(ExecRequest request, Action<HostOutputLine>? onLine = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        request.Validate();
        if (WhatIf) return PreviewExecAsync(request, cancellationToken);
        var masker = SecretMasker.For(request);
        var rules = ExecOutputRules.For(request);
        // EchoOff: a remote error quoting the command (a timeout, a missing program) reads "..." in its place.
        var hider = request.EchoOff ? SecretMasker.Hiding(request.CommandText) : null;
        // A build step's variables add to the host's environment (as MSBuild's Exec does), hence MergeEnv below;
        // the Exec tool's own default is rmote's (env replaces the environment).
        var env = request.Environment?.ToDictionary(kv => kv.Key, kv => (string?)kv.Value);
        // No retries (the default): the run itself, without the retry layer's two async methods to JIT per build process.
        return Session.RunAsync<ExecOutcome>(request.Retries == 0 ? RunOnceAsync : RetriedAsync, OptionsFor(request.Fleet), cancellationToken);

        async Task<ExecOutcome> RetriedAsync(Protocol p, CancellationToken ct)
        {
            var (outcome, attempts) = await StepRetry.RunAsync(p, "RmoteExec", request.Retries, request.RetryDelay, c => RunOnceAsync(p, c), ct).ConfigureAwait(false);
            return attempts > 1 ? outcome with { Attempts = attempts } : outcome;
        }

        async Task<ExecOutcome> RunOnceAsync(Protocol p, CancellationToken ct)
        {
            using var masking = masker.IsEmpty ? null : p.MaskLogsWhile(masker.Mask);
            var sw = Stopwatch.StartNew();
            var lines = new List<HostOutputLine>();
            int? exit = null;
            IAsyncEnumerable<OutputLine> stream = request.Command is { } argv
                ? p.StreamAsync(Exec.Stream, new ExecStreamOptions([.. argv]) { Cwd = request.WorkingDirectory, Env = env, MergeEnv = true, Timeout = request.Timeout, Check = false }, ct)
                : p.StreamAsync(Exec.StreamShell, new ShellStreamOptions(request.ShellCommand!)
                    { Cwd = request.WorkingDirectory, Env = env, MergeEnv = true, Timeout = request.Timeout, Check = false }, ct);
            try
            {
                await foreach (var item in stream.ConfigureAwait(false))
                {
                    if (item.Stream == OutputStream.Exit) { exit = item.ExitCode; continue; }
                    var text = masker.Mask(item.Line ?? "");
                    var line = new HostOutputLine(p.Name, item.Stream, text) { Diagnostic = rules.Classify(text) };
                    lines.Add(line);
                    onLine?.Invoke(line);
                }
            }
            // Remote errors may quote the process's output or a path built from a secret: never let one through.
            catch (Exception e) when ((hider?.Mask(masker.Mask(e)) ?? masker.Mask(e)) is var masked && masked != e)
            {
                throw masked;
            }
            var outcome = new ExecOutcome { Host = p.Name, ExitCode = exit ?? -1, Output = lines, Duration = sw.Elapsed };
            if (lines.Any(l => l.Diagnostic?.Severity == OutputSeverity.Error))
                throw new RemoteOutputErrorException(outcome, masker.Mask(request.Display));
            if (outcome.ExitCode != 0 && !request.IgnoreExitCode)
                throw new RemoteExitCodeException(outcome, masker.Mask(request.Display));
            return outcome;
        }
    }

    /// <summary>
    /// Restarts (or reloads) the units in order on every host and waits until each is active. A unit that fails or does
    /// not settle in time fails the host with <see cref="ServiceFailedException"/> carrying its last journal lines.
    /// </summary>
    public Task<FleetResult<ServiceRestartOutcome>> RestartServicesAsync(ServiceRestartRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        request.Validate();
        if (WhatIf) return PreviewServicesAsync(request, cancellationToken);
        return Session.RunAsync((p, ct) => RestartOnHostAsync(p, request, ct), OptionsFor(request.Fleet), cancellationToken);
    }

    static async Task<ServiceRestartOutcome> RestartOnHostAsync(Protocol p, ServiceRestartRequest request, CancellationToken ct)
    {
        var results = new List<ServiceResult>();
        foreach (var unit in request.Names)
        {
            var args = new ServiceActionOptions(unit) { Wait = true, Timeout = request.Timeout, Sudo = request.SystemctlSudo ? true : null };
            ServiceResult r;
            try
            {
                r = await p.CallAsync(request.Reload ? Service.ReloadWith : Service.RestartWith, args, ct).ConfigureAwait(false);
            }
            catch (Exception e) when (e is IRemoteError or TimeoutException && !ct.IsCancellationRequested && p.IsConnected)
            {
                var reason = (e is RemoteCommandException rc ? rc.Stderr : e.Message).Trim();
                // The exception names the host already; so will ServiceFailedException.
                if (reason.StartsWith($"[{p.Name}] ", StringComparison.Ordinal)) reason = reason[(p.Name.Length + 3)..];
                // The tool already put the journal into stderr; a refused command (sudo, systemd's "Access denied") or a
                // reload the unit cannot do never ran, so the unit's journal would only bury the reason.
                var journal = e is RemoteCommandException c && c.Stderr.Contains("journal", StringComparison.OrdinalIgnoreCase)
                    || e is UnauthorizedAccessException or NotSupportedException
                    ? ""
                    : await JournalAsync(p, unit, request.JournalLines, ct).ConfigureAwait(false);
                throw new ServiceFailedException(p.Name, unit, reason, journal, e);
            }
            if (!r.Status.IsActive)
                throw new ServiceFailedException(p.Name, unit, $"is {r.Status.ActiveState} ({r.Status.SubState}, result {r.Status.Result}) after {(request.Reload ? "reload" : "restart")}",
                    await JournalAsync(p, unit, request.JournalLines, ct).ConfigureAwait(false));
            results.Add(r);
        }
        return new ServiceRestartOutcome(results) { Reloaded = request.Reload };
    }

    static async Task<string> JournalAsync(Protocol p, string unit, int lines, CancellationToken ct)
    {
        try
        {
            var r = await p.CallAsync(Exec.Command, new ExecOptions("journalctl", "--no-pager", "-o", "short", "-n", lines.ToString(System.Globalization.CultureInfo.InvariantCulture), "-u", unit)
            { Check = false, MergeStderr = true, Timeout = TimeSpan.FromSeconds(10) }, ct).ConfigureAwait(false);
            return r.Stdout.Trim();
        }
        // The journal is a courtesy in an error message: its absence must not replace the real error.
        catch (Exception e) when (e is IRemoteError or TimeoutException && !ct.IsCancellationRequested)
        {
            return "";
        }
    }

    /// <summary>
    /// Renders the template on every host to <see cref="TemplateRequest.Path"/> (written only when it differs). The values
    /// of <see cref="TemplateRequest.SecretVariableNames"/> are masked in every error, and the file defaults to mode 0600.
    /// The text is rmote's rendering plus a final newline, unless the template ends with a text line that has none.
    /// </summary>
    public Task<FleetResult<TemplateOutcome>> RenderTemplateAsync(TemplateRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var text = request.ReadTemplate();
        var masker = SecretMasker.For(request, Session.Hosts.Select(h => h.Name));
        // A file holding a secret is readable by its owner only, unless the caller chose a mode.
        // (the names decide, not the values: a value too short to mask is still a secret)
        var secret = request.SecretVariableNames.Count > 0;
        var mode = request.Mode ?? (secret ? "0600" : null);
        var folder = request.Path.TrimEnd('/') is var t && t.LastIndexOf('/') is var slash and > 0 ? t[..slash] : null;
        request.HostVariables.Validate([.. Session.Hosts.Select(h => h.Name)]);
        // Bad input throws here, before the task: nothing is sent.
        return RenderAsync();

        async Task<FleetResult<TemplateOutcome>> RenderAsync()
        {
            var rendered = await Session.RunAsync(async (p, ct) =>
            {
                var vars = request.HostVariables.For(p.Name, request.Variables);
                using var masking = masker.IsEmpty ? null : p.MaskLogsWhile(masker.Mask);
                if (request.CreateDirectory && folder != null && !WhatIf) await p.CallAsync(FileSystem.Mkdir, folder, ct).ConfigureAwait(false);
                var render = new RenderToFileOptions(text, vars, request.Path)
                {
                    Mode = mode, Owner = request.Owner, Group = request.Group, Secrets = secret ? [.. request.SecretVariableNames] : null,
                    KeepFinalNewline = true,
                };
                try
                {
                    if (WhatIf) return await PreviewTemplateAsync(p, render, masker, ct).ConfigureAwait(false);
                    var r = await p.CallAsync(Template.RenderToFile, render, ct).ConfigureAwait(false);
                    return new TemplateOutcome { Path = r.Path, Changed = r.Changed, Sha256 = r.Sha256 };
                }
                // An expression error quotes the value it failed on (int('s3cret')): mask it before anyone logs it.
                catch (Exception e) when (masker.Mask(e) is var masked && masked != e)
                {
                    throw masked;
                }
            }, OptionsFor(request.Fleet), cancellationToken).ConfigureAwait(false);
            // A template that fails the same way on every host is one error, naming the hosts, not one per host.
            return rendered.WithIdenticalFailuresGrouped();
        }
    }

    // The dangerous-destination opt-in must reach the releases too: the host refuses such a base unless told.
    static Releases ReleasesAt(string baseFolder, TimeSpan? lockWait, bool allowDangerousDestination = false, int? keep = null)
    {
        var releases = new Releases(baseFolder, allowDangerousDestination);
        return new Releases(baseFolder, allowDangerousDestination) { Keep = keep ?? releases.Keep, LockWait = lockWait ?? releases.LockWait };
    }

    /// <summary>
    /// Points <c>current</c> at <see cref="ReleaseSwitchRequest.ReleaseId"/> on every host, or on none: if a switch fails
    /// somewhere, the hosts already switched are switched back. Then prunes to <see cref="ReleaseSwitchRequest.Keep"/>.
    /// Holds each host's deploy lock meanwhile (waiting up to <see cref="ReleaseSwitchRequest.LockWait"/>).
    /// </summary>
    public async Task<FleetResult<ReleaseSwitched>> SwitchReleaseAsync(ReleaseSwitchRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var releases = ReleasesAt(request.BaseFolder, request.LockWait);
        var id = Releases.ValidateId(request.ReleaseId);
        var options = OptionsFor(request.Fleet);
        if (WhatIf) return await PreviewSwitchAsync(releases, id, request.Keep, options, cancellationToken).ConfigureAwait(false);
        var locked = await ReleaseFleetLock.LockAsync(Session, releases, "switch to " + id, options, cancellationToken).ConfigureAwait(false);
        try
        {
            if (!locked.AllSucceeded)
                return ReleaseFleetLock.NotRun<ReleaseSwitched, ReleaseLocked>(locked, "not switched: no deploy lock on " + string.Join(", ", locked.Failures.Select(r => r.Host)));
            var switched = await releases.SwitchAllAsync(Session, (p, ct) => releases.SwitchAsync(p, id, ct), "switch", options, cancellationToken).ConfigureAwait(false);
            if (switched.AllSucceeded && request.Keep is { } keep)
                await Session.RunAsync((p, ct) => releases.PruneAsync(p, keep, ct), options, cancellationToken).ConfigureAwait(false);
            return switched;
        }
        finally
        {
            await ReleaseFleetLock.UnlockAsync(Session, releases, options).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Switches <c>current</c> back on every host to one release, the same everywhere (see
    /// <see cref="RollbackAsync(ReleaseRollbackRequest, CancellationToken)"/>).
    /// </summary>
    public Task<FleetResult<ReleaseSwitched>> RollbackAsync(string baseFolder, FleetOptions? fleet = null, CancellationToken cancellationToken = default) =>
        RollbackAsync(new ReleaseRollbackRequest { BaseFolder = baseFolder, Fleet = fleet }, cancellationToken);

    /// <summary>
    /// Switches <c>current</c> on every host to one release, the same everywhere: <see cref="ReleaseRollbackRequest.To"/>, or the
    /// most recent release that was live on every host, is complete and still present everywhere, and is current nowhere.
    /// All hosts or none; each host's row names the release it returned to; with no common release every host fails with
    /// a message naming each host's state.
    /// </summary>
    public async Task<FleetResult<ReleaseSwitched>> RollbackAsync(ReleaseRollbackRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var releases = ReleasesAt(request.BaseFolder, request.LockWait);
        if (WhatIf) return await PreviewRollbackAsync(releases, request, cancellationToken).ConfigureAwait(false);
        var options = OptionsFor(request.Fleet);
        var back = await releases.RollbackAsync(Session, request.To, options, cancellationToken).ConfigureAwait(false);
        if (!back.AllSucceeded) return back;
        var current = back.First().Value!.Current;
        if (request.RestartServices.Count > 0)
        {
            var restart = new ServiceRestartRequest { Names = request.RestartServices, Timeout = request.ServiceTimeout };
            var byHost = back.ToDictionary(r => r.Host, r => r.Value!);
            // every host is on the old release now: each restarts its units, and a unit that fails fails its host
            back = (await Session.RunAsync(async (p, ct) =>
            {
                await RestartOnHostAsync(p, restart, ct).ConfigureAwait(false);
                return byHost[p.Name];
            }, options with { FailurePolicy = FailurePolicy.Continue }, cancellationToken).ConfigureAwait(false)).WithNote(back.Note ?? "");
            if (!back.AllSucceeded) return back.WithNote($"rolled back to release {current} on every host; restarting {string.Join(", ", request.RestartServices)} failed on "
                + string.Join(", ", back.Failures.Select(r => r.Host)));
        }
        if (request.AfterRollback is not { } hook) return back;
        try
        {
            await hook(new ReleaseRolledBack(current, releases.BaseFolder, [.. back.Select(r => r.Host)]), cancellationToken).ConfigureAwait(false);
            return back;
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            var reason = $"rolled back to {current}, but the AfterRollback hook failed: {e.Message}";
            return new FleetResult<ReleaseSwitched>([.. back.Select(r => r with { Status = HostStatus.Failed, Value = null, Error = e, Reason = reason })],
                back.Duration, back.StopReason, $"rolled back to release {current} on every host; the AfterRollback hook failed");
        }
    }

    /// <summary>Lists each host's releases under <see cref="ReleaseListRequest.BaseFolder"/> with their manifests (read-only: no lock).</summary>
    public async Task<FleetResult<ReleaseListOutcome>> ListReleasesAsync(ReleaseListRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var releases = ReleasesAt(request.BaseFolder, null);
        var listed = await Session.RunAsync((p, ct) => releases.ListAsync(p, ct), OptionsFor(request.Fleet), cancellationToken).ConfigureAwait(false);
        return listed.Map(r => ReleaseListOutcome.From(r.Value!));
    }

    /// <summary>Polls the URL (fetched by each host itself) or the command on every host until it passes or times out.</summary>
    public Task<FleetResult<HealthCheckResult>> WaitForHealthyAsync(HealthCheckOptions check, FleetOptions? fleet = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(check);
        check.Validate();
        if (WhatIf) return PreviewHealthAsync(check, OptionsFor(fleet), cancellationToken);
        return Session.RunAsync((p, ct) => HealthCheck.WaitAsync(p, check, ct), OptionsFor(fleet), cancellationToken);
    }
}
