using System.Diagnostics;
using System.Net.Sockets;
using Rmote.TestRig;

namespace Rmote.Deploy.Tests;

/// <summary>Issue 16 case 10: non-UTF-8 names land byte-exact; FIFOs, sockets and devices are refused up front (or skipped), never read.</summary>
[Collection("ssh")]
public sealed class SourceOdditiesTests(SshFleetFixture rig)
{
    static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    /// <summary>Runs a few lines of python3 (names as bytes: .NET itself cannot make or list a non-UTF-8 name); returns stdout.</summary>
    static async Task<string> PythonAsync(string code)
    {
        var psi = new ProcessStartInfo("python3") { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add(code);
        using var proc = Process.Start(psi)!;
        var output = await proc.StandardOutput.ReadToEndAsync();
        var error = await proc.StandardError.ReadToEndAsync();
        await proc.WaitForExitAsync();
        Assert.True(proc.ExitCode == 0, error);
        return output.Trim();
    }

    static string Py(string path) => "'" + path.Replace("\\", "\\\\").Replace("'", "\\'") + "'";

    [Fact]
    public async Task A_non_utf8_file_name_is_copied_byte_exact_and_kept_by_the_next_copy()
    {
        var h = rig.Hosts[0];
        using var src = new TempDir("rmote-src-");
        Rig.Write(src, "plain.txt", "plain");
        await PythonAsync($"import os; d=os.fsencode({Py(src)}); os.mkdir(d+b'/dir\\xff'); " +
                          "open(d+b'/caf\\xe9.txt','wb').write(b'latin-1 name'); open(d+b'/dir\\xff/in\\xfe.bin','wb').write(b'deep')");
        var (remote, local) = Rig.Dest(h, "bytes");
        await using var p = await Rig.ConnectAsync(h);
        var options = new CopyOptions { DestinationFolder = remote, DeleteExtraneous = true };

        var r = await Copier.CopyAsync(p, CopySource.FromFolder(src), options).WaitAsync(Bound);
        Assert.Equal(3, r.Copied);
        var listing = await PythonAsync($"import os; d=os.fsencode({Py(local)}); " +
                                        "print(sorted(os.listdir(d)), os.listdir(d+b'/dir\\xff'), open(d+b'/caf\\xe9.txt','rb').read(), open(d+b'/dir\\xff/in\\xfe.bin','rb').read())");
        Assert.Equal("[b'caf\\xe9.txt', b'dir\\xff', b'plain.txt'] [b'in\\xfe.bin'] b'latin-1 name' b'deep'", listing);
        Assert.Contains("caf\\xe9.txt", r.CopiedFiles.Select(f => Wire.SurrogateEscape.Escaped(f)));

        var again = await Copier.CopyAsync(p, CopySource.FromFolder(src), options).WaitAsync(Bound);
        Assert.Equal((0, 0, 3), (again.Copied, again.Deleted, again.Skipped));   // the names matched byte for byte
    }

    [Fact]
    public async Task A_fifo_is_refused_up_front_naming_it_even_in_checksum_mode_and_nothing_is_sent()
    {
        var h = rig.Hosts[0];
        using var src = new TempDir("rmote-src-");
        Rig.Write(src, "app.txt", "app");
        var fifo = src.Combine("logs", "pipe");
        Directory.CreateDirectory(Path.GetDirectoryName(fifo)!);
        await PythonAsync($"import os; os.mkfifo({Py(fifo)})");
        var (remote, local) = Rig.Dest(h, "fifo");
        await using var p = await Rig.ConnectAsync(h);

        foreach (var compare in new[] { CompareMode.Checksum, CompareMode.SizeAndTime })
        {
            var e = await Assert.ThrowsAsync<IOException>(() =>
                Copier.CopyAsync(p, CopySource.FromFolder(src), new CopyOptions { DestinationFolder = remote, Compare = compare }).WaitAsync(Bound));
            Assert.Equal($"Source '{fifo}' is a FIFO (named pipe), not a regular file: refused before anything was sent (it is never opened: " +
                         "reading it could hang the copy or send an empty file). Remove it from the source, or set SkipSpecialFiles to leave such files out with a warning.",
                e.Message);
            Assert.False(Directory.Exists(local));   // nothing reached the host
        }

        var skipped = await Copier.CopyAsync(p, CopySource.FromFolder(src),
            new CopyOptions { DestinationFolder = remote, Compare = CompareMode.Checksum, SkipSpecialFiles = true }).WaitAsync(Bound);
        Assert.Equal([$"Skipped '{fifo}': it is a FIFO (named pipe), not a regular file (SkipSpecialFiles)."], skipped.Warnings);
        Assert.Equal(["app.txt"], skipped.CopiedFiles);
        Assert.Equal("app", File.ReadAllText(Path.Combine(local, "app.txt")));
        Assert.False(File.Exists(Path.Combine(local, "logs", "pipe")));
    }

    [Fact]
    public async Task A_socket_and_a_device_behind_a_symlink_are_refused_naming_them()
    {
        var h = rig.Hosts[0];
        using var src = new TempDir("rmote-src-");
        Rig.Write(src, "app.txt", "app");
        var sock = src.Combine("app.sock");
        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(sock));
        var (remote, local) = Rig.Dest(h, "sock");
        await using var p = await Rig.ConnectAsync(h);

        var e = await Assert.ThrowsAsync<IOException>(() =>
            Copier.CopyAsync(p, CopySource.FromFolder(src), new CopyOptions { DestinationFolder = remote }).WaitAsync(Bound));
        Assert.StartsWith($"Source '{sock}' is a socket, not a regular file: refused before anything was sent", e.Message);
        Assert.False(Directory.Exists(local));

        // a followed symlink to /dev/zero would stream zeros forever, or send an empty file
        File.Delete(sock);
        File.CreateSymbolicLink(src.Combine("zero"), "/dev/zero");
        e = await Assert.ThrowsAsync<IOException>(() =>
            Copier.CopyAsync(p, CopySource.FromFolder(src), new CopyOptions { DestinationFolder = remote, PreserveSymlinks = false }).WaitAsync(Bound));
        Assert.StartsWith($"Source '{src.Combine("zero")} (through a symlink)' is a character device, not a regular file", e.Message);
        Assert.False(Directory.Exists(local));

        e = await Assert.ThrowsAsync<IOException>(() =>
            Copier.CopyAsync(p, CopySource.FromFiles([new CopyItem("/dev/null", "null.txt")]), new CopyOptions { DestinationFolder = remote }).WaitAsync(Bound));
        Assert.StartsWith("Source '/dev/null' is a character device, not a regular file", e.Message);
        Assert.False(Directory.Exists(local));
    }
}
