namespace Rmote.Integration;

/// <summary>Octal permission strings (<c>"0644"</c>, <c>"755"</c>, <c>"0o640"</c>) as build scripts write them.</summary>
internal static class FileModes
{
    public static UnixFileMode? Parse(string? text, string name)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        var t = text.Trim();
        if (t.StartsWith("0o", StringComparison.OrdinalIgnoreCase)) t = t[2..];
        int value = 0;
        if (t.Length is 0 or > 4 || !t.All(c => c is >= '0' and <= '7'))
            throw new ArgumentException($"{name} '{text}' is not an octal mode such as 0644.", name);
        foreach (var c in t) value = value * 8 + (c - '0');
        return (UnixFileMode)value;
    }
}
