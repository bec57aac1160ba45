using Rmote.Deploy;
using Rmote.Fleet;

namespace Rmote.Operations;

/// <summary>
/// A template for <see cref="FleetOperations.RenderTemplateAsync"/>: rendered on each host (Rmote's Mako-like
/// syntax, <c>${name}</c>) and written atomically to <see cref="Path"/> only when it differs. Set exactly one of
/// <see cref="Text"/> and <see cref="LocalFile"/>. Each host also sees its <see cref="HostVariables"/>, <c>rmote_host</c>
/// (its label) and <c>rmote_groups</c> (its groups).
/// </summary>
public sealed record TemplateRequest
{
    /// <summary>Template source text.</summary>
    public string? Text { get; init; }
    /// <summary>Local file holding the template (read once, UTF-8).</summary>
    public string? LocalFile { get; init; }
    /// <summary>Variables, used as named.</summary>
    public IReadOnlyDictionary<string, object?> Variables { get; init; } = new Dictionary<string, object?>();
    /// <summary>Variables that differ by host (a host's own win over its groups', which win over <see cref="Variables"/>).</summary>
    public HostVariables HostVariables { get; init; } = HostVariables.None;
    /// <summary>
    /// Names of <see cref="Variables"/> whose values are secret: masked (<c>***</c>) in every error and log text of this
    /// step (each line of a multi-line value too), and the file is written with mode 0600 unless <see cref="Mode"/> is set.
    /// A secret value is a string or a number (a list or an object is rendered but not masked).
    /// </summary>
    public IReadOnlyCollection<string> SecretVariableNames { get; init; } = [];
    /// <summary>Destination file on each host.</summary>
    public required string Path { get; init; }
    /// <summary>Permission bits (<c>"0644"</c>); null keeps the file's mode (a new file: 0644 less the umask), or 0600 with a secret variable.</summary>
    public string? Mode { get; init; }
    /// <summary>Owner name or uid.</summary>
    public string? Owner { get; init; }
    /// <summary>Group name or gid.</summary>
    public string? Group { get; init; }
    /// <summary>Create the destination's folder (and its parents) when missing (default true).</summary>
    public bool CreateDirectory { get; init; } = true;
    /// <summary>Fan-out options for this step (null: the session's).</summary>
    public FleetOptions? Fleet { get; init; }

    internal string ReadTemplate()
    {
        if ((Text is null) == (LocalFile is null)) throw new ArgumentException("Give either template Text or a LocalFile (exactly one).");
        if (string.IsNullOrWhiteSpace(Path)) throw new ArgumentException("The destination Path is empty.");
        if ((Path.StartsWith('/') || Path.StartsWith('~')) && DangerousDestinations.Describe(Path.Trim()) is { } dangerous)
            throw new ArgumentException(DangerousDestinations.FileMessage("Template destination", Path, dangerous));
        return Text ?? File.ReadAllText(LocalFile!);
    }
}
