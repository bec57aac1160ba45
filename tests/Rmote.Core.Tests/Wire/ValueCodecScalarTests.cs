using System.Buffers;
using System.Text;
using System.Text.Json;
using Rmote.Calls;
using Rmote.Wire;

namespace Rmote.Core.Tests.Wire;

/// <summary>
/// The scalar arguments and results <see cref="ValueCodec"/> writes and reads without the serializer (long, int, bool,
/// ReadOnlyMemory of bytes; long results) are the JSON the serializer gives under the wire options: the Python side sees no difference.
/// </summary>
public class ValueCodecScalarTests
{
    static (string Json, int Segments) Written(Action<Utf8JsonWriter> write)
    {
        using var scope = new EncodingScope();
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer)) write(writer);
        return (Encoding.UTF8.GetString(buffer.WrittenSpan), scope.Segments.Count);
    }

    static void SameAsSerializer<T>(T value) =>
        Assert.Equal(Written(w => JsonSerializer.Serialize(w, value, WireJson.Options)), Written(w => ValueCodec.WriteArgument(w, value)));

    [Fact]
    public void Scalar_arguments_are_written_as_the_serializer_writes_them()
    {
        foreach (var n in new[] { 0L, 1L, -1L, 4096L, long.MaxValue, long.MinValue }) SameAsSerializer(n);
        foreach (var n in new[] { 0, 7, -7, int.MaxValue, int.MinValue }) SameAsSerializer(n);
        SameAsSerializer(true);
        SameAsSerializer(false);
        SameAsSerializer(new ReadOnlyMemory<byte>([1, 2, 3]));
        SameAsSerializer(ReadOnlyMemory<byte>.Empty);
        SameAsSerializer<long?>(5);
        SameAsSerializer("a\"b");
    }

    static Frame Result(string json) => new(FrameType.Result, 1, Encoding.UTF8.GetBytes(json), []);

    [Fact]
    public void A_long_result_is_read_as_the_serializer_reads_it_and_a_wrong_one_is_reported_alike()
    {
        Assert.Equal(1234567890123L, ValueCodec.Decode<long>(Result("""{"value": 1234567890123}"""), "T.m", "h"));
        Assert.Equal(-5L, ValueCodec.Decode<long>(Result("""{"other": [1], "value": -5}"""), "T.m", "h"));
        Assert.Equal(long.MinValue, ValueCodec.Decode<long>(Result("""{"value": -9223372036854775808}"""), "T.m", "h"));
        foreach (var bad in new[] { "\"12\"", "1.5", "null", "[1]", "9223372036854775808" })
        {
            var e = Assert.Throws<RemoteResultException>(() => ValueCodec.Decode<long>(Result($$"""{"value": {{bad}}}"""), "T.m", "h"));
            Assert.Contains("does not fit", e.Message);
        }
    }
}
