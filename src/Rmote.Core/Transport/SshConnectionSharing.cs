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
    public static IReadOnlyList<string> Options(IReadOnlyList<string> connectionArgv, TimeSpan persist, string folder, out NotShared? whyNot)
    {
        if (!OperatingSystem.IsLinux())
        {
            // The socket folder's owner is checked with statx(2); elsewhere it cannot be, and an unchecked folder may hold a fake master.
            whyNot = new(OperatingSystem.IsWindows() ? "the Windows OpenSSH client has no connection sharing" : "the control socket folder's owner can only be checked on Linux", false);
            return [];
        }
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(string.Join('\0', connectionArgv)));
        var socket = Path.Combine(folder, Convert.ToHexStringLower(hash, 0, 10));
        // ssh_config expands '%' and '~' in ControlPath and splits on spaces and quotes: only plain paths are passed.
        if (!SshCommand.PlainWord().IsMatch(socket) || Encoding.UTF8.GetByteCount(socket) > MaxSocketPathBytes)
        {
            whyNot = new($"the control socket path '{socket}' is too long for a Unix socket or has characters ssh would expand", false);
            return [];
        }
        whyNot = PreparePrivateFolder(folder, socket);
        if (whyNot != null) return [];
        var seconds = Math.Max(1, (long)Math.Ceiling(persist.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        return ["-o", "ControlMaster=auto", "-o", "ControlPath=" + socket, "-o", "ControlPersist=" + seconds];
    }

    /// <summary>Creates <paramref name="folder"/> and each missing parent with mode 0700 (CreateDirectory would give the
    /// parents the umask's 0755, and ~/.cache/rmote is also the remote code cache, which refuses a folder others can enter).</summary>
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    static void CreatePrivate(string folder)
    {
        if (Directory.Exists(folder)) return;
        if (Path.GetDirectoryName(folder) is { Length: > 0 } parent) CreatePrivate(parent);
        Directory.CreateDirectory(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    /// <summary>Creates the folder (mode 0700) if needed; a reason not to use it (a warning: someone else could own it), or null when it is safe.</summary>
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    internal static NotShared? PreparePrivateFolder(string folder, string socket)
    {
        try
        {
            // A socket there lets whoever can reach it open sessions on the host: nobody else may enter the folder.
            CreatePrivate(folder);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return new($"the control socket folder '{folder}' cannot be created: {e.Message}", true);
        }
        return ControlSocketSafety.Check(folder, socket, Environment.GetFolderPath(Environment.SpecialFolder.UserProfile)) is { } unsafeReason
            ? new(unsafeReason, true)
            : null;
    }
}

/// <summary>Why a connection is not shared; <see cref="IsWarning"/> when the user should act (an unsafe socket folder).</summary>
internal sealed record NotShared(string Reason, bool IsWarning);
