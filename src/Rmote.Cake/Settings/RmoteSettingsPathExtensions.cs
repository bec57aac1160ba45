using Cake.Core.IO;

namespace Rmote.Cake;

/// <summary>
/// The local-file setters of <see cref="RmoteSettingsExtensions"/> for Cake's <see cref="FilePath"/> (<c>File("./keys/deploy")</c>).
/// A relative path is resolved against the script's working folder when the alias runs, as a string path is.
/// </summary>
public static class RmoteSettingsPathExtensions
{
    /// <summary>Sets the private key file (<c>ssh -i</c>).</summary>
    public static T WithIdentity<T>(this T settings, FilePath identity) where T : RmoteSettings =>
        settings.WithIdentity(Local(identity, nameof(identity)));

    /// <summary>Checks host keys against this known_hosts file.</summary>
    public static T WithKnownHostsFile<T>(this T settings, FilePath knownHostsFile) where T : RmoteSettings =>
        settings.WithKnownHostsFile(Local(knownHostsFile, nameof(knownHostsFile)));

    /// <summary>Uses this ssh_config file (<c>ssh -F</c>).</summary>
    public static T WithSshConfigFile<T>(this T settings, FilePath sshConfigFile) where T : RmoteSettings =>
        settings.WithSshConfigFile(Local(sshConfigFile, nameof(sshConfigFile)));

    static string Local(FilePath path, string parameter) => (path ?? throw new ArgumentNullException(parameter)).FullPath;
}
