namespace Rmote.Deploy;

/// <summary>
/// A piece of a delta copy's new file: <paramref name="Length"/> bytes copied from offset <paramref name="Source"/> of
/// the host's version, or, with <see cref="Literal"/> as the source, the next <paramref name="Length"/> literal bytes
/// of its run.
/// </summary>
internal readonly record struct DeltaPiece(long Length, long Source)
{
    /// <summary>The source of literal bytes (sent, not copied).</summary>
    public const long Literal = -1;

    /// <summary>The piece as <c>write_delta</c> takes it: <c>[length, source]</c>.</summary>
    public long[] ToWire() => [Length, Source];
}

/// <summary>
/// A run of consecutive pieces of the new file from <paramref name="Offset"/> on, one <c>write_delta</c> call: its
/// literal bytes are the first <paramref name="LiteralLength"/> of <paramref name="Literal"/> (rented from the shared
/// array pool: whoever sends the run returns it).
/// </summary>
internal sealed record DeltaRun(long Offset, List<DeltaPiece> Pieces, byte[]? Literal, int LiteralLength)
{
    /// <summary>Bytes of the new file the run writes.</summary>
    public long Length => Pieces.Sum(p => p.Length);
}
