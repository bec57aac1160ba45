using System.Text.RegularExpressions;

namespace Rmote.MSBuild;

/// <summary>
/// Rewrites the C# settings Rmote.Core's messages name (<c>SshOptions.Port</c>, <c>SshOptions.Identity = "~/.ssh/key"</c>)
/// into what an MSBuild user wrote: the <c>RmoteHost</c> item's metadata (<c>Port</c>, <c>IdentityFile="~/.ssh/key"</c>).
/// </summary>
internal static partial class MsBuildNames
{
    // C# member -> RmoteHost metadata, where the names differ (MSBuild reserves Identity for the item spec).
    static readonly Dictionary<string, string> Metadata = new(StringComparer.Ordinal)
    {
        ["Identity"] = "IdentityFile",
        ["ConfigFile"] = "SshConfigFile",
        ["Options"] = "SshOptions",
        ["Interpreter"] = "Python",
    };

    [GeneratedRegex(@"\b(?:SshOptions|ProtocolOptions|HostSpec)\.(?<name>[A-Z]\w*)(?: = (?<value>""[^""]*""|\w+))?")]
    private static partial Regex CSharpSetting();

    /// <summary><paramref name="message"/> with every C# setting replaced by the RmoteHost metadata that sets it.</summary>
    public static string Of(string message) => CSharpSetting().Replace(message, m =>
    {
        var name = Metadata.GetValueOrDefault(m.Groups["name"].Value, m.Groups["name"].Value);
        var value = m.Groups["value"].Success ? "=" + (m.Groups["value"].Value.StartsWith('"') ? m.Groups["value"].Value : $"\"{m.Groups["value"].Value}\"") : "";
        return $"RmoteHost metadata {name}{value}";
    });
}
