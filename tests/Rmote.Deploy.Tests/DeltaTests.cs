using System.Security.Cryptography;
using Rmote.TestRig;

namespace Rmote.Deploy.Tests;

/// <summary>
/// rsync-grade delta over real sshd: a 64 MiB file changed at its start, middle or end, with bytes inserted, deleted,
/// cut off or appended, lands byte for byte on the host while only about the change travels (8 KiB blocks).
/// </summary>
[Collection("ssh")]
public sealed class DeltaTests(SshFleetFixture rig)
{
    const int Size = 64 * 1024 * 1024;
    const int Block = 8192;   // the host's block for a 64 MiB file: its square root
    static readonly DateTime T0 = new(2024, 1, 2, 3, 4, 5, DateTimeKind.Utc);

    [Fact]
    public async Task Edits_inserts_deletes_truncation_and_extension_send_only_the_change()
    {
        var h = rig.Hosts[1];
        using var src = new TempDir("rmote-src-");
        var (remote, local) = Rig.Dest(h, "rolling");
        await using var p = await Rig.ConnectAsync(h);
        var options = new CopyOptions { DestinationFolder = remote };
        var data = Rig.Random(Size, 21);
        var version = 0;

        async Task<CopyResult> CopyAsync(byte[] now)
        {
            data = now;
            Rig.WriteBytes(src, "app.bin", now);
            File.SetLastWriteTimeUtc(src.Combine("app.bin"), T0.AddSeconds(version++));
            var result = await Copier.CopyAsync(p, CopySource.FromFolder(src), options);
            Assert.Equal(["app.bin"], result.CopiedFiles);
            Assert.Equal(Hash(src.Combine("app.bin")), Hash(Path.Combine(local, "app.bin")));
            Assert.Empty(Rig.Temps(local));
            return result;
        }

        Assert.Equal(Size, (await CopyAsync(data)).BytesSent);
        var inserted = Rig.Random(1024 * 1024, 22);
        var appended = Rig.Random(1024 * 1024, 23);   // not inserted's bytes: the host still has those, and would copy them
        var changes = new (string What, Func<byte[], byte[]> Change, long Changed)[]
        {
            ("4 bytes at the start", d => Edit(d, 0), 4),
            ("4 bytes in the middle", d => Edit(d, d.Length / 2 + 1234), 4),
            ("4 bytes at the end", d => Edit(d, d.Length - 4), 4),
            ("1 MiB inserted", d => [.. d[..(d.Length / 3)], .. inserted, .. d[(d.Length / 3)..]], inserted.Length),
            ("1 MiB deleted", d => [.. d[..(d.Length / 2)], .. d[(d.Length / 2 + inserted.Length)..]], 0),
            ("cut by 100,000 bytes", d => d[..(d.Length - 100_000)], 0),
            ("1 MiB appended", d => [.. d, .. appended], appended.Length),
        };
        foreach (var (what, change, changed) in changes)
        {
            var sent = (await CopyAsync(change(data))).BytesSent;
            Assert.True(sent >= changed && sent <= changed + 2 * Block, $"{what}: {sent} bytes sent for {changed} changed");
        }
    }

    static byte[] Edit(byte[] d, int at)
    {
        var now = (byte[])d.Clone();
        for (var i = at; i < at + 4; i++) now[i] ^= 0x5A;
        return now;
    }

    static string Hash(string path)
    {
        using var f = File.OpenRead(path);
        return Convert.ToHexString(SHA256.HashData(f));
    }
}
