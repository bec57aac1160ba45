namespace Rmote.Operations;

/// <summary>
/// Template variables that differ by host, as an inventory states them: variables of each host, the groups each host
/// belongs to, and variables of each group. A host sees, from weakest to strongest: the step's variables, the
/// variables of each of its groups in the order listed (a later group wins), its own variables; then the engine's
/// <c>rmote_host</c> (its label) and <c>rmote_groups</c> (its group names). Host and group names compare ignoring case,
/// as host names do.
/// </summary>
public sealed record HostVariables
{
    static readonly IReadOnlyDictionary<string, IReadOnlyDictionary<string, object?>> NoVariables =
        new Dictionary<string, IReadOnlyDictionary<string, object?>>(StringComparer.OrdinalIgnoreCase);

    /// <summary>No per-host variables.</summary>
    public static HostVariables None { get; } = new();

    /// <summary>Variables of each host, by host label (<c>web01</c>, or the spec as written: <c>deploy@web01:2222</c>).</summary>
    public IReadOnlyDictionary<string, IReadOnlyDictionary<string, object?>> Hosts { get; init; } = NoVariables;

    /// <summary>The groups of each host, by host label, in order (a later group's variables win over an earlier one's).</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> Groups { get; init; } = new Dictionary<string, IReadOnlyList<string>>(StringComparer.OrdinalIgnoreCase);

    /// <summary>Variables of each group, by group name: they apply to every host of the group.</summary>
    public IReadOnlyDictionary<string, IReadOnlyDictionary<string, object?>> GroupVariables { get; init; } = NoVariables;

    /// <summary>True when no host has variables or groups.</summary>
    public bool IsEmpty => Hosts.Count == 0 && Groups.Count == 0;

    /// <summary>The variables host <paramref name="host"/> renders with: <paramref name="step"/>'s, then its groups', then its own.</summary>
    public Dictionary<string, object?> For(string host, IReadOnlyDictionary<string, object?> step)
    {
        ArgumentNullException.ThrowIfNull(step);
        var vars = new Dictionary<string, object?>(step, StringComparer.Ordinal);
        var groups = Find(Groups, host) ?? [];
        foreach (var group in groups)
            if (Find(GroupVariables, group) is { } groupVars)
                foreach (var (name, value) in groupVars) vars[name] = value;
        if (Find(Hosts, host) is { } own)
            foreach (var (name, value) in own) vars[name] = value;
        vars.TryAdd("rmote_host", host);
        vars.TryAdd("rmote_groups", groups.ToList());
        return vars;
    }

    /// <summary>A copy in which host <paramref name="host"/> has variable <paramref name="name"/> set to <paramref name="value"/>.</summary>
    public HostVariables WithHostVariable(string host, string name, object? value) => this with { Hosts = Set(Hosts, Name(host, nameof(host)), Name(name, nameof(name)), value) };

    /// <summary>A copy in which host <paramref name="host"/> also belongs to <paramref name="groups"/> (after its earlier groups).</summary>
    public HostVariables WithHostGroups(string host, params string[] groups)
    {
        ArgumentNullException.ThrowIfNull(groups);
        var copy = new Dictionary<string, IReadOnlyList<string>>(Groups, StringComparer.OrdinalIgnoreCase);
        var key = Name(host, nameof(host));
        copy[key] = [.. (Find(Groups, key) ?? []), .. groups.Select(g => Name(g, nameof(groups)))];
        return this with { Groups = copy };
    }

    /// <summary>A copy in which group <paramref name="group"/> has variable <paramref name="name"/> set to <paramref name="value"/>.</summary>
    public HostVariables WithGroupVariable(string group, string name, object? value) =>
        this with { GroupVariables = Set(GroupVariables, Name(group, nameof(group)), Name(name, nameof(name)), value) };

    static string Name(string? text, string parameter) =>
        string.IsNullOrWhiteSpace(text) ? throw new ArgumentException("The name is empty.", parameter) : text.Trim();

    static Dictionary<string, IReadOnlyDictionary<string, object?>> Set(IReadOnlyDictionary<string, IReadOnlyDictionary<string, object?>> map, string key, string name, object? value)
    {
        var copy = new Dictionary<string, IReadOnlyDictionary<string, object?>>(map, StringComparer.OrdinalIgnoreCase);
        copy[key] = new Dictionary<string, object?>(Find(map, key) ?? new Dictionary<string, object?>(), StringComparer.Ordinal) { [name] = value };
        return copy;
    }

    /// <summary>
    /// Refuses names that match no host of <paramref name="hosts"/> (a typo would silently render the step's values),
    /// naming the host and the hosts there are.
    /// </summary>
    /// <exception cref="ArgumentException">A host name in <see cref="Hosts"/> or <see cref="Groups"/> is not one of <paramref name="hosts"/>.</exception>
    public void Validate(IReadOnlyCollection<string> hosts)
    {
        ArgumentNullException.ThrowIfNull(hosts);
        var known = new HashSet<string>(hosts, StringComparer.OrdinalIgnoreCase);
        foreach (var name in Hosts.Keys.Concat(Groups.Keys))
            if (!known.Contains(name))
                throw new ArgumentException($"Host variables name host '{name}', which is not one of this step's hosts ({string.Join(", ", hosts)}): "
                    + "name a host as its label (the host string as written, or its Name).");
    }

    // Callers may pass dictionaries of any comparer: look names up ignoring case whatever the dictionary's own rule.
    static T? Find<T>(IReadOnlyDictionary<string, T> map, string name) where T : class =>
        map.TryGetValue(name, out var hit) ? hit : map.FirstOrDefault(kv => string.Equals(kv.Key, name, StringComparison.OrdinalIgnoreCase)).Value;
}
