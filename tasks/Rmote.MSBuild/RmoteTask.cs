using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;
using Rmote.Fleet;
using Rmote.MSBuild.Server;
using Rmote.Operations;
using Rmote.Operations.Templates;
using LogLevel = Microsoft.Extensions.Logging.LogLevel;

namespace Rmote.MSBuild;

/// <summary>
/// What every Rmote task shares: the hosts (<c>RmoteHost</c> items), fan-out options, the build-wide connection
/// pool, Ctrl+C, error codes, per-host summaries. The work itself is async and runs in Rmote.Core's
/// <see cref="FleetOperations"/>; <see cref="Execute"/> is the only place that blocks on it.
/// </summary>
public abstract class RmoteTask : Microsoft.Build.Utilities.Task, ICancelableTask
{
    readonly CancellationTokenSource cancel = new();
    readonly BlockingCollection<Action> logQueue = new();

    /// <summary>The hosts: <c>@(RmoteHost)</c> items (spec <c>user@host:port</c> or <c>local</c>; metadata User, Port, IdentityFile, KnownHostsFile, SshOptions, Python, Sudo, Name...).</summary>
    [Required]
    public ITaskItem[] Hosts { get; set; } = [];

    /// <summary>Hosts running at once (default 32).</summary>
    public int MaxParallel { get; set; } = 32;

    /// <summary>Rolling batches: a host count (<c>1</c>) or a percentage (<c>25%</c>); empty runs all hosts at once.</summary>
    public string? Serial { get; set; }

    /// <summary><c>Continue</c> (default: every host runs, failures reported per host), <c>StopOnFirst</c>, or a percentage (<c>30%</c>) of failed hosts that stops starting new ones.</summary>
    public string? FailurePolicy { get; set; }

    /// <summary>
    /// Time limit of this task on each host, in milliseconds (like MSBuild's own ToolTask.Timeout; 0, the default: none).
    /// On expiry the host's remote work is cancelled and it fails with RMT0006; the other hosts go on and are reported.
    /// Tasks with a time limit of their own (RmoteExec, RmoteServiceRestart, RmoteWaitForHealthy) keep its meaning
    /// and add a grace period, so the host's own timeout message comes first.
    /// </summary>
    public virtual int Timeout { get; set; }

    /// <summary>
    /// Copies: a host that acknowledges none of the file data in flight for this many milliseconds fails with
    /// "no progress for N s" and its connection is closed, so a frozen host fails alone (default 120000; 0 turns it off).
    /// </summary>
    public int NoProgressTimeout { get; set; } = 120_000;

    /// <summary>
    /// Check mode (like rsync <c>-n</c> or Ansible's <c>--check --diff</c>): the task logs what it would do on each host (files
    /// to copy and delete with sizes, a template's diff, commands and service actions, the release that would become
    /// current) and changes nothing on any host. <c>-p:RmoteWhatIf=true</c> turns it on for every Rmote task of the build
    /// (and <c>WhatIf="false"</c> cannot turn it back off: a check run never changes a host).
    /// </summary>
    public bool WhatIf { get; set; }

    /// <summary>WhatIf, or the build's global property RmoteWhatIf (<c>-p:RmoteWhatIf=true</c>).</summary>
    bool CheckMode => WhatIf || (BuildEngine is IBuildEngine6 engine
        && engine.GetGlobalProperties().TryGetValue("RmoteWhatIf", out var value) && bool.TryParse(value, out var on) && on);

    /// <summary>
    /// The folder on the hosts that relative remote paths are resolved against (<c>DestinationFile="eco/app.conf"</c>
    /// is <c>$(RmoteDeployFolder)/eco/app.conf</c>). Default: the hosts' <c>DeployFolder</c> metadata, which
    /// <c>RmoteHost</c> items take from <c>$(RmoteDeployFolder)</c>. Without either, a relative remote path is refused.
    /// </summary>
    public string? DeployFolder { get; set; }

    /// <summary>
    /// Extra connect attempts for a host that refuses or resets the connection or does not answer in time (default 0),
    /// each after a pause that starts at <see cref="ConnectRetryDelayMilliseconds"/> and doubles, with jitter. An
    /// authentication failure or a changed host key is never retried.
    /// </summary>
    public int ConnectRetries { get; set; }

    /// <summary>The pause before the first connect retry, in milliseconds (default 1000; 0: none).</summary>
    public int ConnectRetryDelayMilliseconds { get; set; } = 1000;

    /// <summary>One item per host: spec = the host, metadata Status (succeeded, failed, unreachable, skipped), Duration (seconds), Detail.</summary>
    [Output]
    public ITaskItem[] HostSummary { get; private set; } = [];

    /// <summary>Cancels the remote work (MSBuild calls it on Ctrl+C).</summary>
    public void Cancel() => cancel.Cancel();

