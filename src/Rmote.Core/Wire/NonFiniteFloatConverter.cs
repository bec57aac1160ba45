using System.Text.Json;
using System.Text.Json.Serialization;

namespace Rmote.Wire;

/// <summary>
/// Doubles on the wire (docs/PROTOCOL.md §3): finite values are JSON numbers; JSON has no infinity or NaN, so those
/// travel as the placeholder <c>{"__float__": "inf" | "-inf" | "nan"}</c>, which the runtime reads as a Python float
/// and writes for one. The named strings <c>"Infinity"</c>, <c>"-Infinity"</c> and <c>"NaN"</c> are still read.
/// </summary>
internal sealed class NonFiniteDoubleConverter : JsonConverter<double>
{
    public override double Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => NonFiniteFloat.Read(ref reader);

    public override void Write(Utf8JsonWriter writer, double value, JsonSerializerOptions options) => NonFiniteFloat.Write(writer, value);
}

/// <summary>Singles on the wire, as <see cref="NonFiniteDoubleConverter"/>.</summary>
internal sealed class NonFiniteSingleConverter : JsonConverter<float>
{
    public override float Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.Number) return reader.GetSingle();
        return (float)NonFiniteFloat.Read(ref reader);
    }

    public override void Write(Utf8JsonWriter writer, float value, JsonSerializerOptions options)
    {
        if (float.IsFinite(value)) writer.WriteNumberValue(value);
        else NonFiniteFloat.Write(writer, value);
    }
}

/// <summary>The <c>{"__float__": ...}</c> placeholder both converters share.</summary>
internal static class NonFiniteFloat
{
    public static double Read(ref Utf8JsonReader reader)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.Number:
                return reader.GetDouble();
            case JsonTokenType.String:
                return reader.GetString() switch
                {
                    "NaN" => double.NaN,
                    "Infinity" => double.PositiveInfinity,
                    "-Infinity" => double.NegativeInfinity,
                    var text => throw new JsonException($"expected a number, got the string \"{text}\""),
                };
            case JsonTokenType.StartObject:
                reader.Read();
                if (reader.TokenType != JsonTokenType.PropertyName || !reader.ValueTextEquals("__float__"u8))
                    throw new JsonException("expected a number or {\"__float__\": \"inf\" | \"-inf\" | \"nan\"}, got an object");
                reader.Read();
                var value = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
                reader.Read();
                if (reader.TokenType != JsonTokenType.EndObject)
                    throw new JsonException("a {\"__float__\": ...} placeholder has one member");
                return value switch
                {
                    "inf" => double.PositiveInfinity,
                    "-inf" => double.NegativeInfinity,
                    "nan" => double.NaN,
                    _ => throw new JsonException("a {\"__float__\": ...} placeholder holds \"inf\", \"-inf\" or \"nan\""),
                };
            default:
                throw new JsonException($"expected a number, got {reader.TokenType}");
        }
    }

    public static void Write(Utf8JsonWriter writer, double value)
    {
        if (double.IsFinite(value))
        {
            writer.WriteNumberValue(value);
            return;
        }
        writer.WriteStartObject();
        writer.WriteString("__float__"u8, double.IsNaN(value) ? "nan" : value > 0 ? "inf" : "-inf");
        writer.WriteEndObject();
    }
}
