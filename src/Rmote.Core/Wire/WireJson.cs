using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace Rmote.Wire;

/// <summary>
/// The one JSON configuration used on the wire: snake_case names (Python) to PascalCase members (C#),
/// enums as snake_case strings, nulls omitted so Python defaults apply, and raw bytes as placeholders.
/// Only plain data is ever materialised: no type names, no polymorphic deserialization.
/// </summary>
internal static class WireJson
{
    /// <summary>
    /// How deep a value may nest (lists and objects inside each other), both ways: deep enough for real data (rmote
    /// handles 100), bounded so a hostile remote cannot exhaust the controller's stack.
    /// </summary>
    public const int MaxValueDepth = 256;

    public static readonly JsonSerializerOptions Options = Create();

    static JsonSerializerOptions Create()
    {
        var options = new JsonSerializerOptions
        {
            PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
            PropertyNameCaseInsensitive = true,
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
            NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
            MaxDepth = MaxValueDepth,
            // The deploy path's types from compile-time metadata (no reflection or emitted accessors to JIT in a fresh
            // build process), anything else by reflection; the options above apply to both alike.
            TypeInfoResolver = JsonTypeInfoResolver.Combine(WireContext.Default, new DefaultJsonTypeInfoResolver()),
        };
        options.Converters.Add(new WireStringConverter());
        options.Converters.Add(new NonFiniteDoubleConverter());
        options.Converters.Add(new NonFiniteSingleConverter());
        options.Converters.Add(new BytesConverter());
        options.Converters.Add(new MemoryBytesConverter());
        options.Converters.Add(new FileRegionConverter());
        options.Converters.Add(new BinaryPartsConverter());
        options.Converters.Add(new Deploy.OpenFileArgsConverter());
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower));
        options.MakeReadOnly();
        return options;
    }
}
