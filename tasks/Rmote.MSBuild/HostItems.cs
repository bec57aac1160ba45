using System.Globalization;
using Microsoft.Build.Framework;
using Rmote.Fleet;

namespace Rmote.MSBuild;

/// <summary>
/// Turns <c>RmoteHost</c> items into host specs: the one mapping from item metadata to <see cref="HostSpec"/>. The item
/// spec is a host string (<c>web01</c>, <c>deploy@web01:2222</c>, <c>local</c>); metadata override its parts. MSBuild
/// reserves the metadata name <c>Identity</c> (the item spec), so the key file is <c>IdentityFile</c>. Durations are
/// milliseconds; 0 turns a setting off, as everywhere. Errors name the item and the metadata as the user wrote them.
/// </summary>
internal static class HostItems
{
    /// <summary>
    /// One metadata: its name, whether only SSH hosts use it, what it accepts (for the error), and how its text sets
    /// the spec (null: the text is not accepted).
    /// </summary>
    sealed record Metadata(string Name, bool SshOnly, string Accepts, Func<HostSpec, string, string, HostSpec?> Apply);

    const string AnyText = "";

    /// <summary>Every connection metadata of <c>RmoteHost</c>, in the order they apply.</summary>
    static readonly Metadata[] All =
    [
        new("User", true, "a user name (no spaces, not starting with '-')",
            (s, v, _) => v.StartsWith('-') || v.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)) ? null : s with { User = v }),
        new("Port", true, "a port number (1-65535)", (s, v, _) => Number(v) is { } p && p is > 0 and < 65536 ? s with { Port = p } : null),
        new("IdentityFile", true, AnyText, (s, v, dir) => s with { Identity = ConnectionSettings.FullPath(v, dir) }),
        new("KnownHostsFile", true, AnyText, (s, v, dir) => s with { KnownHostsFile = ConnectionSettings.FullPath(v, dir) }),
        new("SshConfigFile", true, AnyText, (s, v, dir) => s with { SshConfigFile = ConnectionSettings.FullPath(v, dir) }),
        new("SshOptions", true, AnyText, (s, v, _) => s with { SshOptions = v.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) }),
        new("HostKeyChecking", true, "Strict, AcceptNew or Off",
            (s, v, _) => Enum.TryParse<HostKeyChecking>(v, true, out var k) && Enum.IsDefined(k) && !char.IsDigit(v[0]) ? s with { HostKeyChecking = k } : null),
        new("ConnectionPersist", true, "milliseconds (0 turns connection sharing off)", (s, v, _) => Milliseconds(v) is { } t ? s with { ConnectionPersist = t } : null),
        new("KeepRuntime", true, "true or false", (s, v, _) => bool.TryParse(v, out var b) ? s with { KeepRuntime = b } : null),
        new("Python", false, AnyText, (s, v, _) => s with { Python = v }),
        new("Sudo", false, "true or false", (s, v, _) => bool.TryParse(v, out var b) ? s with { Sudo = b } : null),
        new("ConnectTimeout", false, "milliseconds, more than 0", (s, v, _) => Milliseconds(v) is { } t && t > TimeSpan.Zero ? s with { ConnectTimeout = t } : null),
        new("NoProgressTimeout", false, "milliseconds (0 turns the bound off)", (s, v, _) => Milliseconds(v) is { } t ? s with { NoProgressTimeout = t } : null),
        new("MaxBannerBytes", false, "bytes, at least 1", (s, v, _) => Number(v) is { } n && n >= 1 ? s with { MaxBannerBytes = n } : null),
        new("CodeCache", false, "true or false", (s, v, _) => bool.TryParse(v, out var b) ? s with { CodeCache = b } : null),
        new("Name", false, AnyText, (s, v, _) => s with { Name = v }),
    ];

    public static List<HostSpec> Parse(ITaskItem[] items, string projectDirectory) => [.. ParseItems(items, projectDirectory).Select(h => h.Spec)];

    /// <summary>Each host with the item it came from (one item may hold several hosts).</summary>
    public static List<(HostSpec Spec, ITaskItem Item)> ParseItems(ITaskItem[] items, string projectDirectory)
    {
        var specs = new List<(HostSpec, ITaskItem)>();
        // One item may hold several hosts: -p:RmoteHosts="a b" (the command line splits -p values on ';' and ',',
        // and an escaped %3B stays inside one item).
        foreach (var (item, text) in items.SelectMany(i => i.ItemSpec.Split([' ', '\t', ';', ','], StringSplitOptions.RemoveEmptyEntries).Select(t => (i, t))))
        {
            var spec = HostSpec.Parse(text) with { SettingNames = Transport.SettingNames.RmoteHostMetadata };
            foreach (var m in All)
            {
                if (m.SshOnly && spec.IsLocal) continue;
                if (item.GetMetadata(m.Name) is not { Length: > 0 } raw || raw.Trim() is not { Length: > 0 } value) continue;
                spec = m.Apply(spec, value, projectDirectory)
                    ?? throw new FormatException($"RmoteHost '{text}': metadata {m.Name}='{value}' is not {m.Accepts}.");
            }
            specs.Add((spec, item));
        }
        return specs;
    }

    /// <summary>
    /// The hosts' <c>DeployFolder</c> metadata (the targets default it to <c>$(RmoteDeployFolder)</c>): null when no host
    /// has one. One task resolves relative remote paths against one folder, so the hosts must agree.
    /// </summary>
    public static string? DeployFolder(ITaskItem[] items)
    {
        var folders = items.Select(i => (Host: i.ItemSpec, Folder: i.GetMetadata("DeployFolder").Trim())).Where(x => x.Folder.Length > 0).ToList();
        if (folders.Select(x => x.Folder).Distinct(StringComparer.Ordinal).Count() > 1)
            throw new FormatException("RmoteHost metadata DeployFolder differs between hosts (" + string.Join(", ", folders.Select(x => $"{x.Host}: {x.Folder}"))
                + "): a task resolves relative remote paths against one folder. Set DeployFolder on the task, or give absolute paths.");
        return folders.Count > 0 ? folders[0].Folder : null;
    }

    static int? Number(string text) => int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : null;

    static TimeSpan? Milliseconds(string text) => Number(text) is { } ms ? TimeSpan.FromMilliseconds(ms) : null;
}
