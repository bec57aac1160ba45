using System.Buffers;
using System.IO.Compression;

namespace Rmote.Wire;

/// <summary>Per-frame zlib compression, skipped for small bodies and for data that does not shrink.</summary>
internal static class Compression
{
    const int Threshold = 1024;
    const int SampleThreshold = 256 * 1024;
    const int SampleSize = 64 * 1024;

    /// <summary>
    /// Compresses <paramref name="data"/> when worth it (saves at least 1/8); returns null otherwise. Fastest by
    /// default; <paramref name="level"/> SmallestSize for a body built once and sent many times (a tool's source).
    /// </summary>
    public static byte[]? TryCompress(ReadOnlySpan<byte> data, CompressionLevel level = CompressionLevel.Fastest)
    {
        if (data.Length < Threshold) return null;
        // Probe a sample first so incompressible payloads (archives, binaries) cost almost nothing.
        if (data.Length > SampleThreshold && !Shrinks(data[..SampleSize])) return null;
        var compressed = Compress(data, level);
        return compressed.Length <= data.Length - data.Length / 8 ? compressed : null;
    }

    static bool Shrinks(ReadOnlySpan<byte> sample) => Compress(sample).Length <= sample.Length - sample.Length / 8;

    public static byte[] Compress(ReadOnlySpan<byte> data, CompressionLevel level = CompressionLevel.Fastest)
    {
        using var output = new MemoryStream(data.Length / 2 + 64);
        using (var z = new ZLibStream(output, level, leaveOpen: true))
            z.Write(data);
        return output.ToArray();
    }

    /// <summary>Decompresses, refusing output beyond <paramref name="maxSize"/> (a zip bomb is a protocol error).</summary>
    public static byte[] Decompress(ReadOnlySequence<byte> data, int maxSize)
    {
        using var input = new MemoryStream(data.ToArray(), writable: false);
        using var z = new ZLibStream(input, CompressionMode.Decompress);
        using var output = new MemoryStream();
        var buffer = ArrayPool<byte>.Shared.Rent(81920);
        try
        {
            int read;
            while ((read = z.Read(buffer, 0, buffer.Length)) > 0)
            {
                if (output.Length + read > maxSize)
                    throw new ProtocolException($"compressed frame body expands beyond the maximum frame size of {maxSize} bytes");
                output.Write(buffer, 0, read);
            }
        }
        catch (InvalidDataException e)
        {
            throw new ProtocolException("corrupt compressed frame body: " + e.Message, e);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
        return output.ToArray();
    }
}
