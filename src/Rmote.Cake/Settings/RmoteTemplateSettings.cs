using Cake.Core;

namespace Rmote.Cake;

/// <summary>Settings of <see cref="RmoteAliases.RmoteTemplate(ICakeContext, IEnumerable{string}, string, string, RmoteTemplateSettings)"/>.</summary>
public sealed class RmoteTemplateSettings : RmoteSettings
{
    /// <summary>Template variables (<c>${name}</c>); each host also sees <c>rmote_host</c> and <c>rmote_groups</c>.</summary>
    public IDictionary<string, object?> Variables { get; set; } = new Dictionary<string, object?>(StringComparer.Ordinal);

    /// <summary>Variables that differ by host: each host's own, its groups and each group's (a host's own win over its groups', which win over <see cref="Variables"/>).</summary>
    public Rmote.Operations.HostVariables HostVariables { get; set; } = Rmote.Operations.HostVariables.None;

    /// <summary>Names of <see cref="Variables"/> whose values are secret: masked in every error and log text, and the file defaults to mode 0600.</summary>
    public ISet<string> SecretVariables { get; set; } = new HashSet<string>(StringComparer.Ordinal);

    /// <summary>Mode of the written file, octal (<c>"0644"</c>; default: the file's own, or 0600 with a secret variable).</summary>
    public string? FileMode { get; set; }

    /// <summary>Owner of the written file.</summary>
    public string? Owner { get; set; }

    /// <summary>Group of the written file.</summary>
    public string? Group { get; set; }
}
