using Rmote.Fleet;

namespace Rmote.Operations;

/// <summary>
/// The one text of a WhatIf step, printed by every front end (MSBuild, Cake, Nuke) as it is: a heading, then each
/// host's summary and detail lines (hosts with the same plan share one entry, as a fleet usually does).
/// </summary>
public static class PlanText
{
    /// <summary>The plan of <paramref name="step"/> over the hosts of <paramref name="result"/>, or null when no host has one (not a WhatIf run).</summary>
    public static string? For<T>(string step, FleetResult<T> result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var rows = result.Where(r => r.Success && StepOutcome.Plan(r.Value) is not null).ToList();
        if (rows.Count == 0) return null;
        var text = new System.Text.StringBuilder($"WhatIf {step}: nothing was changed on the hosts");
        // Hosts in their own order; those whose plan reads the same are listed together.
        foreach (var group in rows.GroupBy(r => Lines(StepOutcome.Plan(r.Value)!), StringComparer.Ordinal))
        {
            text.Append('\n').Append("  ").Append(string.Join(", ", group.Select(r => r.Host))).Append(": ").Append(group.Key);
        }
        return text.ToString();
    }

    static string Lines(StepPlan plan) =>
        string.Concat(plan.Details().Select(line => "\n    " + line)).Insert(0, plan.Summary);
}
