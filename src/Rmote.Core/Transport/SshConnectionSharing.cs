using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Rmote.Transport;

/// <summary>
/// OpenSSH connection sharing (ControlMaster=auto with ControlPersist) for Rmote's ssh clients. The first connection
/// to a host becomes a background master; later ones with the same ssh arguments, from this process or the next
/// build, open a session on it and skip the key exchange and authentication that are most of a short
/// connection's cost. ssh falls back to a connection of its own when the master refuses a session.
/// </summary>
internal static class SshConnectionSharing
{
    // sun_path holds 107 bytes and a NUL; ssh binds "<path>.<16 random characters>" first, then renames it.
    const int MaxSocketPathBytes = 107 - 17;

    /// <summary>Where the control sockets live: a folder only this user can enter.</summary>
    public static string DefaultFolder =>
        Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "rmote", "ssh");

    /// <summary>
    /// The <c>-o</c> options that share the connection ssh would open with <paramref name="connectionArgv"/> (the
    /// program and every argument up to and including the host), or none with the reason in <paramref name="whyNot"/>.
    /// The socket's name is a hash of those arguments, so a change of key, known_hosts, port or extra option opens
    /// a new master instead of reusing one authenticated under other settings.
    /// </summary>
    public static IReadOnlyList<string> Options(IReadOnlyList<string> connectionArgv, TimeSpan persist, string folder, out string? whyNot)
    {
        if (OperatingSystem.IsWindows())
        {
            whyNot = "the Windows OpenSSH client has no connection sharing";
            return [];
        }
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(string.Join('\0', connectionArgv)));
        var socket = Path.Combine(folder, Convert.ToHexStringLower(hash, 0, 10));
        // ssh_config expands '%' and '~' in ControlPath and splits on spaces and quotes: only plain paths are passed.
        if (!SshCommand.PlainWord().IsMatch(socket) || Encoding.UTF8.GetByteCount(socket) > MaxSocketPathBytes)
        {
            whyNot = $"the control socket path '{socket}' is too long for a Unix socket or has characters ssh would expand";
            return [];
        }
        whyNot = PreparePrivateFolder(folder);
        if (whyNot != null) return [];
        var seconds = Math.Max(1, (long)Math.Ceiling(persist.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        return ["-o", "ControlMaster=auto", "-o", "ControlPath=" + socket, "-o", "ControlPersist=" + seconds];
    }

    /// <summary>Creates the folder (mode 0700) if needed; a reason not to use it, or null when it is private.</summary>
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    static string? PreparePrivateFolder(string folder)
    {
        try
        {
            // A socket there lets whoever can reach it open sessions on the host: nobody else may enter the folder.
            Directory.CreateDirectory(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            var info = new DirectoryInfo(folder);
            if (info.LinkTarget != null) return $"the control socket folder '{folder}' is a symbolic link";
            var open = info.UnixFileMode & ~(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            return open == 0 ? null : $"the control socket folder '{folder}' is open to other users (chmod 700 it to share connections)";
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return $"the control socket folder '{folder}' cannot be created: {e.Message}";
        }
    }
}