    /// <summary>The task's name in log lines.</summary>
    protected string TaskLabel => GetType().Name;

    /// <summary>The project's folder: relative local paths are resolved against it.</summary>
    protected string ProjectDirectory => Path.GetDirectoryName(BuildEngine?.ProjectFileOfTaskNode) is { Length: > 0 } d ? d : Environment.CurrentDirectory;

    /// <summary>What relative remote paths are resolved against: <see cref="DeployFolder"/>, else the hosts' one <c>DeployFolder</c> metadata.</summary>
    protected string? RemoteDeployFolder { get; private set; }

    /// <summary>The error code of a host that failed this task's step.</summary>
    protected abstract string FailureCode { get; }

    /// <summary>
    /// Translates the parameters into the step's request (through <see cref="StepMapper"/>) before anything connects;
    /// throws <see cref="ArgumentException"/> or <see cref="FormatException"/> with a message naming the parameter.
    /// Returns the request, whose own time limit (<see cref="StepBounds"/>) the task gets on each host.
    /// </summary>
    protected abstract object Validate();

    /// <summary>Local work to start while the hosts connect (a copy reads its source); runs just before the connect.</summary>
    private protected virtual void BeforeConnect(CancellationToken cancellationToken) { }

    /// <summary>The task's work: run one step of <paramref name="ops"/> and report it; returns false when the task failed.</summary>
    protected abstract Task<bool> RunAsync(FleetOperations ops, CancellationToken cancellationToken);

    /// <inheritdoc/>
    public sealed override bool Execute()
    {
        // In the build server the build process measures its own JIT; the server's is not the build's.
        var jit = BuildEngine is ServerBuildEngine ? null : JitWindow.Start();
        try
        {
            return BuildServerClient.TryRun(this, cancel.Token, out var ranThere) ? ranThere : ExecuteStep();
        }
        finally
        {
            if (jit != null) Log.LogMessage(MessageImportance.High, "{0}", jit.End(TaskLabel));
        }
    }

    bool ExecuteStep()
    {
        List<HostSpec> specs;
        FleetOptions options;
        var whatIf = CheckMode;
        try
        {
            specs = HostItems.Parse(Hosts, ProjectDirectory);
            RemoteDeployFolder = StepInputs.Text(DeployFolder) ?? HostItems.DeployFolder(Hosts);
            if (Timeout < 0 || NoProgressTimeout < 0) throw new ArgumentException("Timeout and NoProgressTimeout are milliseconds (0: none).");
            if (ConnectRetries < 0) throw new ArgumentException($"ConnectRetries must not be negative (was {ConnectRetries}).");
            var connectRetryDelay = Milliseconds(ConnectRetryDelayMilliseconds, nameof(ConnectRetryDelayMilliseconds));
            if (specs.Count == 0) throw new ArgumentException("No hosts: give RmoteHost items or -p:RmoteHosts='user@host:port user@host2'");
            var (policy, percentage) = StepInputs.ParseFailurePolicy(FailurePolicy, nameof(FailurePolicy));
            // Each task is its own step: a host that failed an earlier task of this build was already reported there.
            options = StepMapper.FanOut(MaxParallel, Serial, policy, percentage) with { SkipFailedHostsInLaterSteps = false };
            var stepTimeout = StepBounds.For(Validate(), StepInputs.Milliseconds(Timeout));
            // The step's bounds travel with each host's connection settings, as ConnectTimeout does.
            specs = specs.ConvertAll(s => s with
            {
                Timeout = s.Timeout ?? stepTimeout,
                NoProgressTimeout = s.NoProgressTimeout ?? TimeSpan.FromMilliseconds(NoProgressTimeout),
                ConnectRetries = s.ConnectRetries ?? ConnectRetries,
                ConnectRetryDelay = s.ConnectRetryDelay ?? connectRetryDelay,
            });
        }
        catch (TemplateSyntaxException e)
        {
            // At the template file's line (an inline template: at the task, naming the template's line).
            if (e.File != null) Log.LogError(null!, ErrorCodes.InvalidParameters, null, e.File, e.Line, 0, 0, 0, "{0}", e.Detail);
            else LogCodedError(ErrorCodes.InvalidParameters, null, e.Message);
            return false;
        }
        catch (Exception e) when (e is ArgumentException or FormatException or IOException)
        {
            LogCodedError(ErrorCodes.InvalidParameters, null, MsBuildNames.Of(e.Message));
            return false;
        }

        var pool = BuildEngine is IBuildEngine4 engine4 ? BuildConnections.For(engine4) : null;
        var logs = pool?.Logs ?? new RemoteLogForwarder();
        using var attached = logs.Attach(ForwardRemoteLog);
        // Log calls go through a queue drained here, on the thread MSBuild gave the task (as ToolTask does with
        // process output), while the async work runs on the thread pool.
        var work = System.Threading.Tasks.Task.Run(async () =>
        {
            try
            {
                BeforeConnect(cancel.Token);
                var session = pool != null
                    ? await FleetSession.ConnectAsync(specs, options, pool.ConnectAsync, cancel.Token).ConfigureAwait(false)
                    : await FleetSession.ConnectAsync(specs, options with { Logger = logs }, cancel.Token).ConfigureAwait(false);
                try
                {
                    return await RunAsync(new FleetOperations(session) { WhatIf = whatIf }, cancel.Token).ConfigureAwait(false);
                }
                finally
                {
                    // Without a pool (no IBuildEngine4) the session owns its connections; with one this is a no-op.
                    await session.DisposeAsync().ConfigureAwait(false);
                }
            }
            finally
            {
                logQueue.CompleteAdding();
            }
        });
        foreach (var log in logQueue.GetConsumingEnumerable()) log();
        try
        {
            return work.GetAwaiter().GetResult() && !Log.HasLoggedErrors;
        }
        catch (FleetCancelledException e) when (cancel.IsCancellationRequested && e.Hosts.Count > 0)
        {
            // One line per host that was running, in its own words ("copy cancelled: 2 files in flight, their temp files removed").
            foreach (var host in e.Hosts)
            {
                var text = host.Message;
                var end = text.StartsWith('[') ? text.IndexOf("] ", StringComparison.Ordinal) : -1;
                var name = end > 1 ? text[1..end] : null;
                LogCodedError(ErrorCodes.Cancelled, name, $"{TaskLabel}: {(name != null ? text[(end + 2)..] : text)}");
            }
            return false;
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            LogCodedError(ErrorCodes.Cancelled, null, $"{TaskLabel} was cancelled; remote work was stopped.");
            return false;
        }
        catch (Exception e) when (e is ArgumentException or FormatException or FileNotFoundException or DirectoryNotFoundException)
        {
            LogCodedError(ErrorCodes.InvalidParameters, null, e.Message);
            return false;
        }
        catch (Exception e)
        {
            LogCodedError(ErrorCodes.Other, null, $"{TaskLabel} failed: {e.GetType().Name}: {e.Message}");
            return false;
        }
    }

