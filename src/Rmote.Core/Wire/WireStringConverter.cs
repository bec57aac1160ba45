using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Rmote.Wire;

/// <summary>
/// Strings as the runtime writes them: a lone surrogate (a non-UTF-8 byte of a file name, see
/// <see cref="SurrogateEscape"/>) travels as a <c>\udcXX</c> escape both ways, which System.Text.Json alone
/// refuses to read and replaces with U+FFFD on write. Every other string takes the built-in path.
/// </summary>
internal sealed class WireStringConverter : JsonConverter<string>
{
    public override bool HandleNull => false;

    public override string? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => ReadText(ref reader);

    public override void Write(Utf8JsonWriter writer, string value, JsonSerializerOptions options) => WriteText(writer, value);

    /// <summary>Writes a string value, a lone surrogate as its <c>\uXXXX</c> escape.</summary>
    public static void WriteText(Utf8JsonWriter writer, string value)
    {
        if (!SurrogateEscape.HasLoneSurrogate(value)) writer.WriteStringValue(value);
        else writer.WriteRawValue(Quote(value), skipInputValidation: true);
    }

    public override string ReadAsPropertyName(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => ReadText(ref reader)!;

    // Only the host sends path-keyed objects (sync_plan's basis); a name the controller sends as a key is plain text.
    public override void WriteAsPropertyName(Utf8JsonWriter writer, string value, JsonSerializerOptions options) => writer.WritePropertyName(value);

    static string? ReadText(ref Utf8JsonReader reader)
    {
        if (reader.TokenType == JsonTokenType.Null) return null;
        if (reader.TokenType is not (JsonTokenType.String or JsonTokenType.PropertyName))
            throw new JsonException($"expected a string, got {reader.TokenType}");
        if (!reader.ValueIsEscaped) return reader.GetString();
        var raw = reader.HasValueSequence ? System.Buffers.BuffersExtensions.ToArray(reader.ValueSequence) : reader.ValueSpan.ToArray();
        // only lone surrogate escapes need the slow path
        return raw.AsSpan().IndexOf("\\ud"u8) < 0 && raw.AsSpan().IndexOf("\\uD"u8) < 0 ? reader.GetString() : Unescape(raw);
    }

    static string Unescape(ReadOnlySpan<byte> raw)
    {
        var sb = new StringBuilder(raw.Length);
        while (!raw.IsEmpty)
        {
            var slash = raw.IndexOf((byte)'\\');
            if (slash < 0) { sb.Append(Encoding.UTF8.GetString(raw)); break; }
            sb.Append(Encoding.UTF8.GetString(raw[..slash]));
            var kind = raw[slash + 1];
            if (kind == (byte)'u')
            {
                sb.Append((char)Convert.ToUInt16(Encoding.ASCII.GetString(raw.Slice(slash + 2, 4)), 16));
                raw = raw[(slash + 6)..];
                continue;
            }
            sb.Append(kind switch
            {
                (byte)'n' => '\n', (byte)'r' => '\r', (byte)'t' => '\t', (byte)'b' => '\b', (byte)'f' => '\f',
                _ => (char)kind,   // \" \\ \/
            });
            raw = raw[(slash + 2)..];
        }
        return sb.ToString();
    }

    static byte[] Quote(string value)
    {
        var sb = new StringBuilder(value.Length + 16).Append('"');
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1])) sb.Append(c).Append(value[++i]);
            else if (c is '"' or '\\') sb.Append('\\').Append(c);
            else if (c < ' ' || char.IsSurrogate(c)) sb.Append($"\\u{(int)c:x4}");
            else sb.Append(c);
        }
        return Encoding.UTF8.GetBytes(sb.Append('"').ToString());
    }
}
