using System.Text.Json;
using System.Text.Json.Serialization;

namespace Rmote.Tools;

/// <summary>Python takes and returns durations as float seconds; C# callers get <see cref="TimeSpan"/>.</summary>
internal sealed class SecondsConverter : JsonConverter<TimeSpan>
{
    public override TimeSpan Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        TimeSpan.FromSeconds(reader.GetDouble());

    public override void Write(Utf8JsonWriter writer, TimeSpan value, JsonSerializerOptions options) =>
        writer.WriteNumberValue(value.TotalSeconds);
}

/// <summary>The nullable form of <see cref="SecondsConverter"/> (null stays null, so the Python default applies).</summary>
internal sealed class NullableSecondsConverter : JsonConverter<TimeSpan?>
{
    public override TimeSpan? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.TokenType == JsonTokenType.Null ? null : TimeSpan.FromSeconds(reader.GetDouble());

    public override void Write(Utf8JsonWriter writer, TimeSpan? value, JsonSerializerOptions options)
    {
        if (value is { } v) writer.WriteNumberValue(v.TotalSeconds);
        else writer.WriteNullValue();
    }
}
