using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;
using Rmote.Wire;

namespace Rmote.Deploy;

/// <summary>What a local directory entry is: a file, a folder, a symlink, or a special file (FIFO, socket, device).</summary>
internal enum LocalKind : byte { Unknown, File, Dir, Symlink, Fifo, Socket, CharDevice, BlockDevice }

/// <summary>
/// A name in a folder, its kind from readdir and, when asked for, its metadata. A class, not a tuple: a list of a
/// reference type runs the framework's shared, precompiled list and sort code, where a list of a struct of Rmote's
/// is compiled afresh (and unoptimized at first) in every build process.
/// </summary>
internal sealed record LocalEntry(byte[] Name, LocalKind Kind, LocalStat? Stat);

/// <summary>The metadata of one local path (statx).</summary>
internal readonly record struct LocalStat(LocalKind Kind, long Size, long MtimeNs, int Mode, ulong Device, ulong Inode);

/// <summary>
/// The source side's file system on 64-bit Linux, by raw bytes: .NET decodes a non-UTF-8 name to U+FFFD and
/// can then no longer open it, and cannot tell a FIFO from a file. Names here are surrogate-escaped strings
/// (<see cref="SurrogateEscape"/>), exactly as the host names them. Elsewhere <see cref="Available"/> is false.
/// </summary>
internal static class LocalFs
{
    const int AtFdCwd = -100, AtSymlinkNoFollow = 0x100, AtEmptyPath = 0x1000;
    const uint StatxBasic = 0x7ff;
    const int ORdOnly = 0, ONoCtty = 0x100, ONonBlock = 0x800, OCloExec = 0x80000;

    /// <summary>True where the raw calls work (64-bit Linux with statx).</summary>
    public static readonly bool Available = OperatingSystem.IsLinux() && Environment.Is64BitProcess && Probe();

