using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Rmote.Deploy;
using Rmote.Wire;

namespace Rmote.Core.Tests.Deploy;

/// <summary>open_file's hand-written arguments (<see cref="OpenFileArgsConverter"/>) are the JSON reflection writes under the wire options.</summary>
public class OpenFileArgsConverterTests
{
    static string Reflected(OpenFileArgs value)
    {
        var options = new JsonSerializerOptions(WireJson.Options) { TypeInfoResolver = new DefaultJsonTypeInfoResolver() };
        options.Converters.Remove(options.Converters.Single(c => c is OpenFileArgsConverter));
        return JsonSerializer.Serialize(value, options);
    }

    static void Same(OpenFileArgs value) => Assert.Equal(Reflected(value), JsonSerializer.Serialize(value, WireJson.Options));

    [Fact]
    public void Open_file_arguments_are_written_as_reflection_writes_them()
    {
        Same(new OpenFileArgs("/srv", "a/b.txt", 12, 420, 1_700_000_000_000_000_001, null, "g", true, "h1", new RemoteBasis(5, -1, long.MaxValue)));
        Same(new OpenFileArgs("/srv", "a", 0, null, null, null, null, false));
        Same(new OpenFileArgs("/srv/\"q\"", "d\udc80\u00e9/x y", long.MaxValue, 0, 0, "o", null, true, null, null));
        Same(new OpenFileArgs("/", "a", -1, int.MinValue, long.MinValue, "", "", false, ""));
    }
}
