using Rmote.Fleet;

namespace Rmote.Operations;

/// <summary>Services for <see cref="FleetOperations.RestartServicesAsync"/>: restarted (or reloaded) in order on each host.</summary>
public sealed record ServiceRestartRequest
{
    /// <summary>systemd unit names ("app", "nginx.service").</summary>
    public required IReadOnlyList<string> Names { get; init; }

    /// <summary>Reload the configuration instead of restarting (a stopped unit is started).</summary>
    public bool Reload { get; init; }

    /// <summary>How long each unit may take to become active (default 30 s).</summary>
    public TimeSpan Timeout { get; init; } = StepDefaults.ServiceTimeout;

    /// <summary>Journal lines put in the error when a unit does not come up (default 20).</summary>
    public int JournalLines { get; init; } = StepDefaults.JournalLines;

    /// <summary>
    /// Run only the <c>systemctl restart UNIT</c> (or reload) command through <c>sudo -n</c>: for a deploy user whose sudoers
    /// allows exactly that line (<c>deploy ALL=(root) NOPASSWD: /usr/bin/systemctl restart app</c>). Status queries stay
    /// unprivileged; a refused command fails the host with sudo's answer and the sudoers line it needs.
    /// </summary>
    public bool SystemctlSudo { get; init; }

    /// <summary>Fan-out options for this step (null: the session's).</summary>
    public FleetOptions? Fleet { get; init; }

    /// <summary>Throws <see cref="ArgumentException"/> when the request is incomplete or inconsistent (the operation calls it too).</summary>
    public void Validate()
    {
        if (Names.Count == 0 || Names.Any(string.IsNullOrWhiteSpace)) throw new ArgumentException("Give at least one service name, none empty.");
        if (Timeout <= TimeSpan.Zero) throw new ArgumentException("Timeout must be positive.");
    }
}
