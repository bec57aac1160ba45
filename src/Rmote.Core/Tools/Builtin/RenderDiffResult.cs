namespace Rmote.Tools;

/// <summary>Result of <see cref="Template.RenderDiff"/>: what writing the rendered text would change (nothing was written).</summary>
public sealed record RenderDiffResult
{
    /// <summary>The file on the host.</summary>
    public string Path { get; init; } = "";
    /// <summary>Content, mode or owner would change.</summary>
    public bool Changed { get; init; }
    /// <summary>The file exists now.</summary>
    public bool Exists { get; init; }
    /// <summary>Bytes of the rendered text.</summary>
    public long Size { get; init; }
    /// <summary>Bytes of the file now (null: none).</summary>
    public long? OldSize { get; init; }
    /// <summary>Unified diff of the file against the rendered text; null when there is none to show (<see cref="Notes"/> say why).</summary>
    public string? Diff { get; init; }
    /// <summary>One-line notes: binary or huge file, secret variables, mode or owner changes.</summary>
    public IReadOnlyList<string> Notes { get; init; } = [];
}
