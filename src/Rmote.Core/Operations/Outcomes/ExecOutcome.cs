namespace Rmote.Operations;

/// <summary>What a command did on one host.</summary>
public sealed record ExecOutcome : IStepOutcome
{
    /// <summary>The host's label.</summary>
    public required string Host { get; init; }
    /// <summary>Exit status (negative signal number when killed by a signal).</summary>
    public required int ExitCode { get; init; }
    /// <summary>Every output line in arrival order, stdout and stderr interleaved (secrets masked).</summary>
    public required IReadOnlyList<HostOutputLine> Output { get; init; }
    /// <summary>Wall time of the command (its last attempt).</summary>
    public TimeSpan Duration { get; init; }
    /// <summary>In WhatIf mode, what the step would do on the host (nothing was changed); null when it ran.</summary>
    public StepPlan? Plan { get; init; }
    /// <summary>Attempts the command took on this host (more than 1 only with <see cref="ExecRequest.Retries"/>).</summary>
    public int Attempts { get; init; } = 1;

    /// <summary>Stdout lines joined with '\n'.</summary>
    public string Stdout => string.Join('\n', Output.Where(l => l.Stream == Tools.OutputStream.Stdout).Select(l => l.Text));

    /// <summary>Stderr lines joined with '\n'.</summary>
    public string Stderr => string.Join('\n', Output.Where(l => l.Stream == Tools.OutputStream.Stderr).Select(l => l.Text));

    /// <inheritdoc/>
    public string Summary => Plan?.Summary ?? (ExitCode == 0 ? "exit 0" : $"exit {ExitCode} (ignored)") + (Attempts > 1 ? $" after {Attempts} attempts" : "");

    /// <inheritdoc/>
    public override string ToString() => $"exit {ExitCode}, {Output.Count} line(s) in {Duration.TotalSeconds:0.00} s";
}
