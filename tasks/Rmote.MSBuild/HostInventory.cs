using System.Collections;
using Microsoft.Build.Framework;
using Rmote.Operations;

namespace Rmote.MSBuild;

/// <summary>
/// Template variables that differ by host, read from the items a project already has: every custom metadata of an
/// <c>RmoteHost</c> item is a variable of its host(s) (the connection metadata too: <c>${User}</c>, <c>${Port}</c>),
/// its <c>Group</c> metadata names its groups (<c>Group="web;eu"</c>), and every custom metadata of an
/// <c>RmoteHostGroup</c> item is a variable of each host in that group. Empty metadata set nothing (MSBuild's
/// unset), so a definition-group default never hides a step variable.
/// </summary>
internal static class HostInventory
{
    /// <summary>The metadata naming a host's groups.</summary>
    public const string GroupMetadata = "Group";

    public static HostVariables Read(ITaskItem[] hosts, ITaskItem[]? groups, string projectDirectory)
    {
        var inventory = HostVariables.None;
        foreach (var (spec, item) in HostItems.ParseItems(hosts, projectDirectory))
        {
            foreach (var (name, value) in Custom(item))
            {
                if (string.Equals(name, GroupMetadata, StringComparison.OrdinalIgnoreCase))
                    inventory = inventory.WithHostGroups(spec.Label, value.Split([';', ',', ' '], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
                else
                    inventory = inventory.WithHostVariable(spec.Label, name, value);
            }
        }
        foreach (var group in groups ?? [])
            foreach (var (name, value) in Custom(group))
                inventory = inventory.WithGroupVariable(group.ItemSpec, name, value);
        return inventory;
    }

    static IEnumerable<(string Name, string Value)> Custom(ITaskItem item)
    {
        // CloneCustomMetadata leaves out the well-known metadata (FullPath, Identity...) and unescapes values.
        foreach (DictionaryEntry entry in item.CloneCustomMetadata())
            if (entry.Key is string name && entry.Value is string { Length: > 0 } value)
                yield return (name, value);
    }
}
