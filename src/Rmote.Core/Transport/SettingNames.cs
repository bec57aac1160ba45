namespace Rmote.Transport;

/// <summary>
/// How the user names the connection settings where they wrote them, so that errors say what to change in the
/// user's own terms: <c>SshOptions.Identity</c> in C#, <c>Identity</c> in a <see cref="Fleet.HostSpec"/> or the Cake
/// and Nuke settings, <c>RmoteHost metadata IdentityFile</c> in MSBuild. Keys are the <see cref="SshOptions"/> names.
/// </summary>
/// <param name="Prefix">Put before a name that <paramref name="Renamed"/> does not hold.</param>
/// <param name="Renamed">Full names of the settings this vocabulary calls otherwise.</param>
internal sealed record SettingNames(string Prefix, IReadOnlyDictionary<string, string> Renamed)
{
    /// <summary>The user's name of the <see cref="SshOptions"/> setting <paramref name="setting"/>.</summary>
    public string this[string setting] => Renamed.TryGetValue(setting, out var name) ? name : Prefix + setting;

    /// <summary>The C# API: <see cref="ProtocolOptions"/>, and <see cref="SshOptions"/> for what only SSH has.</summary>
    public static readonly SettingNames SshOptionsApi = new("ProtocolOptions.",
        new[] { "User", "Port", "Identity", "Options", "KnownHostsFile", "ConfigFile", "HostKeyChecking", "Sudo", "ConnectionPersist", "KeepRuntime", "ServerAliveInterval" }
            .ToDictionary(n => n, n => "SshOptions." + n));

    /// <summary><see cref="Fleet.HostSpec"/>, and the Cake and Nuke settings that share its names.</summary>
    public static readonly SettingNames HostSpec = new("", new Dictionary<string, string>
    {
        ["Options"] = "SshOptions",
        ["ConfigFile"] = "SshConfigFile",
        ["CallTimeout"] = "Timeout",
    });

    /// <summary>MSBuild's <c>RmoteHost</c> item metadata (MSBuild keeps <c>Identity</c> for the item spec).</summary>
    public static readonly SettingNames RmoteHostMetadata = new("RmoteHost metadata ", new Dictionary<string, string>
    {
        ["Identity"] = "RmoteHost metadata IdentityFile",
        ["Options"] = "RmoteHost metadata SshOptions",
        ["ConfigFile"] = "RmoteHost metadata SshConfigFile",
        ["CallTimeout"] = "the task's Timeout",
    });
}
