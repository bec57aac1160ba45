using System.Text.Json;
using System.Text.Json.Serialization;
using Rmote.Wire;

namespace Rmote.Deploy;

/// <summary>
/// Entries of one <c>sync_plan</c> call, as it takes them: <c>[{path, type, size, mtime_ns?, mode?, sha256?, link?}]</c>.
/// Written straight from the source entries (a path's bytes, no string per entry): a million entries would otherwise
/// be a million short-lived strings and records that the GC reclaims late.
/// </summary>
[JsonConverter(typeof(ManifestPieceConverter))]
internal sealed class ManifestPiece(IReadOnlyList<SourceEntry> entries)
{
    public IReadOnlyList<SourceEntry> Entries { get; } = entries;
}

internal sealed class ManifestPieceConverter : JsonConverter<ManifestPiece>
{
    [ThreadStatic] static byte[]? pathBuffer;

    public override ManifestPiece Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        throw new NotSupportedException("a manifest piece is only ever sent");

    public override void Write(Utf8JsonWriter writer, ManifestPiece value, JsonSerializerOptions options)
    {
        var buffer = pathBuffer ??= new byte[512];
        writer.WriteStartArray();
        foreach (var e in value.Entries)
        {
            writer.WriteStartObject();
            writer.WritePropertyName("path"u8);
            var n = e.PathBytes(ref buffer);
            if (System.Text.Unicode.Utf8.IsValid(buffer.AsSpan(0, n))) writer.WriteStringValue(buffer.AsSpan(0, n));
            else WireStringConverter.WriteText(writer, e.Path);   // a non-UTF-8 byte travels as a \udcXX escape
            writer.WriteString("type"u8, e.Type);
            writer.WriteNumber("size"u8, e.Size);
            if (e.Kind == EntryKind.File) writer.WriteNumber("mtime_ns"u8, e.MtimeNs);
            if (e.Mode is { } mode) writer.WriteNumber("mode"u8, mode);
            if (e.Sha256 is { } sha) writer.WriteString("sha256"u8, sha);
            if (e.Link is { } link)
            {
                writer.WritePropertyName("link"u8);
                WireStringConverter.WriteText(writer, link);
            }
            writer.WriteEndObject();
        }
        writer.WriteEndArray();
        pathBuffer = buffer;
    }
}
