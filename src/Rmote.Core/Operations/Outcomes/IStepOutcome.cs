namespace Rmote.Operations;

/// <summary>What a step did on one host, as every front end and the result table show it.</summary>
public interface IStepOutcome
{
    /// <summary>One line (<c>copied 2, unchanged 1, deleted 0, 0.01 MiB</c>, <c>exit 0</c>, <c>wrote /etc/app.conf</c>).</summary>
    string Summary { get; }

    /// <summary>The time of the step's own work on the host, when the fleet row's time covers something else (a release's prune); null: the row's.</summary>
    TimeSpan? StepTime => null;

    /// <summary>In WhatIf mode, what the step would do on the host (nothing was changed); null when the step ran.</summary>
    StepPlan? Plan => null;
}

/// <summary>Summary and time of any step value: an <see cref="IStepOutcome"/>'s own, else its text and the row's time.</summary>
public static class StepOutcome
{
    /// <summary>The one-line summary of <paramref name="value"/>.</summary>
    public static string Summary<T>(T value) => value is IStepOutcome o ? o.Summary : value?.ToString() ?? "";

    /// <summary>The WhatIf plan of <paramref name="value"/>, or null.</summary>
    public static StepPlan? Plan<T>(T value) => value is IStepOutcome o ? o.Plan : null;

    /// <summary>The time to show for <paramref name="row"/>: the outcome's <see cref="IStepOutcome.StepTime"/>, else the row's.</summary>
    public static TimeSpan Time<T>(Fleet.HostResult<T> row) => row.Value is IStepOutcome { StepTime: { } t } ? t : row.Duration;
}
