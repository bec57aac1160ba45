using System.Text.Json;
using System.Text.Json.Serialization;
using Rmote.Wire;

namespace Rmote.Tools;

/// <summary>
/// A template used as a call argument: the remote renders it with <see cref="Template"/> before the method runs, so
/// the method receives the text (e.g. <see cref="FileSystem.WriteTemplate"/>). Any handle may take one: declare the
/// parameter as <see cref="TemplateValue"/>. Create it with <see cref="Template.Of"/>.
/// </summary>
/// <param name="Source">Template text (<c>${expr}</c>, <c>% for</c> ... as in <see cref="Template"/>).</param>
/// <param name="Variables">Variables: a dictionary, a record or an anonymous object (property names become snake_case).</param>
[JsonConverter(typeof(TemplateValueConverter))]
public sealed record TemplateValue(string Source, object? Variables);

/// <summary>
/// Writes <c>{"__template__": {"source", "variables"}}</c>, the placeholder type the Template tool registers on the
/// remote (<c>@placeholder("__template__")</c>), and makes the call sync that tool first.
/// </summary>
internal sealed class TemplateValueConverter : JsonConverter<TemplateValue>
{
    public override TemplateValue Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        throw new NotSupportedException("a template value is rendered remotely and never comes back as such");

    public override void Write(Utf8JsonWriter writer, TemplateValue value, JsonSerializerOptions options)
    {
        EncodingScope.Current.Require(Template.Tool);
        writer.WriteStartObject();
        writer.WritePropertyName("__template__"u8);
        writer.WriteStartObject();
        writer.WriteString("source"u8, value.Source);
        writer.WritePropertyName("variables"u8);
        JsonSerializer.Serialize(writer, value.Variables, value.Variables?.GetType() ?? typeof(object), options);
        writer.WriteEndObject();
        writer.WriteEndObject();
    }
}
