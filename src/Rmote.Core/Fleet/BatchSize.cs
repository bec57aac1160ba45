using System.Globalization;

namespace Rmote.Fleet;

/// <summary>Size of a rolling batch (Ansible's <c>serial</c>): a host count (<c>2</c>) or a percentage of the hosts (<c>"25%"</c>).</summary>
public readonly record struct BatchSize
{
    BatchSize(int count, double percent) => (Count, Percent) = (count, percent);

    /// <summary>Hosts per batch, or 0 when given as a percentage.</summary>
    public int Count { get; }

    /// <summary>Percentage of the hosts per batch, or 0 when given as a count.</summary>
    public double Percent { get; }

    /// <summary>A fixed number of hosts per batch (at least 1).</summary>
    public static BatchSize Hosts(int count)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        return new BatchSize(count, 0);
    }

    /// <summary>A percentage of the hosts per batch (0 &lt; percent ≤ 100; rounded down, at least one host).</summary>
    public static BatchSize Percentage(double percent)
    {
        if (!(percent > 0 && percent <= 100)) throw new ArgumentOutOfRangeException(nameof(percent), percent, "must be in (0, 100]");
        return new BatchSize(0, percent);
    }

    /// <summary>Parses <c>"2"</c> or <c>"25%"</c>.</summary>
    public static BatchSize Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var t = text.Trim();
        if (t.EndsWith('%') && double.TryParse(t[..^1], NumberStyles.Float, CultureInfo.InvariantCulture, out var pct) && pct > 0 && pct <= 100)
            return Percentage(pct);
        if (int.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= 1)
            return Hosts(n);
        throw new FormatException($"Invalid batch size '{text}': expected a host count (e.g. 2) or a percentage (e.g. 25%).");
    }

    /// <summary>A host count.</summary>
    public static implicit operator BatchSize(int count) => Hosts(count);

    /// <summary>A count or a percentage string.</summary>
    public static implicit operator BatchSize(string text) => Parse(text);

    /// <summary>Hosts per batch for a fleet of <paramref name="hosts"/>.</summary>
    public int For(int hosts) =>
        Count > 0 ? Count : Math.Max(1, (int)Math.Floor(hosts * Percent / 100.0 + 1e-9));

    /// <inheritdoc/>
    public override string ToString() => Count > 0 ? Count.ToString(CultureInfo.InvariantCulture) : Percent.ToString(CultureInfo.InvariantCulture) + "%";
}
