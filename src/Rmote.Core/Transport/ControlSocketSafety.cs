using System.Runtime.InteropServices;

namespace Rmote.Transport;

/// <summary>
/// OpenSSH-grade checks of a control socket's path before ssh is told to use it: whoever can create or replace
/// the socket can run a fake master and receive the sessions (commands, environment, secrets). The socket folder
/// and every folder above it up to the home folder (up to '/' for a folder outside the home folder) must be real
/// folders (lstat: no symbolic links) owned by this user or root and not writable by group or others (a root-owned
/// sticky folder such as /tmp is fine above the socket folder); the socket folder itself must be private (0700); an
/// existing socket must be a socket owned by this user.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
internal static class ControlSocketSafety
{
    const uint TypeMask = 0xF000, Directory = 0x4000, Link = 0xA000, Socket = 0xC000, Sticky = 0x200;

    /// <summary>Why <paramref name="folder"/> (and <paramref name="socket"/> if it exists) must not be used, with the fix; null when safe.</summary>
    public static string? Check(string folder, string socket, string home)
    {
        if (!OperatingSystem.IsLinux()) return null;  // Options() does not share elsewhere
        var uid = geteuid();
        if (string.IsNullOrEmpty(home)) home = "/";  // no home folder known: every folder up to '/' is checked
        folder = Path.TrimEndingDirectorySeparator(Path.GetFullPath(folder));
        home = Path.TrimEndingDirectorySeparator(Path.GetFullPath(home));
        var underHome = folder.StartsWith(home + "/", StringComparison.Ordinal) || folder == home;
        for (var dir = folder; dir != null; dir = Path.GetDirectoryName(dir))
        {
            var isFolder = dir == folder;
            // The home folder itself comes from the system (passwd, HOME): a symlinked /home is an admin's choice.
            if (!Stat(dir, follow: underHome && dir == home, out var owner, out var mode, out var error))
                return $"the control socket folder '{folder}' cannot be checked: {dir}: {error}";
            var what = isFolder ? $"the control socket folder '{dir}'" : $"the folder '{dir}' above the control socket folder '{folder}'";
            if ((mode & TypeMask) == Link)
                return $"{what} is a symbolic link, so whoever controls its target controls the socket. Fix: remove the link (rm '{dir}'); Rmote creates a real folder.";
            if ((mode & TypeMask) != Directory)
                return $"{what} is not a folder. Fix: remove it (rm '{dir}'); Rmote creates the folder.";
            if (owner != uid && owner != 0)
                return $"{what} is owned by {Describe(owner)}, not by you ({Describe(uid)}): that user can put a fake master at the socket's "
                    + $"name and receive your sessions. Fix: chown {Name(uid)} '{dir}' && chmod {(isFolder ? "700" : "go-w")} '{dir}', or remove it (rm -r '{dir}') so that Rmote creates it again.";
            if (isFolder && (mode & 0x3F) != 0)
                return $"{what} is open to other users (mode {Octal(mode)}). Fix: chmod 700 '{dir}'.";
            if ((mode & 0x12) != 0 && !(owner == 0 && (mode & Sticky) != 0))
                return $"{what} is writable by group or others (mode {Octal(mode)}), so another user can replace what it holds. Fix: chmod go-w '{dir}'.";
            if (underHome && dir == home) break;
        }
        if (Stat(socket, follow: false, out var socketOwner, out var socketMode, out _)
            && ((socketMode & TypeMask) != Socket || socketOwner != uid))
            return $"the control socket '{socket}' is {((socketMode & TypeMask) != Socket ? "not a socket" : "owned by " + Describe(socketOwner))}, "
                + $"not a master you started. Fix: remove it (rm '{socket}').";
        return null;
    }

    static string Octal(uint mode) => "0" + Convert.ToString(mode & 0xFFF, 8);

    static string Describe(uint uid) => $"{Name(uid)} (uid {uid})";

    static string Name(uint uid)
    {
        // getpwuid's buffer is static; this runs only on the rare unsafe path, so a race costs a name, never safety.
        var pw = getpwuid(uid);
        var name = pw != 0 ? Marshal.PtrToStringUTF8(Marshal.ReadIntPtr(pw)) : null;
        return string.IsNullOrEmpty(name) ? uid.ToString(System.Globalization.CultureInfo.InvariantCulture) : name;
    }

    /// <summary>statx(2): its layout is the same on every Linux architecture, unlike struct stat.</summary>
    static bool Stat(string path, bool follow, out uint owner, out uint mode, out string? error)
    {
        const int AtFdCwd = -100, AtSymlinkNoFollow = 0x100;
        const uint BasicStats = 0x7FF;
        var buf = new byte[256];
        owner = mode = 0;
        error = null;
        if (statx(AtFdCwd, path, follow ? 0 : AtSymlinkNoFollow, BasicStats, buf) != 0)
        {
            error = Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError());
            return false;
        }
        owner = BitConverter.ToUInt32(buf, 20);   // stx_uid
        mode = BitConverter.ToUInt16(buf, 28);    // stx_mode
        return true;
    }

    [DllImport("libc", SetLastError = true)]
    static extern int statx(int dirfd, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, uint mask, [Out] byte[] buf);

    /// <summary>This process's effective user id.</summary>
    [DllImport("libc")]
    internal static extern uint geteuid();

    [DllImport("libc")]
    static extern nint getpwuid(uint uid);
}
