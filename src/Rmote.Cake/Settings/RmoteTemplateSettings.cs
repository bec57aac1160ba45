using Cake.Core;

namespace Rmote.Cake;

/// <summary>Settings of <see cref="RmoteAliases.RmoteTemplate(ICakeContext, IEnumerable{string}, string, string, RmoteTemplateSettings)"/>.</summary>
public sealed class RmoteTemplateSettings : RmoteSettings
{
    /// <summary>Template variables (<c>${name}</c>); each host also sees <c>rmote_host</c> and <c>rmote_groups</c>.</summary>
    public IDictionary<string, object?> Variables { get; set; } = new Dictionary<string, object?>(StringComparer.Ordinal);

    /// <summary>Variables that differ by host: each host's own, its groups and each group's (a host's own win over its groups', which win over <see cref="Variables"/>).</summary>
    public Rmote.Operations.HostVariables HostVariables { get; set; } = Rmote.Operations.HostVariables.None;

    /// <summary>
    /// Secret variables: template variable name to the name of the environment variable (where the script runs, or a
    /// <see cref="SecretsFile"/> line) holding its value. Masked in every error and log text; the file defaults to mode 0600.
    /// </summary>
    public IDictionary<string, string> SecretVariables { get; set; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>A local file of <c>NAME=VALUE</c> lines (mode 0600) for secrets the environment does not hold; the environment wins.</summary>
    public string? SecretsFile { get; set; }

    /// <summary>Mode of the written file, octal (<c>"0644"</c>; default: the file's own, or 0600 with a secret variable).</summary>
    public string? FileMode { get; set; }

    /// <summary>Owner of the written file.</summary>
    public string? Owner { get; set; }

    /// <summary>Group of the written file.</summary>
    public string? Group { get; set; }
}
