namespace Rmote.Operations;

/// <summary>A template step as every front end states it: exactly one of <see cref="Template"/> and <see cref="TemplateFile"/>.</summary>
public sealed record TemplateStep
{
    /// <summary>Template text.</summary>
    public string? Template { get; init; }
    /// <summary>Local template file.</summary>
    public string? TemplateFile { get; init; }
    /// <summary>The file written on the hosts.</summary>
    public string? DestinationFile { get; init; }
    /// <summary>Template variables.</summary>
    public IReadOnlyDictionary<string, object?>? Variables { get; init; }
    /// <summary>
    /// Secret variables: template variable name to the name of the controller's environment variable (or
    /// <see cref="SecretsFile"/> line) holding its value. Masked in every error and log text; the file defaults to 0600.
    /// </summary>
    public IReadOnlyDictionary<string, string>? SecretVariables { get; init; }
    /// <summary>A local file of <c>NAME=VALUE</c> lines, mode 0600, for secrets the controller's environment does not hold.</summary>
    public string? SecretsFile { get; init; }
    /// <summary>Variables that differ by host: each host's own, its groups, each group's (see <see cref="Operations.HostVariables"/>).</summary>
    public HostVariables? HostVariables { get; init; }
    /// <summary>Octal mode of the written file (default: the file's own, or 0600 with a secret variable).</summary>
    public string? FileMode { get; init; }
    /// <summary>Owner of the written file.</summary>
    public string? Owner { get; init; }
    /// <summary>Group of the written file.</summary>
    public string? Group { get; init; }
    /// <summary>The folder relative remote paths are resolved against (<see cref="StepInputs.RemotePath"/>).</summary>
    public string? DeployFolder { get; init; }
}
