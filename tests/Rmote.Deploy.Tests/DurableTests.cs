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
        RequiresTools.Ensure("strace");
        var h = rig.Hosts[0];
        using var tmp = new TempDir("rmote-durable-");
        var trace = tmp.Combine("sync.trace");
        var python = tmp.WriteFile("python3-traced", $"#!/bin/sh\nexec strace -f -qq -y -e signal=none -e trace=fsync,fdatasync -o '{trace}' /usr/bin/python3 \"$@\"\n");
        File.SetUnixFileMode(python, (UnixFileMode)0b111_101_101);
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
}
