using System.Diagnostics.CodeAnalysis;
using System.Text.Json.Serialization;

namespace Rmote.Tools;

/// <summary>Arguments of <see cref="Service.StartWith"/>, <see cref="Service.StopWith"/>, <see cref="Service.RestartWith"/>, <see cref="Service.ReloadWith"/>.</summary>
public sealed record ServiceActionOptions
{
    /// <summary>Creates the options for <paramref name="unit"/>.</summary>
    [SetsRequiredMembers]
    public ServiceActionOptions(string unit) => Unit = unit;

    /// <summary>Unit name ("nginx", "nginx.service", "foo.timer").</summary>
    public required string Unit { get; init; }
    /// <summary>Wait until the unit settles (default true); false returns right after systemctl queued the job.</summary>
    public bool? Wait { get; init; }
    /// <summary>How long to wait (default 30 s); then <see cref="TimeoutException"/>.</summary>
    [JsonConverter(typeof(NullableSecondsConverter))]
    public TimeSpan? Timeout { get; init; }
    /// <summary>
    /// Run the systemctl command (only it) through <c>sudo -n</c>, as <c>sudo -n systemctl restart app</c>: for a deploy user
    /// whose sudoers allows just that line. A refused command throws <see cref="UnauthorizedAccessException"/> naming it.
    /// </summary>
    public bool? Sudo { get; init; }
}

/// <summary>Arguments of <see cref="Service.WaitWith"/>.</summary>
public sealed record ServiceWaitOptions
{
    /// <summary>Creates the options for <paramref name="unit"/>.</summary>
    [SetsRequiredMembers]
    public ServiceWaitOptions(string unit) => Unit = unit;

    /// <summary>Unit name.</summary>
    public required string Unit { get; init; }
    /// <summary>True (default): wait until active; false: until stopped.</summary>
    public bool? Active { get; init; }
    /// <summary>How long to wait (default 30 s); then <see cref="TimeoutException"/>.</summary>
    [JsonConverter(typeof(NullableSecondsConverter))]
    public TimeSpan? Timeout { get; init; }
}

/// <summary>Arguments of <see cref="Service.EnableWith"/> and <see cref="Service.DisableWith"/>.</summary>
public sealed record ServiceEnableOptions
{
    /// <summary>Creates the options for <paramref name="unit"/>.</summary>
    [SetsRequiredMembers]
    public ServiceEnableOptions(string unit) => Unit = unit;

    /// <summary>Unit name.</summary>
    public required string Unit { get; init; }
    /// <summary>Also start (enable) or stop (disable) it now.</summary>
    public bool? Now { get; init; }
    /// <summary>Run the systemctl commands through <c>sudo -n</c> (see <see cref="ServiceActionOptions.Sudo"/>).</summary>
    public bool? Sudo { get; init; }
}

/// <summary>Arguments of <see cref="Service.Converge"/>.</summary>
public sealed record ServiceConvergeOptions
{
    /// <summary>Creates the options for <paramref name="unit"/>.</summary>
    [SetsRequiredMembers]
    public ServiceConvergeOptions(string unit) => Unit = unit;

    /// <summary>Unit name.</summary>
    public required string Unit { get; init; }
    /// <summary>True: running; false: stopped; null: leave as is.</summary>
    public bool? Started { get; init; }
    /// <summary>True: enabled at boot; false: disabled; null: leave as is.</summary>
    public bool? Enabled { get; init; }
    /// <summary>How long to wait for a start or stop (default 30 s).</summary>
    [JsonConverter(typeof(NullableSecondsConverter))]
    public TimeSpan? Timeout { get; init; }
    /// <summary>Run the systemctl commands through <c>sudo -n</c> (see <see cref="ServiceActionOptions.Sudo"/>).</summary>
    public bool? Sudo { get; init; }
}

/// <summary>systemd's ActiveState of a unit.</summary>
public enum ServiceState
{
    /// <summary>A value this version does not know.</summary>
    Unknown,
    /// <summary>Running (or a oneshot that stays active).</summary>
    Active,
    /// <summary>Reloading its configuration.</summary>
    Reloading,
    /// <summary>Not running.</summary>
    Inactive,
    /// <summary>Failed (exit code, signal, timeout...).</summary>
    Failed,
    /// <summary>Starting.</summary>
    Activating,
    /// <summary>Stopping.</summary>
    Deactivating,
}

/// <summary>State of one unit, as systemd reports it.</summary>
public sealed record ServiceStatus
{
    /// <summary>Full unit name ("nginx.service").</summary>
    public string Unit { get; init; } = "";
    /// <summary>"loaded", "not-found", "masked"...</summary>
    public string LoadState { get; init; } = "";
    /// <summary>"active", "inactive", "failed", "activating"... (see <see cref="State"/>).</summary>
    public string ActiveState { get; init; } = "";
    /// <summary>"running", "dead", "exited"...</summary>
    public string SubState { get; init; } = "";
    /// <summary><c>systemctl is-enabled</c> output: "enabled", "disabled", "static", "masked", "not-found"...</summary>
    public string Enabled { get; init; } = "";
    /// <summary>Main process id; 0 when not running.</summary>
    public int MainPid { get; init; }
    /// <summary>systemd's Result: "success", "exit-code"...</summary>
    public string Result { get; init; } = "";

    /// <summary><see cref="ActiveState"/> as an enum (unknown values give <see cref="ServiceState.Unknown"/>, never an error).</summary>
    [JsonIgnore]
    public ServiceState State => Enum.TryParse<ServiceState>(ActiveState, ignoreCase: true, out var s) && s != ServiceState.Unknown ? s : ServiceState.Unknown;

    /// <summary>True when the unit is active.</summary>
    [JsonIgnore]
    public bool IsActive => State == ServiceState.Active;

    /// <summary>True when the unit is enabled at boot (or static/generated: started by something else).</summary>
    [JsonIgnore]
    public bool IsEnabled => Enabled is "enabled" or "enabled-runtime" or "static" or "alias" or "generated" or "transient";
}

/// <summary>Result of a start/stop/restart/reload/converge: the status afterwards.</summary>
public sealed record ServiceResult
{
    /// <summary>True when anything was done.</summary>
    public bool Changed { get; init; }
    /// <summary>The unit's status after the operation.</summary>
    public ServiceStatus Status { get; init; } = new();
}