    /// <summary>
    /// Remote Python logging (and transport diagnostics) at the matching MSBuild level. Remote errors are warnings
    /// (RMT0013): a record a tool logs is information about the host, not by itself a failed build step.
    /// </summary>
    void ForwardRemoteLog(LogLevel level, string message) => Post(() =>
    {
        switch (level)
        {
            case LogLevel.Critical or LogLevel.Error:
                LogCodedWarning(ErrorCodes.RemoteLogError, null, message);
                break;
            case LogLevel.Warning:
                Log.LogWarning("{0}", message);
                break;
            case LogLevel.Information:
                Log.LogMessage(MessageImportance.Normal, "{0}", message);
                break;
            default:
                Log.LogMessage(MessageImportance.Low, "{0}", message);
                break;
        }
    });

    /// <summary>Queues a log call for the task's thread (safe from any thread).</summary>
    protected void Post(Action log)
    {
        try { logQueue.Add(log); }
        catch (InvalidOperationException) { /* the task already returned: too late to log */ }
    }

    /// <summary>
    /// Logs <paramref name="message"/> prefixed with the host, from any thread. High importance means "seen by default":
    /// such lines reach the terminal logger too (<see cref="TerminalOutput"/>), not only the console logger.
    /// </summary>
    protected void PostMessage(MessageImportance importance, string? host, string message)
    {
        var text = host != null ? $"{host}: {message}" : message;
        if (importance == MessageImportance.High && BuildEngine is { } engine) Post(() => TerminalOutput.Log(engine, TaskLabel, text));
        else Post(() => Log.LogMessage(importance, "{0}", text));
    }

    // MSBuild accepts a null subcategory (none); its signature predates nullable annotations.
    // Core's messages may name its C# API (SshOptions.Port); the user wrote RmoteHost metadata.
    void LogCodedError(string code, string? host, string message) =>
        Log.LogError(null!, code, null, BuildEngine?.ProjectFileOfTaskNode, BuildEngine?.LineNumberOfTaskNode ?? 0, BuildEngine?.ColumnNumberOfTaskNode ?? 0, 0, 0,
            "{0}", MsBuildNames.Of(host != null ? $"{host}: {message}" : message));

