using System.Collections;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

namespace Rmote.MSBuild.Server;

/// <summary>
/// An item a task receives in the build server: its spec and custom metadata as the build had them, and the
/// well-known metadata the spec does not tell (RecursiveDir, DefiningProject*) as the build saw it.
/// </summary>
internal sealed class BuildTaskItem(TaskItem item, IReadOnlyDictionary<string, string> wellKnown) : ITaskItem2
{
    // TaskItem implements the escaped forms explicitly.
    readonly ITaskItem2 escaped = item;

    public string ItemSpec { get => item.ItemSpec; set => item.ItemSpec = value; }

    public ICollection MetadataNames => item.MetadataNames;

    public int MetadataCount => item.MetadataCount;

    public string EvaluatedIncludeEscaped { get => escaped.EvaluatedIncludeEscaped; set => escaped.EvaluatedIncludeEscaped = value; }

    public string GetMetadata(string metadataName) =>
        wellKnown.TryGetValue(metadataName, out var value) ? value : item.GetMetadata(metadataName);

    public string GetMetadataValueEscaped(string metadataName) =>
        wellKnown.TryGetValue(metadataName, out var value) ? ItemText.Escape(value) : escaped.GetMetadataValueEscaped(metadataName);

    public void SetMetadata(string metadataName, string metadataValue) => item.SetMetadata(metadataName, metadataValue);

    public void SetMetadataValueLiteral(string metadataName, string metadataValue) => escaped.SetMetadataValueLiteral(metadataName, metadataValue);

    public void RemoveMetadata(string metadataName) => item.RemoveMetadata(metadataName);

    public void CopyMetadataTo(ITaskItem destinationItem) => item.CopyMetadataTo(destinationItem);

    public IDictionary CloneCustomMetadata() => item.CloneCustomMetadata();

    public IDictionary CloneCustomMetadataEscaped() => escaped.CloneCustomMetadataEscaped();
}
