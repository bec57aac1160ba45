namespace Rmote.Wire;

/// <summary>
/// What a CALL's arguments need besides their JSON, gathered while it is written: the raw byte segments referenced
/// by <c>{"__bytes__": [offset, length]}</c> placeholders (file data travels as one raw binary body, never base64;
/// a segment may be a <see cref="FileRegion"/> the writer sends straight from the file),
/// and the code the remote must have before decoding them (a placeholder type's tool, e.g. Template for a template
/// argument). Serialization is synchronous, so a thread-static scope is enough.
/// </summary>
internal sealed class EncodingScope : IDisposable
{
    List<IRemoteCode>? required;

    [ThreadStatic] static EncodingScope? current;
    readonly EncodingScope? previous;
    readonly List<BinaryPart> segments = new();

    public EncodingScope()
    {
        previous = current;
        current = this;
    }

    public static EncodingScope Current =>
        current ?? throw new InvalidOperationException("bytes can only be serialized inside a protocol frame");

    public long Length { get; private set; }
    public IReadOnlyList<BinaryPart> Segments => segments;

    /// <summary>Code to sync before the call is decoded remotely.</summary>
    public IReadOnlyList<IRemoteCode> Required => required ?? (IReadOnlyList<IRemoteCode>)[];

    /// <summary>Called by a placeholder's converter: the remote decodes the placeholder with <paramref name="code"/>.</summary>
    public void Require(IRemoteCode code)
    {
        required ??= new();
        if (!required.Contains(code)) required.Add(code);
    }

    /// <summary>Appends a segment to the binary body; returns its offset there.</summary>
    public long Add(BinaryPart part)
    {
        var offset = Length;
        segments.Add(part);
        Length += part.Length;
        return offset;
    }

    public void Dispose() => current = previous;
}

/// <summary>Gives placeholder readers access to the binary body of the frame being decoded.</summary>
internal sealed class BinaryReaderScope : IDisposable
{
    [ThreadStatic] static BinaryReaderScope? current;
    readonly BinaryReaderScope? previous;

    public BinaryReaderScope(byte[] body)
    {
        Body = body;
        previous = current;
        current = this;
    }

    public byte[] Body { get; }

    public static BinaryReaderScope Current =>
        current ?? throw new InvalidOperationException("bytes can only be deserialized inside a protocol frame");

    /// <summary>Returns the referenced slice; the whole body is handed out without a copy.</summary>
    public byte[] Slice(long offset, long length)
    {
        // Checked without adding: offset + length can overflow a long and wrap below Body.Length.
        if (offset < 0 || length < 0 || offset > Body.Length || length > Body.Length - offset)
            throw new ProtocolException($"bytes placeholder [{offset}, {length}] points outside the frame's {Body.Length}-byte binary body");
        if (offset == 0 && length == Body.Length) return Body;
        return Body.AsSpan((int)offset, (int)length).ToArray();
    }

    public void Dispose() => current = previous;
}
