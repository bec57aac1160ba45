using System.Runtime.InteropServices;

namespace Rmote.Transport;

/// <summary>The few Linux system calls the transport uses for bulk data: pipe sizing and splice.</summary>
internal static class LinuxIo
{
    const int FSetPipeSize = 1031;     // F_SETPIPE_SZ
    const uint SpliceMove = 1;         // SPLICE_F_MOVE: a hint; page-cache pages are referenced, not copied
    public const int EIntr = 4, EAgain = 11, EInval = 22, ENoSys = 38, EOpNotSupp = 95;
    const short PollOut = 4;

    /// <summary>Grows a pipe's buffer (1 MiB is the unprivileged limit): fewer wake-ups per megabyte moved. Best effort.</summary>
    public static void TryGrowPipe(SafeHandle pipe, int bytes = 1 << 20)
    {
        if (!OperatingSystem.IsLinux()) return;
        try { _ = fcntl((int)pipe.DangerousGetHandle(), FSetPipeSize, bytes); }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException) { }
    }

    /// <summary>splice(2) from <paramref name="fileFd"/> at <paramref name="offset"/> (advanced) into a pipe; returns bytes moved, 0 at end of file, or -errno.</summary>
    public static long Splice(int fileFd, ref long offset, int pipeFd, int length)
    {
        var n = (long)splice(fileFd, ref offset, pipeFd, 0, (nuint)length, SpliceMove);
        return n >= 0 ? n : -Marshal.GetLastPInvokeError();
    }

    /// <summary>Waits until a pipe can take more bytes (for a pipe someone made non-blocking).</summary>
    public static void WaitWritable(int fd)
    {
        var p = new PollFd { Fd = fd, Events = PollOut };
        _ = poll(ref p, 1, 1000);
    }

    [StructLayout(LayoutKind.Sequential)]
    struct PollFd
    {
        public int Fd;
        public short Events;
        public short Revents;
    }

    [DllImport("libc", SetLastError = true)]
    static extern int fcntl(int fd, int cmd, int arg);

    [DllImport("libc", SetLastError = true)]
    static extern nint splice(int fdIn, ref long offIn, int fdOut, nint offOut, nuint length, uint flags);

    [DllImport("libc", SetLastError = true)]
    static extern int poll(ref PollFd fds, nuint count, int timeoutMs);
}
