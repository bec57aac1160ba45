using Microsoft.Build.Framework;
using Rmote.Operations;

namespace Rmote.MSBuild;

/// <summary>
/// Renders a template (<c>${name}</c>, <c>% if</c>/<c>% for</c>) on every host into a file, written atomically and
/// only when it differs. Variables come from <see cref="Variables"/> items and <see cref="Properties"/> pairs, and
/// differ by host: every custom metadata of a host's <c>RmoteHost</c> item is a variable of that host
/// (<c>&lt;RmoteHost Include="web01" Role="api" Group="web" /&gt;</c>: <c>${Role}</c>), and the metadata of the
/// <see cref="HostGroups"/> item named by its <c>Group</c> metadata apply to every host of that group. A host's own
/// metadata win over its groups', which win over <see cref="Variables"/> and <see cref="Properties"/>. Each host also
/// sees <c>rmote_host</c> (its label) and <c>rmote_groups</c> (its groups).
/// </summary>
public sealed class RmoteTemplate : RmoteTask
{
    /// <summary>Template text (instead of <see cref="TemplateFile"/>).</summary>
    public string? Template { get; set; }

    /// <summary>Local template file.</summary>
    public string? TemplateFile { get; set; }

    /// <summary>Destination file on the hosts (absolute, <c>~/...</c>, or relative to the deploy folder: see <see cref="RmoteTask.DeployFolder"/>).</summary>
    [Required]
    public string DestinationFile { get; set; } = "";

    /// <summary>
    /// Variables as items: spec = name, metadata <c>Value</c>, or <c>EnvironmentVariable</c> (the value of the build's
    /// environment variable of that name, never a task parameter). <c>Secret="true"</c> marks a secret: its value comes
    /// from <c>EnvironmentVariable</c> only (a <c>Value</c> is refused: binlogs record metadata), it is masked in every
    /// error and log line, and the file defaults to mode 0600.
    /// </summary>
    public ITaskItem[]? Variables { get; set; }

    /// <summary>A local file of <c>NAME=VALUE</c> lines (mode 0600) for secrets the build's environment does not hold; the environment wins.</summary>
    public string? SecretsFile { get; set; }

    /// <summary>Variables as <c>Name=Value</c> pairs (<c>Properties="Port=$(Port);Env=$(Configuration)"</c>).</summary>
    public string[]? Properties { get; set; }

    /// <summary>
    /// Host groups: <c>@(RmoteHostGroup)</c> items, spec = the group's name (as a host's <c>Group</c> metadata names it,
    /// several separated by <c>;</c>), every custom metadata a variable of each host in the group.
    /// </summary>
    public ITaskItem[]? HostGroups { get; set; }

    /// <summary>Octal mode of the file (<c>0640</c>; default: the file's own, or 0600 with a secret variable).</summary>
    public string? FileMode { get; set; }

    /// <summary>Owner of the file.</summary>
    public string? Owner { get; set; }

    /// <summary>Group of the file.</summary>
    public string? Group { get; set; }

    /// <summary>True when the file changed on at least one host.</summary>
    [Output]
    public bool Changed { get; private set; }

    /// <inheritdoc/>
    protected override string FailureCode => ErrorCodes.TemplateFailed;

    TemplateRequest? request;

    /// <inheritdoc/>
    protected override object Validate()
    {
        var vars = new Dictionary<string, object?>(StringComparer.Ordinal);
        var secrets = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var v in Variables ?? [])
        {
            var fromEnv = v.GetMetadata("EnvironmentVariable");
            if (bool.TryParse(v.GetMetadata("Secret"), out var secret) && secret)
            {
                // The value is not quoted: it is the secret.
                secrets[v.ItemSpec] = string.IsNullOrWhiteSpace(fromEnv)
                    ? throw new ArgumentException($"Variables '{v.ItemSpec}': Secret=\"true\" takes its value from the build's environment by name: set "
                        + "EnvironmentVariable=\"NAME\" (a variable set outside the build, or a line of SecretsFile) instead of Value, which binlogs record.")
                    : fromEnv;
                continue;
            }
            vars[v.ItemSpec] = string.IsNullOrWhiteSpace(fromEnv) ? v.GetMetadata("Value")
                : SecretSource.Resolve([fromEnv], SecretsFile, ProjectDirectory, $"Variables '{v.ItemSpec}'").Values.Single();
        }
        foreach (var pair in Properties ?? [])
        {
            var eq = pair.IndexOf('=');
            if (eq <= 0) throw new ArgumentException($"Properties entry '{pair}' is not Name=Value.");
            vars[pair[..eq].Trim()] = pair[(eq + 1)..];
        }
        return request = StepMapper.Template(new TemplateStep
        {
            Template = Template,
            TemplateFile = TemplateFile,
            DestinationFile = DestinationFile,
            Variables = vars,
            HostVariables = HostInventory.Read(Hosts, HostGroups, ProjectDirectory),
            SecretVariables = secrets,
            SecretsFile = SecretsFile,
            FileMode = FileMode,
            Owner = Owner,
            Group = Group,
            DeployFolder = RemoteDeployFolder,
        }, ProjectDirectory);
    }

    /// <inheritdoc/>
    protected override async Task<bool> RunAsync(FleetOperations ops, CancellationToken cancellationToken)
    {
        var result = await ops.RenderTemplateAsync(request!, cancellationToken).ConfigureAwait(false);
        Changed = result.Successes.Any(r => r.Value!.Changed);
        return Report(result);
    }
}
