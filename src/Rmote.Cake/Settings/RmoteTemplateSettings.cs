using Cake.Core;

namespace Rmote.Cake;

/// <summary>Settings of <see cref="RmoteAliases.RmoteTemplate(ICakeContext, IEnumerable{string}, string, string, RmoteTemplateSettings)"/>.</summary>
public sealed class RmoteTemplateSettings : RmoteSettings
{
    /// <summary>Template variables (<c>${name}</c>); each host also sees <c>rmote_host</c>.</summary>
    public IDictionary<string, object?> Variables { get; set; } = new Dictionary<string, object?>(StringComparer.Ordinal);

    /// <summary>Mode of the written file, octal (<c>"0644"</c>).</summary>
    public string? Mode { get; set; }

    /// <summary>Owner of the written file.</summary>
    public string? Owner { get; set; }

    /// <summary>Group of the written file.</summary>
    public string? Group { get; set; }
}
