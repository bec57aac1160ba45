namespace Rmote.TestRig;

/// <summary>Unit files the service tests install on a <see cref="SystemdHost"/> (<see cref="SystemdHost.InstallUnitAsync"/>).</summary>
public static class SystemdUnits
{
    /// <summary>
    /// A line the failing unit writes to stderr (so to its journal) before it fails, as a real app's config check does.
    /// </summary>
    public const string FailureComplaint = "cannot open /etc/rmote/app.conf: No such file or directory";

    /// <summary>
    /// systemd's own journal line for that failure (exit status 3: systemd names it NOTIMPLEMENTED). With
    /// <see cref="FailureComplaint"/> it shows the error carries the unit's real journal.
    /// </summary>
    public static string ControlProcessExited(string unit) => $"{unit}: Control process exited, code=exited, status=3/NOTIMPLEMENTED";

    /// <summary>A web app: python3's http.server on 127.0.0.1:<paramref name="port"/> serving <paramref name="directory"/>.</summary>
    public static string HttpServer(int port, string directory) => $"""
        [Unit]
        Description=rmote test app on port {port}
        [Service]
        ExecStart=/usr/bin/python3 -m http.server {port} --bind 127.0.0.1 --directory {directory}
        [Install]
        WantedBy=multi-user.target
        """ + "\n";

    /// <summary>A unit whose start fails in its ExecStartPre check (like <c>nginx -t</c>), after printing <see cref="FailureComplaint"/>.</summary>
    public static string FailsToStart(string program) => $"""
        [Unit]
        Description=rmote test app whose config check fails
        [Service]
        ExecStartPre=/bin/sh -c 'echo "{program}: {FailureComplaint}" >&2; exit 3'
        ExecStart=/bin/sleep infinity
        """ + "\n";
}
