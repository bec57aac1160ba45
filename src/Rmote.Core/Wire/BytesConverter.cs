using System.Text.Json;
using System.Text.Json.Serialization;

namespace Rmote.Wire;

/// <summary>Writes and reads <c>byte[]</c> as a <c>{"__bytes__": [offset, length]}</c> placeholder into the frame's binary body.</summary>
internal sealed class BytesConverter : JsonConverter<byte[]>
{
    public override byte[]? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        BytesPlaceholder.Read(ref reader);

    public override void Write(Utf8JsonWriter writer, byte[] value, JsonSerializerOptions options) =>
        BytesPlaceholder.Write(writer, value);
}

/// <summary>The same placeholder encoding for <see cref="ReadOnlyMemory{T}"/> of bytes (zero-copy on the way out).</summary>
internal sealed class MemoryBytesConverter : JsonConverter<ReadOnlyMemory<byte>>
{
    public override ReadOnlyMemory<byte> Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        BytesPlaceholder.Read(ref reader) ?? ReadOnlyMemory<byte>.Empty;

    public override void Write(Utf8JsonWriter writer, ReadOnlyMemory<byte> value, JsonSerializerOptions options) =>
        BytesPlaceholder.Write(writer, value);
}

/// <summary>A <see cref="FileRegion"/> argument: the same placeholder, its bytes sent from the file by the frame writer.</summary>
internal sealed class FileRegionConverter : JsonConverter<FileRegion>
{
    public override FileRegion Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        throw new NotSupportedException("a file region is only ever sent, never received");

    public override void Write(Utf8JsonWriter writer, FileRegion value, JsonSerializerOptions options) =>
        BytesPlaceholder.Write(writer, new BinaryPart(value));
}

/// <summary>Several parts as one bytes argument: each joins the binary body in turn, one placeholder spans them all.</summary>
internal sealed class BinaryPartsConverter : JsonConverter<BinaryParts>
{
    public override BinaryParts Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        throw new NotSupportedException("binary parts are only ever sent, never received");

    public override void Write(Utf8JsonWriter writer, BinaryParts value, JsonSerializerOptions options)
    {
        var scope = EncodingScope.Current;
        var offset = scope.Length;
        foreach (var part in value.Parts) scope.Add(part);
        BytesPlaceholder.Write(writer, offset, scope.Length - offset);
    }
}

internal static class BytesPlaceholder
{
    public const string Key = "__bytes__";

    public static void Write(Utf8JsonWriter writer, BinaryPart value) =>
        Write(writer, EncodingScope.Current.Add(value), value.Length);

    public static void Write(Utf8JsonWriter writer, long offset, long length)
    {
        writer.WriteStartObject();
        writer.WritePropertyName(Key);
        writer.WriteStartArray();
        writer.WriteNumberValue(offset);
        writer.WriteNumberValue(length);
        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    public static byte[]? Read(ref Utf8JsonReader reader)
    {
        if (reader.TokenType == JsonTokenType.Null) return null;
        if (reader.TokenType != JsonTokenType.StartObject)
            throw new JsonException($"expected bytes (a {{\"{Key}\": [offset, length]}} placeholder), found {reader.TokenType}");
        reader.Read();
        if (reader.TokenType != JsonTokenType.PropertyName || !reader.ValueTextEquals(Key))
            throw new JsonException($"expected a \"{Key}\" placeholder for bytes");
        reader.Read();
        if (reader.TokenType != JsonTokenType.StartArray) throw new JsonException("malformed bytes placeholder");
        reader.Read();
        var offset = reader.GetInt64();
        reader.Read();
        var length = reader.GetInt64();
        reader.Read();
        if (reader.TokenType != JsonTokenType.EndArray) throw new JsonException("malformed bytes placeholder");
        reader.Read();
        if (reader.TokenType != JsonTokenType.EndObject) throw new JsonException("malformed bytes placeholder");
        return BinaryReaderScope.Current.Slice(offset, length);
    }
}