    static bool Probe()
    {
        try { return Stat("/", follow: true) is not null; }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException) { return false; }
    }

    [ThreadStatic] static byte[]? statBuffer;
    [ThreadStatic] static byte[]? nameBuffer;

    /// <summary>The entry at <paramref name="path"/> (<paramref name="follow"/>: what a symlink points to); null when it does not exist.</summary>
    public static LocalStat? Stat(string path, bool follow) => StatAt(AtFdCwd, Z(path), follow, path);

    /// <summary>
    /// The entry <paramref name="name"/> of the open folder <paramref name="dirFd"/> (a walk: no path string per entry);
    /// null when it does not exist.
    /// </summary>
    public static LocalStat? StatAt(int dirFd, ReadOnlySpan<byte> name, bool follow, string folderForErrors)
    {
        var z = nameBuffer ??= new byte[512];
        if (z.Length < name.Length + 1) nameBuffer = z = new byte[name.Length + 1];
        name.CopyTo(z);
        z[name.Length] = 0;
        return StatAt(dirFd, z, follow, folderForErrors);
    }

    static LocalStat? StatAt(int dirFd, byte[] zpath, bool follow, string pathForErrors)
    {
        var buffer = statBuffer ??= new byte[256];
        if (statx(dirFd, zpath, follow ? 0 : AtSymlinkNoFollow, StatxBasic, buffer) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            if (errno is 2 or 20 or 40) return null;   // ENOENT, ENOTDIR, ELOOP
            throw Error(errno, pathForErrors, "stat");
        }
        return Parse(buffer);
    }

    static LocalStat Parse(byte[] b)
    {
        var mode = BinaryPrimitives.ReadUInt16LittleEndian(b.AsSpan(28));
        var kind = (mode & 0xF000) switch
        {
            0x8000 => LocalKind.File, 0x4000 => LocalKind.Dir, 0xA000 => LocalKind.Symlink, 0x1000 => LocalKind.Fifo,
            0xC000 => LocalKind.Socket, 0x2000 => LocalKind.CharDevice, 0x6000 => LocalKind.BlockDevice, _ => LocalKind.Unknown,
        };
        var size = BinaryPrimitives.ReadInt64LittleEndian(b.AsSpan(40));
        var mtime = BinaryPrimitives.ReadInt64LittleEndian(b.AsSpan(112)) * 1_000_000_000L + BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan(120));
        var device = ((ulong)BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan(136)) << 32) | BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan(140));
        return new LocalStat(kind, size, mtime, mode & 0xFFF, device, BinaryPrimitives.ReadUInt64LittleEndian(b.AsSpan(32)));
    }

    /// <summary>
    /// The names in a folder (raw bytes, so nothing is lost) with their kind from readdir (Unknown: stat it), each
    /// also stat-ed through the open folder (<paramref name="stat"/>: which kinds need it).
    /// </summary>
    public static List<LocalEntry> ReadDirectory(string path, Func<LocalKind, bool> stat)
    {
        var dir = opendir(Z(path));
        if (dir == 0) throw Error(Marshal.GetLastPInvokeError(), path, "read the folder");
        var fd = dirfd(dir);
        var list = new List<LocalEntry>();
        var record = new byte[280];
        try
        {
            for (nint e; (e = readdir(dir)) != 0;)
            {
                // struct dirent (glibc, 64-bit): ino 8, off 8, reclen 2, type 1, name (NUL-terminated)
                var length = Math.Min((int)(ushort)Marshal.ReadInt16(e, 16), record.Length);
                Marshal.Copy(e, record, 0, length);
                var name = record.AsSpan(19, length - 19);
                name = name[..name.IndexOf((byte)0)];
                if (name.SequenceEqual("."u8) || name.SequenceEqual(".."u8)) continue;
                var kind = record[18] switch
                {
                    8 => LocalKind.File, 4 => LocalKind.Dir, 10 => LocalKind.Symlink, 1 => LocalKind.Fifo,
                    12 => LocalKind.Socket, 2 => LocalKind.CharDevice, 6 => LocalKind.BlockDevice, _ => LocalKind.Unknown,
                };
                LocalStat? st = null;
                if (stat(kind))
                {
                    st = StatAt(fd, name, follow: false, path);
                    if (st is null) continue;   // gone since the listing
                    kind = st.Value.Kind;
                }
                list.Add(new LocalEntry(name.ToArray(), kind, st));
            }
        }
        finally
        {
            _ = closedir(dir);
        }
        return list;
    }

    /// <summary>A symlink's target, byte-exact.</summary>
    public static string ReadLink(string path)
    {
        var buffer = new byte[4096];
        var n = readlink(Z(path), buffer, buffer.Length);
        if (n < 0) throw Error(Marshal.GetLastPInvokeError(), path, "read the link");
        return SurrogateEscape.Decode(buffer.AsSpan(0, (int)n));
    }

    /// <summary>
    /// Opens a source file for reading. Non-blocking, so that a FIFO put there after the source was read never
    /// hangs the copy: anything but a regular file is refused.
    /// </summary>
    public static SafeFileHandle OpenRead(string path)
    {
        if (!Available) return File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        var fd = open(Z(path), ORdOnly | ONoCtty | ONonBlock | OCloExec);
        if (fd < 0) throw Error(Marshal.GetLastPInvokeError(), path, "open");
        var handle = new SafeFileHandle(fd, ownsHandle: true);
        var buffer = new byte[256];
        if (statx(fd, [0], AtEmptyPath, StatxBasic, buffer) != 0 || Parse(buffer).Kind != LocalKind.File)
        {
            handle.Dispose();
            throw new IOException($"Source '{SurrogateEscape.Escaped(path)}' is no longer a regular file (it was replaced while copying): not read.");
        }
        return handle;
    }

    static byte[] Z(string path)
    {
        var bytes = SurrogateEscape.Encode(path);
        Array.Resize(ref bytes, bytes.Length + 1);
        return bytes;
    }

    static IOException Error(int errno, string path, string what)
    {
        var text = Marshal.GetPInvokeErrorMessage(errno);
        var shown = SurrogateEscape.Escaped(path);
        return errno switch
        {
            2 => new FileNotFoundException($"Could not {what} '{shown}': {text}.", shown),
            13 => new IOException($"Could not {what} '{shown}': {text} (permission denied).", new UnauthorizedAccessException(text)),
            _ => new IOException($"Could not {what} '{shown}': {text}."),
        };
    }

    [DllImport("libc", SetLastError = true)]
    static extern int statx(int dirfd, byte[] path, int flags, uint mask, byte[] buffer);

    [DllImport("libc", SetLastError = true)]
    static extern nint opendir(byte[] path);

    [DllImport("libc", SetLastError = true)]
    static extern nint readdir(nint dir);

    [DllImport("libc")]
    static extern int closedir(nint dir);

    [DllImport("libc")]
    static extern int dirfd(nint dir);

    [DllImport("libc", SetLastError = true)]
    static extern nint readlink(byte[] path, byte[] buffer, nint size);

    [DllImport("libc", SetLastError = true)]
    static extern int open(byte[] path, int flags);
}
