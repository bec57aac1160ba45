using System.Collections.Concurrent;
using System.IO.Compression;

namespace Rmote.Deploy;

/// <summary>
/// Work shared by every host of one fleet copy. zlib-compressed file pieces: each piece is compressed once, not once
/// per host; a piece is dropped once every host used it; past the byte cap pieces are compressed but not kept;
/// pieces that do not shrink by at least 1/8 are sent raw (null).
/// </summary>
internal sealed class ChunkCache(int consumers, long capacityBytes = 64L * 1024 * 1024)
{
    const int MinSize = 1024;
    const int SampleThreshold = 256 * 1024;
    const int SampleSize = 64 * 1024;

    sealed class Entry
    {
        public byte[]? Value;
        public bool Ready;
        public int Remaining;
    }

    readonly ConcurrentDictionary<(string, long, int), Entry> entries = new();
    long cachedBytes;

    /// <summary>The compressed form of <paramref name="data"/> (the piece at <paramref name="offset"/> of <paramref name="path"/>), or null to send it raw.</summary>
    public byte[]? Get(string path, long offset, ReadOnlySpan<byte> data)
    {
        if (data.Length < MinSize) return null;
        if (consumers <= 1) return TryCompress(data);
        var key = (path, offset, data.Length);
        if (!entries.TryGetValue(key, out var entry))
        {
            if (Interlocked.Read(ref cachedBytes) > capacityBytes) return TryCompress(data);
            entry = entries.GetOrAdd(key, _ => new Entry { Remaining = consumers });
        }
        byte[]? value;
        lock (entry)
        {
            // every host reads the same bytes for the same piece, so whoever comes first compresses its own copy
            if (!entry.Ready)
            {
                entry.Value = TryCompress(data);
                entry.Ready = true;
                Interlocked.Add(ref cachedBytes, entry.Value?.Length ?? 0);
            }
            value = entry.Value;
            if (--entry.Remaining == 0 && entries.TryRemove(key, out _))
                Interlocked.Add(ref cachedBytes, -(value?.Length ?? 0));
        }
        return value;
    }

    static byte[]? TryCompress(ReadOnlySpan<byte> data)
    {
        if (data.Length > SampleThreshold && !Shrinks(data[..SampleSize])) return null;
        var c = Compress(data);
        return c.Length <= data.Length - data.Length / 8 ? c : null;
    }

    static bool Shrinks(ReadOnlySpan<byte> sample) => Compress(sample).Length <= sample.Length - sample.Length / 8;

    static byte[] Compress(ReadOnlySpan<byte> data)
    {
        using var output = new MemoryStream(data.Length / 2 + 64);
        using (var z = new ZLibStream(output, CompressionLevel.Fastest, leaveOpen: true))
            z.Write(data);
        return output.ToArray();
    }
}
