namespace Rmote.Tools;

/// <summary>
/// systemd units through <c>systemctl</c> (python/tools/service.py). Start/stop/restart/reload wait until the unit
/// settles; a unit that fails throws <see cref="RemoteCommandException"/> whose stderr carries systemctl's message and
/// the unit's last journal lines. Where systemd is not PID 1 every call fails with a <see cref="RemoteException"/>
/// of Python type <c>SystemdUnavailableError</c>, unless the remote environment variable <c>RMOTE_SYSTEMCTL</c> names
/// an alternative systemctl (e.g. Debian's daemonless <c>systemctl</c> package). The record forms take <c>Sudo</c>: only
/// the changing systemctl commands run through <c>sudo -n</c>; a refusal throws <see cref="UnauthorizedAccessException"/>.
/// </summary>
/// <example><code>
/// await proto.CallAsync(Service.Restart, "nginx");
/// var r = await proto.CallAsync(Service.Converge, new ServiceConvergeOptions("nginx") { Started = true, Enabled = true });
/// </code></example>
public static class Service
{
    /// <summary>The tool's Python source, shipped inside Rmote.Core.</summary>
    public static readonly PythonTool Tool = PythonTool.FromResource("Service", "service.py");

    /// <summary><c>status(unit)</c>: load/active/sub state, enablement, main pid; an unknown unit has load state "not-found".</summary>
    public static readonly ToolMethod<string, ServiceStatus> Status = Tool.Method<string, ServiceStatus>("status");

    /// <summary><c>start(unit)</c>: start unless active and wait (30 s) until it is; unknown unit: <see cref="FileNotFoundException"/>.</summary>
    public static readonly ToolMethod<string, ServiceResult> Start = Tool.Method<string, ServiceResult>("start");

    /// <summary><c>start(unit, wait, timeout)</c> from a record.</summary>
    public static readonly ToolMethod<ServiceActionOptions, ServiceResult> StartWith = Tool.KwMethod<ServiceActionOptions, ServiceResult>("start");

    /// <summary><c>stop(unit)</c>: stop unless inactive/failed (an unknown unit is a no-op).</summary>
    public static readonly ToolMethod<string, ServiceResult> Stop = Tool.Method<string, ServiceResult>("stop");

    /// <summary><c>stop(unit, wait, timeout)</c> from a record.</summary>
    public static readonly ToolMethod<ServiceActionOptions, ServiceResult> StopWith = Tool.KwMethod<ServiceActionOptions, ServiceResult>("stop");

    /// <summary><c>restart(unit)</c>: restart (or start) and wait until active; always changed.</summary>
    public static readonly ToolMethod<string, ServiceResult> Restart = Tool.Method<string, ServiceResult>("restart");

    /// <summary><c>restart(unit, wait, timeout)</c> from a record.</summary>
    public static readonly ToolMethod<ServiceActionOptions, ServiceResult> RestartWith = Tool.KwMethod<ServiceActionOptions, ServiceResult>("restart");

    /// <summary>
    /// <c>reload(unit)</c>: reload a running unit's configuration (a stopped one is started); always changed. A running unit
    /// without <c>ExecReload=</c> throws <see cref="NotSupportedException"/> before anything is sent.
    /// </summary>
    public static readonly ToolMethod<string, ServiceResult> Reload = Tool.Method<string, ServiceResult>("reload");

    /// <summary><c>reload(unit, wait, timeout)</c> from a record.</summary>
    public static readonly ToolMethod<ServiceActionOptions, ServiceResult> ReloadWith = Tool.KwMethod<ServiceActionOptions, ServiceResult>("reload");

    /// <summary><c>wait(unit)</c>: wait (30 s) until the unit is active, e.g. after a start without waiting; a unit that fails throws with its journal.</summary>
    public static readonly ToolMethod<string, ServiceStatus> Wait = Tool.Method<string, ServiceStatus>("wait");

    /// <summary><c>wait(unit, active, timeout)</c> from a record: until active, or stopped.</summary>
    public static readonly ToolMethod<ServiceWaitOptions, ServiceStatus> WaitWith = Tool.KwMethod<ServiceWaitOptions, ServiceStatus>("wait");

    /// <summary><c>enable(unit)</c>: enable at boot (no-op for enabled/static units); returns changed.</summary>
    public static readonly ToolMethod<string, bool> Enable = Tool.Method<string, bool>("enable");

    /// <summary><c>enable(unit, now)</c>: with <c>now</c> true also start it; returns changed.</summary>
    public static readonly ToolMethod<string, bool, bool> EnableNow = Tool.Method<string, bool, bool>("enable");

    /// <summary><c>disable(unit)</c>: disable at boot; returns changed.</summary>
    public static readonly ToolMethod<string, bool> Disable = Tool.Method<string, bool>("disable");

    /// <summary><c>disable(unit, now)</c>: with <c>now</c> true also stop it; returns changed.</summary>
    public static readonly ToolMethod<string, bool, bool> DisableNow = Tool.Method<string, bool, bool>("disable");

    /// <summary><c>enable(unit, now, sudo)</c> from a record.</summary>
    public static readonly ToolMethod<ServiceEnableOptions, bool> EnableWith = Tool.KwMethod<ServiceEnableOptions, bool>("enable");

    /// <summary><c>disable(unit, now, sudo)</c> from a record.</summary>
    public static readonly ToolMethod<ServiceEnableOptions, bool> DisableWith = Tool.KwMethod<ServiceEnableOptions, bool>("disable");

    /// <summary><c>daemon_reload()</c>: after adding or editing unit files.</summary>
    public static readonly ToolMethod<object?> DaemonReload = Tool.Method<object?>("daemon_reload");

    /// <summary><c>daemon_reload(sudo)</c>: with true, through <c>sudo -n systemctl daemon-reload</c>.</summary>
    public static readonly ToolMethod<bool, object?> DaemonReloadSudo = Tool.Method<bool, object?>("daemon_reload");

    /// <summary><c>converge(unit, started, enabled, timeout)</c>: enablement first, then the running state; null leaves either alone.</summary>
    public static readonly ToolMethod<ServiceConvergeOptions, ServiceResult> Converge = Tool.KwMethod<ServiceConvergeOptions, ServiceResult>("converge");
}
