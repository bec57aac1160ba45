using Cake.Core;
using Cake.Core.Annotations;
using Cake.Core.IO;
using Rmote.Cake.Internal;
using Rmote.Deploy;
using Rmote.Fleet;
using Rmote.Tools;

namespace Rmote.Cake;

public static partial class RmoteAliases
{
    /// <summary>Renders the local template file on every host into <paramref name="destinationPath"/> (written only when it differs).</summary>
    /// <example><code>RmoteTemplate(hosts, "./deploy/app.conf.tmpl", "/etc/app.conf");</code></example>
    [CakeMethodAlias]
    [CakeAliasCategory("Template")]
    public static FleetResult<RenderResult> RmoteTemplate(this ICakeContext context, IEnumerable<string> hosts, string templateFile, string destinationPath) =>
        RmoteTemplate(context, hosts, templateFile, destinationPath, new RmoteTemplateSettings());

    /// <summary>Renders the local template file (<c>${name}</c>, <c>% for</c>/<c>% if</c>) with the settings' variables on every host.</summary>
    /// <example><code>
    /// RmoteTemplate(hosts, "./deploy/app.conf.tmpl", "/etc/app.conf", new RmoteTemplateSettings()
    ///     .WithVariable("port", 8080).WithMode("0640"));
    /// </code></example>
    [CakeMethodAlias]
    [CakeAliasCategory("Template")]
    public static FleetResult<RenderResult> RmoteTemplate(this ICakeContext context, IEnumerable<string> hosts, string templateFile, string destinationPath, RmoteTemplateSettings settings)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentException.ThrowIfNullOrWhiteSpace(templateFile);
        ArgumentException.ThrowIfNullOrWhiteSpace(destinationPath);
        ArgumentNullException.ThrowIfNull(settings);
        var local = new FilePath(templateFile).MakeAbsolute(context.Environment).FullPath;
        return CakeStep.Run(context, nameof(RmoteTemplate), hosts, settings, (ops, fleet, ct) => ops.RenderTemplateAsync(new TemplateRequest
        {
            LocalFile = local,
            Path = destinationPath,
            Variables = new Dictionary<string, object?>(settings.Variables),
            SecretVariableNames = [.. settings.SecretVariables],
            Mode = settings.Mode,
            Owner = settings.Owner,
            Group = settings.Group,
            Fleet = fleet,
        }, ct), r => (r.Changed ? "written " : "unchanged ") + r.Path);
    }
}
