namespace Rmote.Nuke;

/// <summary>Settings of <see cref="RmoteTasks.RmoteTemplate(Configure{RmoteTemplateSettings})"/> (immutable: each setter returns a copy).</summary>
public sealed record RmoteTemplateSettings : RmoteSettings
{
    /// <summary>The local template file.</summary>
    public string? TemplateFile { get; init; }

    /// <summary>The file written on the hosts.</summary>
    public string? DestinationFile { get; init; }

    /// <summary>Template variables.</summary>
    public IReadOnlyDictionary<string, object?> Variables { get; init; } = new Dictionary<string, object?>();

    /// <summary>Variables that differ by host: each host's own, its groups and each group's (a host's own win over its groups', which win over <see cref="Variables"/>).</summary>
    public Rmote.Operations.HostVariables HostVariables { get; init; } = Rmote.Operations.HostVariables.None;

    /// <summary>
    /// Secret variables: template variable name to the name of the build's environment variable (or <see cref="SecretsFile"/>
    /// line) holding its value. Masked in every error and log text; the file defaults to mode 0600.
    /// </summary>
    public IReadOnlyDictionary<string, string> SecretVariables { get; init; } = new Dictionary<string, string>();

    /// <summary>A local file of <c>NAME=VALUE</c> lines (mode 0600) for secrets the environment does not hold; the environment wins.</summary>
    public string? SecretsFile { get; init; }

    /// <summary>The written file's mode, octal (default: the file's own, or 0600 with a secret variable).</summary>
    public string? FileMode { get; init; }

    /// <summary>The written file's owner.</summary>
    public string? Owner { get; init; }

    /// <summary>The written file's group.</summary>
    public string? Group { get; init; }
}