    /// <summary>Logs an error or warning the remote output stated, at the position it gave (else the task's); call from the task's thread.</summary>
    protected void LogDiagnostic(bool error, string? subcategory, string? code, string? file, int line, int column, int endLine, int endColumn, string message)
    {
        var at = file == null;
        var f = file ?? BuildEngine?.ProjectFileOfTaskNode;
        var (l, c) = at ? (BuildEngine?.LineNumberOfTaskNode ?? 0, BuildEngine?.ColumnNumberOfTaskNode ?? 0) : (line, column);
        if (error) Log.LogError(subcategory!, code!, null, f, l, c, endLine, endColumn, "{0}", message);
        else Log.LogWarning(subcategory!, code!, null, f, l, c, endLine, endColumn, "{0}", message);
    }

    void LogCodedWarning(string code, string? host, string message) =>
        Log.LogWarning(null!, code, null, BuildEngine?.ProjectFileOfTaskNode, BuildEngine?.LineNumberOfTaskNode ?? 0, BuildEngine?.ColumnNumberOfTaskNode ?? 0, 0, 0,
            "{0}", host != null ? $"{host}: {message}" : message);

    /// <summary>
    /// Reports a step: a summary line per host (at minimal verbosity), an error with a code per failed host (one naming
    /// every host that failed the same way, when the step groups identical failures: <see cref="FailureGroups"/>), a
    /// warning per skipped host; fills <see cref="HostSummary"/>. Returns true when every host succeeded.
    /// </summary>
    protected bool Report<T>(FleetResult<T> result)
    {
        if (BuildEngine is IBuildEngine4 engine4) BuildRecap.For(engine4, Hosts.FirstOrDefault()?.GetMetadata(BuildRecap.ProjectMetadata) ?? "").Add(result);
        var summary = new List<ITaskItem>();
        foreach (var row in result)
        {
            var item = new TaskItem(ItemText.Escape(row.Host));
            item.SetMetadata("Status", row.Status.ToString().ToLowerInvariant());
            item.SetMetadata("Duration", StepOutcome.Time(row).TotalSeconds.ToString("0.000", CultureInfo.InvariantCulture));
            var detail = row.Success && row.Value is { } v ? StepOutcome.Summary(v) : Flatten(WithoutHost(row.Reason ?? row.Error?.Message ?? "", row.Host));
            item.SetMetadata("Detail", ItemText.Escape(detail));
            summary.Add(item);
            var host = row.Host;
            // A WhatIf run's hosts are in the plan printed below.
            if (row.Success && StepOutcome.Plan(row.Value) is null)
                PostMessage(MessageImportance.High, host, $"{TaskLabel}: {detail} ({StepOutcome.Time(row).TotalSeconds:0.00} s)");
            else if (row.Success) { }
            else if (row.Status == HostStatus.Skipped)
                Post(() => LogCodedWarning(ErrorCodes.Skipped, host, $"{TaskLabel} skipped: {detail}"));
        }
        // One error per failure: per host, or once naming every host that failed the same way (a template's error).
        foreach (var group in FailureGroups.Of(result).Where(g => g.First.Status != HostStatus.Skipped))
        {
            var row = group.First;
            var detail = Flatten(WithoutHost(row.Reason ?? row.Error?.Message ?? "", row.Host));
            var code = ErrorCodes.For(row, FailureCode);
            var cause = group.Rows.Count > 1 ? FailureGroups.MessageOf(row).TrimEnd() : ErrorText(row.Error, detail);
            var text = row.Status == HostStatus.Unreachable ? $"unreachable: {(group.Rows.Count > 1 ? Flatten(cause) : detail)}" : $"{TaskLabel} failed: {cause}";
            var hosts = group.HostList;
            Post(() => LogCodedError(code, hosts, text));
        }
        if (PlanText.For(TaskLabel, result) is { } plan) PostMessage(MessageImportance.High, null, plan);
        if (result.Note != null) PostMessage(MessageImportance.High, null, $"{TaskLabel}: {result.Note}");
        HostSummary = [.. summary];
        return result.AllSucceeded;
    }

    static string Flatten(string s) => s.ReplaceLineEndings(" ").Trim();

    // Every log line already starts with the host: drop the "[host] " that Rmote.Core puts into its messages.
    static string WithoutHost(string s, string host) => s.Replace($"[{host}] ", "", StringComparison.Ordinal);

    // Multi-line messages (journal lines) stay readable; a remote host prefix "[host] " is dropped since the log line already names it.
    static string ErrorText(Exception? e, string fallback)
    {
        var text = e?.Message ?? fallback;
        if (text.StartsWith('[') && text.IndexOf("] ", StringComparison.Ordinal) is var i and > 0) text = text[(i + 2)..];
        return text.TrimEnd();
    }

    /// <summary>Milliseconds given to a parameter as a duration; negative values are refused by name.</summary>
    protected static TimeSpan Milliseconds(int ms, string parameter) =>
        ms >= 0 ? TimeSpan.FromMilliseconds(ms) : throw new ArgumentException($"{parameter} must not be negative (milliseconds; was {ms}).");
}
