using Cake.Core;
using Cake.Core.Annotations;
using Cake.Core.IO;
using Rmote.Cake.Internal;
using Rmote.Fleet;
using Rmote.Operations;

namespace Rmote.Cake;

public static partial class RmoteAliases
{
    /// <summary>Renders the local template file on every host into <paramref name="destinationFile"/> (written only when it differs).</summary>
    /// <example><code>RmoteTemplate(hosts, "./deploy/app.conf.tmpl", "/etc/app.conf");</code></example>
    [CakeMethodAlias]
    [CakeAliasCategory("Template")]
    public static FleetResult<TemplateOutcome> RmoteTemplate(this ICakeContext context, IEnumerable<string> hosts, string templateFile, string destinationFile) =>
        RmoteTemplate(context, hosts, templateFile, destinationFile, new RmoteTemplateSettings());

    /// <summary>Renders the local template file (<c>${name}</c>, <c>% for</c>/<c>% if</c>) with the settings' variables on every host.</summary>
    /// <example><code>
    /// RmoteTemplate(hosts, "./deploy/app.conf.tmpl", "/etc/app.conf", new RmoteTemplateSettings()
    ///     .WithVariable("port", 8080).WithFileMode("0640"));
    /// </code></example>
    [CakeMethodAlias]
    [CakeAliasCategory("Template")]
    public static FleetResult<TemplateOutcome> RmoteTemplate(this ICakeContext context, IEnumerable<string> hosts, string templateFile, string destinationFile, RmoteTemplateSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return CakeStep.Run(context, nameof(RmoteTemplate), hosts, settings, folder => StepMapper.Template(StepParameters.From<TemplateStep>(settings) with
        {
            TemplateFile = templateFile, DestinationFile = destinationFile,
        }, folder), (ops, request, ct) => ops.RenderTemplateAsync(request, ct));
    }

    /// <summary>Renders <paramref name="templateFile"/> (made absolute against the script's working folder) on every host into <paramref name="destinationFile"/>.</summary>
    /// <example><code>RmoteTemplate(hosts, File("./deploy/app.conf.tmpl"), "/etc/app.conf");</code></example>
    [CakeMethodAlias]
    [CakeAliasCategory("Template")]
    public static FleetResult<TemplateOutcome> RmoteTemplate(this ICakeContext context, IEnumerable<string> hosts, FilePath templateFile, string destinationFile) =>
        RmoteTemplate(context, hosts, templateFile, destinationFile, new RmoteTemplateSettings());

    /// <summary>
    /// Renders <paramref name="templateFile"/> (made absolute against the script's working folder) on every host into
    /// <paramref name="destinationFile"/>, a path on the hosts (a string: a <see cref="FilePath"/> would be made absolute against this machine).
    /// </summary>
    /// <example><code>
    /// RmoteTemplate(hosts, File("./deploy/app.conf.tmpl"), "/etc/app.conf", new RmoteTemplateSettings()
    ///     .WithVariable("port", 8080).WithHostVariable("deploy@web01", "role", "api"));
    /// </code></example>
    [CakeMethodAlias]
    [CakeAliasCategory("Template")]
    public static FleetResult<TemplateOutcome> RmoteTemplate(this ICakeContext context, IEnumerable<string> hosts, FilePath templateFile, string destinationFile, RmoteTemplateSettings settings)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(templateFile);
        return RmoteTemplate(context, hosts, templateFile.MakeAbsolute(context.Environment).FullPath, destinationFile, settings);
    }
}
