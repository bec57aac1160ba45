using System.Globalization;
using Microsoft.Build.Framework;
using Rmote.Fleet;

namespace Rmote.MSBuild;

/// <summary>
/// Turns <c>RmoteHost</c> items into host specs. The item spec is a host string (<c>web01</c>, <c>deploy@web01:2222</c>,
/// <c>local</c>); metadata override its parts. MSBuild reserves the metadata name <c>Identity</c> (the item spec), so
/// the key file is <c>IdentityFile</c>.
/// </summary>
internal static class HostItems
{
    public static List<HostSpec> Parse(ITaskItem[] items, string projectDirectory)
    {
        var specs = new List<HostSpec>();
        // One item may hold several hosts: -p:RmoteHosts="a b" (the command line splits -p values on ';' and ',',
        // and an escaped %3B stays inside one item).
        foreach (var (item, text) in items.SelectMany(i => i.ItemSpec.Split([' ', '\t', ';', ','], StringSplitOptions.RemoveEmptyEntries).Select(t => (i, t))))
        {
            var spec = HostSpec.Parse(text);
            if (!spec.IsLocal)
            {
                if (Meta(item, "User") is { } user) spec = spec with { User = user };
                if (Meta(item, "Port") is { } port)
                    spec = spec with { Port = int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out var p) && p is > 0 and < 65536 ? p : throw new FormatException($"Host '{text}': Port '{port}' is not a port number.") };
                if (Meta(item, "IdentityFile") is { } id) spec = spec with { Identity = FullPath(id, projectDirectory) };
                if (Meta(item, "KnownHostsFile") is { } kh) spec = spec with { KnownHostsFile = FullPath(kh, projectDirectory) };
                if (Meta(item, "SshConfigFile") is { } cf) spec = spec with { ConfigFile = FullPath(cf, projectDirectory) };
                if (Meta(item, "SshOptions") is { } so) spec = spec with { SshOptions = so.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) };
                if (Meta(item, "ConnectionPersist") is { } cp)
                    spec = spec with { ConnectionPersist = int.TryParse(cp, NumberStyles.None, CultureInfo.InvariantCulture, out var cpMs) ? TimeSpan.FromMilliseconds(cpMs) : throw new FormatException($"Host '{text}': ConnectionPersist '{cp}' is not milliseconds (0 turns connection sharing off).") };
                if (Meta(item, "HostKeyChecking") is { } hk)
                    spec = spec with { HostKeyChecking = Enum.TryParse<HostKeyChecking>(hk, true, out var k) ? k : throw new FormatException($"Host '{text}': HostKeyChecking '{hk}' is not Strict, AcceptNew or Off.") };
            }
            if (Meta(item, "Python") is { } py) spec = spec with { Python = py };
            if (Meta(item, "Sudo") is { } sudo) spec = spec with { Sudo = string.Equals(sudo, "true", StringComparison.OrdinalIgnoreCase) };
            if (Meta(item, "ConnectTimeout") is { } ct)
                spec = spec with { ConnectTimeout = int.TryParse(ct, NumberStyles.None, CultureInfo.InvariantCulture, out var ms) ? TimeSpan.FromMilliseconds(ms) : throw new FormatException($"Host '{text}': ConnectTimeout '{ct}' is not milliseconds.") };
            if (Meta(item, "Name") is { } name) spec = spec with { Name = name };
            specs.Add(spec);
        }
        return specs;
    }

    static string? Meta(ITaskItem item, string name) => item.GetMetadata(name) is { Length: > 0 } v ? v.Trim() : null;

    static string FullPath(string path, string projectDirectory)
    {
        if (path == "~" || path.StartsWith("~/", StringComparison.Ordinal))
            path = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), path.Length > 2 ? path[2..] : "");
        return Path.GetFullPath(path, projectDirectory);
    }
}
