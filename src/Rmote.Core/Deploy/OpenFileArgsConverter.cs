using System.Text.Json;
using System.Text.Json.Serialization;
using Rmote.Wire;

namespace Rmote.Deploy;

/// <summary>
/// <c>open_file</c>'s keyword arguments written by hand, as the serializer writes them under <see cref="WireJson.Options"/>
/// (snake_case names in declaration order, nulls left out): its metadata for <c>long?</c> and <c>int?</c> properties is
/// JIT-compiled in a fresh build process (ReadyToRun has no such instantiations), about 60 methods on a deploy's
/// first delta. Written only: the controller never reads these arguments back.
/// </summary>
internal sealed class OpenFileArgsConverter : JsonConverter<OpenFileArgs>
{
    public override OpenFileArgs Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        throw new NotSupportedException("open_file's arguments are only ever sent, never received");

    public override void Write(Utf8JsonWriter writer, OpenFileArgs value, JsonSerializerOptions options)
    {
        writer.WriteStartObject();
        Text(writer, "root"u8, value.Root);
        Text(writer, "rel_path"u8, value.RelPath);
        writer.WriteNumber("size"u8, value.Size);
        if (value.Mode is { } mode) writer.WriteNumber("mode"u8, mode);
        if (value.MtimeNs is { } mtime) writer.WriteNumber("mtime_ns"u8, mtime);
        Text(writer, "owner"u8, value.Owner);
        Text(writer, "group"u8, value.Group);
        writer.WriteBoolean("durable"u8, value.Durable);
        Text(writer, "handle"u8, value.Handle);
        if (value.Basis is { } basis)
        {
            writer.WriteStartObject("basis"u8);
            writer.WriteNumber("size"u8, basis.Size);
            writer.WriteNumber("mtime_ns"u8, basis.MtimeNs);
            writer.WriteNumber("ino"u8, basis.Ino);
            writer.WriteEndObject();
        }
        writer.WriteEndObject();
    }

    // A path may hold a lone surrogate (a non-UTF-8 byte of a file name): the wire's string form, as every string argument.
    static void Text(Utf8JsonWriter writer, ReadOnlySpan<byte> name, string? value)
    {
        if (value is null) return;
        writer.WritePropertyName(name);
        WireStringConverter.WriteText(writer, value);
    }
}
