using System.Buffers;
using System.Text;
using System.Text.Json;
using Rmote.Wire;

namespace Rmote.Calls;

/// <summary>Encodes CALL bodies and decodes RESULT/CHUNK values with the wire JSON options.</summary>
internal static class ValueCodec
{
    [ThreadStatic] static ArrayBufferWriter<byte>? callBuffer;
    [ThreadStatic] static Utf8JsonWriter? callWriter;

    /// <summary>Serializes one argument with its declared type (bytes become raw binary segments).</summary>
    public static void WriteArgument<T>(Utf8JsonWriter writer, T value)
    {
        // The deploy path's scalar arguments (a handle's offset, a write's bytes) written as the serializer writes them
        // under WireJson.Options, without its per-type metadata: in a fresh build process that is JIT-compiled per type
        // (ReadyToRun has no instantiation for long, int, bool or ReadOnlyMemory<byte>). typeof tests fold per T.
        if (typeof(T) == typeof(long)) writer.WriteNumberValue((long)(object)value!);
        else if (typeof(T) == typeof(int)) writer.WriteNumberValue((int)(object)value!);
        else if (typeof(T) == typeof(bool)) writer.WriteBooleanValue((bool)(object)value!);
        else if (typeof(T) == typeof(ReadOnlyMemory<byte>)) BytesPlaceholder.Write(writer, (ReadOnlyMemory<byte>)(object)value!);
        else JsonSerializer.Serialize(writer, value, WireJson.Options);
    }

    /// <summary>Builds a CALL frame: <c>{"tool","method","args"|"kwargs"}</c> plus the raw bytes the arguments reference.</summary>
    public static OutgoingFrame EncodeCall(uint id, ToolMethodBase method, Action<Utf8JsonWriter>? writeArguments, out IReadOnlyList<IRemoteCode> required)
    {
        // One writer and buffer per thread: the frame is copied into the send queue before this thread encodes another.
        var buffer = callBuffer ??= new ArrayBufferWriter<byte>(1024);
        buffer.ResetWrittenCount();
        var writer = callWriter ??= new Utf8JsonWriter(buffer);
        writer.Reset(buffer);
        using var binary = new EncodingScope();
        {
            writer.WriteStartObject();
            writer.WriteString("tool"u8, method.Tool.Key);
            writer.WriteString("method"u8, method.Name);
            if (method.KeywordArguments)
            {
                writer.WritePropertyName("kwargs"u8);
                writeArguments!(writer);
            }
            else
            {
                writer.WritePropertyName("args"u8);
                writer.WriteStartArray();
                writeArguments?.Invoke(writer);
                writer.WriteEndArray();
            }
            writer.WriteEndObject();
            writer.Flush();
        }
        required = binary.Required;
        return OutgoingFrame.Create(FrameType.Call, id, buffer.WrittenMemory, binary.Segments, binary.Length, compressBinary: !method.RawBinary);
    }

    /// <summary>Reads the <c>"value"</c> member of a RESULT or CHUNK body as <typeparamref name="T"/>.</summary>
    public static T Decode<T>(Frame frame, string what, string host)
    {
        using var scope = new BinaryReaderScope(frame.Binary);
        try
        {
            var reader = new Utf8JsonReader(frame.Json, new JsonReaderOptions { MaxDepth = WireJson.MaxValueDepth + 1 });
            if (frame.Json.Length == 0 || !reader.Read()) return default!;
            if (reader.TokenType != JsonTokenType.StartObject) throw new JsonException("the frame body is not a JSON object");
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isValue = reader.ValueTextEquals("value"u8);
                reader.Read();
                if (isValue) return ReadValue<T>(ref reader);
                reader.Skip();
            }
            return default!;
        }
        catch (JsonException e) when (e.Message.Contains("maximum configured depth", StringComparison.Ordinal))
        {
            throw new RemoteResultException(
                $"[{host}] {what} returned a value nested deeper than {WireJson.MaxValueDepth} levels (lists and objects inside each other), " +
                "the most the controller reads: return a flatter value (e.g. a list of paths instead of a tree).", e);
        }
        catch (Exception e) when (e is JsonException or NotSupportedException or InvalidOperationException or FormatException or ArgumentException)
        {
            throw new RemoteResultException(
                $"[{host}] {what} returned a value that does not fit {FriendlyName(typeof(T))}: {Snippet(frame.Json)}. " +
                $"({e.Message}) Declare the handle's result type to match what the Python method returns (dict → a record or " +
                "Dictionary<string, JsonElement>, list → array, bytes → byte[]), or use JsonElement to inspect it.", e);
        }
    }

    // A long result (a write's byte count) read directly, as WriteArgument writes one: no serializer metadata to JIT per type.
    // A value that is not an integer throws FormatException or InvalidOperationException, which Decode reports as the serializer's JsonException.
    static T ReadValue<T>(ref Utf8JsonReader reader) =>
        typeof(T) == typeof(long) ? (T)(object)reader.GetInt64() : JsonSerializer.Deserialize<T>(ref reader, WireJson.Options)!;

    /// <summary>Reads a whole body (ERROR, LOG) as <typeparamref name="T"/>.</summary>
    public static T DecodeBody<T>(Frame frame) where T : new()
    {
        if (frame.Json.Length == 0) return new T();
        using var scope = new BinaryReaderScope(frame.Binary);
        return JsonSerializer.Deserialize<T>(frame.Json, WireJson.Options) ?? new T();
    }

    static string Snippet(byte[] json)
    {
        var text = Encoding.UTF8.GetString(json, 0, Math.Min(json.Length, 200));
        return json.Length > 200 ? text + "…" : text;
    }

    static string FriendlyName(Type type) =>
        type.IsGenericType ? $"{type.Name[..type.Name.IndexOf('`')]}<{string.Join(", ", type.GetGenericArguments().Select(FriendlyName))}>" : type.Name;
}
