using Rmote.Deploy;
using Rmote.TestRig;

namespace Rmote.Core.Tests.Deploy;

/// <summary>
/// The rolling scan against the real host's sums (deploy.py through a local python3): the pieces rebuild the new
/// file from the old one exactly, and only what the old one lacks is literal, wherever the change is; the scan also
/// gives the new file's SHA-256 (the host's check), from the same read.
/// </summary>
public sealed class DeltaScannerTests
{
    const int Size = 3_000_000;  // 1728-byte blocks

    public static TheoryData<string> Changes => ["edit-start", "edit-middle", "edit-end", "insert", "delete", "truncate", "extend", "same", "other"];

    [Theory]
    [MemberData(nameof(Changes))]
    public async Task The_pieces_rebuild_the_new_file_and_only_the_change_is_literal(string change)
    {
        var old = new byte[Size];
        new Random(11).NextBytes(old);
        var extra = new byte[100_000];
        new Random(12).NextBytes(extra);
        var (expectedLiteral, now) = change switch
        {
            "edit-start" => (4, Edit(old, 0)),
            "edit-middle" => (4, Edit(old, Size / 2 + 333)),
            "edit-end" => (4, Edit(old, Size - 4)),
            "insert" => (extra.Length, [.. old[..1_234_567], .. extra, .. old[1_234_567..]]),
            "delete" => (0, [.. old[..1_000_001], .. old[1_100_001..]]),
            "truncate" => (0, old[..(Size - 100_003)]),
            "extend" => (extra.Length, [.. old, .. extra]),
            "same" => (0, old),
            _ => (Size, extra.Concat(extra).Concat(old.Select(b => (byte)~b)).ToArray()[..Size]),
        };
        var (_, signature) = await BlockSumsTests.HostSumsAsync(old);
        using var dir = new TempDir();
        File.WriteAllBytes(dir.Combine("new.bin"), now);

        var runs = new List<DeltaRun>();
        byte[] sha256;
        using (var file = File.OpenHandle(dir.Combine("new.bin")))
            sha256 = await new DeltaScanner(signature, file, now.Length, 256 * 1024).ScanAsync((run, _) =>
            {
                runs.Add(run with { Literal = run.Literal?[..run.LiteralLength] });
                return ValueTask.CompletedTask;
            }, default);

        Assert.Equal(now, Rebuild(old, runs, now.Length));
        Assert.Equal(System.Security.Cryptography.SHA256.HashData(now), sha256);   // the scan's one read hashes the whole file
        var literal = runs.Sum(r => r.LiteralLength);
        // a change costs at most the blocks it touches (a window is a block: 2 of them around an edit or an insert)
        Assert.InRange(literal, expectedLiteral, expectedLiteral + 2 * signature.Block);
        Assert.All(runs, r => Assert.InRange(r.LiteralLength, 0, 256 * 1024));
    }

    static byte[] Edit(byte[] old, int at)
    {
        var now = (byte[])old.Clone();
        for (var i = at; i < at + 4; i++) now[i] ^= 0x5A;
        return now;
    }

    /// <summary>What the host's write_delta makes of the runs: copies from the old file, literal bytes in order.</summary>
    static byte[] Rebuild(byte[] old, List<DeltaRun> runs, int size)
    {
        var now = new byte[size];
        long expectedOffset = 0;
        foreach (var run in runs)
        {
            Assert.Equal(expectedOffset, run.Offset);
            long at = run.Offset;
            var literalAt = 0;
            foreach (var p in run.Pieces)
            {
                if (p.Source == DeltaPiece.Literal)
                {
                    run.Literal.AsSpan(literalAt, (int)p.Length).CopyTo(now.AsSpan((int)at));
                    literalAt += (int)p.Length;
                }
                else
                {
                    old.AsSpan((int)p.Source, (int)p.Length).CopyTo(now.AsSpan((int)at));
                }
                at += p.Length;
            }
            Assert.Equal(run.LiteralLength, literalAt);
            expectedOffset = at;
        }
        Assert.Equal(size, expectedOffset);
        return now;
    }
}
