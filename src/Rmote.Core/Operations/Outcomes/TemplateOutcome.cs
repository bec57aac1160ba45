namespace Rmote.Operations;

/// <summary>What a <see cref="FleetOperations.RenderTemplateAsync"/> did on one host.</summary>
public sealed record TemplateOutcome : IStepOutcome
{
    /// <summary>The file on the host.</summary>
    public required string Path { get; init; }
    /// <summary>False when content, mode and owner were already right (nothing written).</summary>
    public bool Changed { get; init; }
    /// <summary>Hex SHA-256 of the rendered text.</summary>
    public string Sha256 { get; init; } = "";
    /// <summary>In WhatIf mode, what the step would do on the host (nothing was changed); null when it ran.</summary>
    public StepPlan? Plan { get; init; }

    /// <inheritdoc/>
    public string Summary => Plan?.Summary ?? (Changed ? "wrote " : "unchanged ") + Path;

    /// <inheritdoc/>
    public override string ToString() => Summary;
}
