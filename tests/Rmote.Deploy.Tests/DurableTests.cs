using System.Text.RegularExpressions;
using Rmote.TestRig;

namespace Rmote.Deploy.Tests;

/// <summary>
/// <see cref="CopyOptions.Durable"/> observed in the host's system calls: the host's python3 runs under strace, which
/// records every fsync and fdatasync with the path of its file descriptor.
/// </summary>
[Collection("ssh")]
public sealed class DurableTests(SshFleetFixture rig)
{
    [Fact]
    public async Task Durable_copies_fsync_each_file_and_its_folder_and_Durable_false_syncs_nothing()
    {
        var h = rig.Hosts[0];
        using var tmp = new TempDir("rmote-durable-");
        var (python, trace) = TracedPython(tmp, "fsync,fdatasync");
        using var src = new TempDir("rmote-src-");
        foreach (var name in new[] { "a.txt", "b.txt", "sub/c.txt" }) Rig.Write(src, name, "content of " + name);
        var durable = Rig.Dest(h, "durable");
        var fast = Rig.Dest(h, "not-durable");

        await using (var p = await (Rig.Spec(h) with { Python = python, ConnectionPersist = TimeSpan.Zero }).ConnectAsync())
        {
            // Durable=false first: the durable copy's syncs after it show that the trace covers it.
            await Copier.CopyAsync(p, CopySource.FromFolder(src), new CopyOptions { DestinationFolder = fast.Remote, Durable = false });
            await Copier.CopyAsync(p, CopySource.FromFolder(src), new CopyOptions { DestinationFolder = durable.Remote });
        }
        // strace writes its last lines when the traced python exits (the connection is closed above).
        var syncs = File.ReadAllLines(trace).Where(l => Regex.IsMatch(l, @"\b(fsync|fdatasync)\(\d+<")).ToList();
        foreach (var name in new[] { "a.txt", "b.txt", "sub/c.txt" })
        {
            Assert.Equal("content of " + name, File.ReadAllText(Path.Combine(durable.Local, name)));
            Assert.Equal("content of " + name, File.ReadAllText(Path.Combine(fast.Local, name)));
            // the temp file .<name>.rmote-tmp-<rand> before its rename
            var folder = Path.GetDirectoryName(name) is { Length: > 0 } d ? $"{durable.Remote}/{d}" : durable.Remote;
            var temp = $"{folder}/.{Path.GetFileName(name)}.rmote-tmp-";
            Assert.True(syncs.Any(l => l.Contains(temp, StringComparison.Ordinal)),
                $"no fsync of {name}'s temp file:\n{string.Join('\n', syncs)}");
        }
        Assert.Contains(syncs, l => l.Contains($"<{durable.Remote}>", StringComparison.Ordinal));   // the folder after the renames
        Assert.DoesNotContain(syncs, l => l.Contains(fast.Remote, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_durable_batch_of_small_files_on_a_block_device_is_synced_by_two_syncfs_calls_not_an_fsync_each()
    {
        var h = rig.Hosts[0];
        using var tmp = new TempDir("rmote-durable-");
        var (python, trace) = TracedPython(tmp, "fsync,fdatasync,syncfs,rename,renameat,renameat2");
        using var src = new TempDir("rmote-src-");
        var names = Enumerable.Range(0, 6).Select(i => $"d{i % 2}/f{i}.js").ToArray();
        foreach (var name in names) Rig.Write(src, name, "content of " + name);
        var dest = Rig.Dest(h, "batch-sync");
        Directory.CreateDirectory(Path.GetDirectoryName(dest.Local)!);
        var major = (await ProcessRunner.RunAsync("stat", "-c", "%Hd", Path.GetDirectoryName(dest.Local)!)).EnsureSuccess().StdOut.Trim();
        await using (var p = await (Rig.Spec(h) with { Python = python, ConnectionPersist = TimeSpan.Zero }).ConnectAsync())
            await Copier.CopyAsync(p, CopySource.FromFolder(src), new CopyOptions { DestinationFolder = dest.Remote });
        foreach (var name in names) Assert.Equal("content of " + name, File.ReadAllText(Path.Combine(dest.Local, name)));
        var lines = File.ReadAllLines(trace).Where(l => Regex.IsMatch(l, @"\b(fsync|fdatasync|syncfs|rename\w*)\(")).ToList();
        var syncfs = lines.FindAll(l => l.Contains("syncfs(", StringComparison.Ordinal));
        var fileSyncs = lines.FindAll(l => l.Contains(".rmote-tmp-", StringComparison.Ordinal) && Regex.IsMatch(l, @"\b(fsync|fdatasync)\("));
        if (major == "0")
        {
            // not a block device (tmpfs, overlay...): the fsync of each file stays
            Assert.Empty(syncfs);
            Assert.Equal(names.Length, fileSyncs.Count);
            return;
        }
        Assert.Equal(2, syncfs.Count);
        Assert.Empty(fileSyncs);
        // one syncfs before the first rename of a temp file into place, one after the last
        int[] Where(Func<string, bool> what) => [.. lines.Select((l, i) => (l, i)).Where(x => what(x.l)).Select(x => x.i)];
        var renames = Where(l => l.Contains("rename", StringComparison.Ordinal) && l.Contains(".rmote-tmp-", StringComparison.Ordinal));
        var syncs = Where(l => l.Contains("syncfs(", StringComparison.Ordinal));
        Assert.Equal(names.Length, renames.Length);
        Assert.True(syncs[0] < renames[0] && syncs[1] > renames[^1], string.Join('\n', lines));
    }

    /// <summary>A python3 for the host that runs under strace, recording <paramref name="calls"/> with their fds' paths.</summary>
    static (string Python, string Trace) TracedPython(TempDir tmp, string calls)
    {
        RequiresTools.Ensure("strace");
        var trace = tmp.Combine("sync.trace");
        var python = tmp.WriteFile("python3-traced", $"#!/bin/sh\nexec strace -f -qq -y -e signal=none -e trace={calls} -o '{trace}' /usr/bin/python3 \"$@\"\n");
        File.SetUnixFileMode(python, (UnixFileMode)0b111_101_101);
        return (python, trace);
    }
}
