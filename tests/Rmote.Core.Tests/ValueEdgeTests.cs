using System.Text.Json;
using Rmote.TestRig;
using Rmote.Tools;

namespace Rmote.Core.Tests;

/// <summary>Values at the edges of JSON (docs/PROTOCOL.md §3): deep nesting, inf/-inf/nan, tuples and sets.</summary>
static class ValueEdgeChecks
{
    static readonly PythonTool Tool = PythonTool.FromSource("ValueEdges", """
        class ValueEdges(Tool):
            @staticmethod
            def nested(levels):
                v = 0
                for _ in range(levels):
                    v = [v]
                return v

            @staticmethod
            def levels(v):
                n = 0
                while isinstance(v, list):
                    v, n = v[0], n + 1
                return n

            @staticmethod
            def floats():
                return [float("inf"), float("-inf"), float("nan"), 1.5]

            @staticmethod
            def describe(xs):
                return [repr(x) for x in xs]

            @staticmethod
            def shapes():
                return {"tuple": (1, 2), "set": {3}}
        """);

    static readonly ToolMethod<int, JsonElement> Nested = Tool.Method<int, JsonElement>("nested");
    static readonly ToolMethod<JsonElement, int> Levels = Tool.Method<JsonElement, int>("levels");
    static readonly ToolMethod<JsonElement[]> Floats = Tool.Method<JsonElement[]>("floats");
    static readonly ToolMethod<double[], string[]> Describe = Tool.Method<double[], string[]>("describe");
    static readonly ToolMethod<Dictionary<string, int[]>> Shapes = Tool.Method<Dictionary<string, int[]>>("shapes");

    static JsonElement NestedArrays(int levels) =>
        JsonDocument.Parse(new string('[', levels) + "0" + new string(']', levels), new JsonDocumentOptions { MaxDepth = levels + 1 }).RootElement;

    static int Depth(JsonElement e)
    {
        var n = 0;
        for (; e.ValueKind == JsonValueKind.Array; e = e[0]) n++;
        return n;
    }

    /// <summary>256 levels cross both ways (rmote handles 100); a remote returning 257 is refused with a clear message.</summary>
    public static async Task Nesting_is_bounded_at_256_levels(Protocol proto)
    {
        Assert.Equal(256, Depth(await proto.CallAsync(Nested, 256)));
        Assert.Equal(256, await proto.CallAsync(Levels, NestedArrays(256)));
        var error = await Assert.ThrowsAsync<RemoteResultException>(() => proto.CallAsync(Nested, 257));
        Assert.Contains("nested deeper than 256 levels", error.Message);
        Assert.Equal(3, await proto.CallAsync(Levels, NestedArrays(3)));  // the connection stays usable
    }

    /// <summary>inf, -inf and nan cross in both directions as floats (JSON itself has none of them).</summary>
    public static async Task Non_finite_floats_cross_both_ways(Protocol proto)
    {
        var back = await proto.CallAsync(Floats);
        Assert.Equal([double.PositiveInfinity, double.NegativeInfinity, double.NaN, 1.5],
            back.Select(e => e.Deserialize<double>(global::Rmote.Wire.WireJson.Options)));
        Assert.Equal([double.PositiveInfinity, double.NegativeInfinity], (await proto.CallAsync(Tool.Method<float[]>("floats"))).Take(2).Select(f => (double)f));
        Assert.Equal(["inf", "-inf", "nan", "2.5"],
            await proto.CallAsync(Describe, [double.PositiveInfinity, double.NegativeInfinity, double.NaN, 2.5]));
    }

    /// <summary>Tuples and sets come back as lists (documented in docs/RMOTE-PARITY.md).</summary>
    public static async Task Tuples_and_sets_come_back_as_lists(Protocol proto)
    {
        var shapes = await proto.CallAsync(Shapes);
        Assert.Equal([1, 2], shapes["tuple"]);
        Assert.Equal([3], shapes["set"]);
    }
}

public sealed class LocalValueEdgeTests
{
    [Fact]
    public async Task Nesting_is_bounded_at_256_levels()
    {
        await using var proto = await Protocol.FromSubprocessAsync();
        await ValueEdgeChecks.Nesting_is_bounded_at_256_levels(proto);
    }

    [Fact]
    public async Task Non_finite_floats_cross_both_ways()
    {
        await using var proto = await Protocol.FromSubprocessAsync();
        await ValueEdgeChecks.Non_finite_floats_cross_both_ways(proto);
    }

    [Fact]
    public async Task Tuples_and_sets_come_back_as_lists()
    {
        await using var proto = await Protocol.FromSubprocessAsync();
        await ValueEdgeChecks.Tuples_and_sets_come_back_as_lists(proto);
    }
}

[Collection("ssh")]
public sealed class SshValueEdgeTests(SshFleetFixture rig)
{
    [Fact]
    public async Task Nesting_and_non_finite_floats_cross_an_sshd_host()
    {
        var host = rig.Hosts[0];
        await using var proto = await Protocol.FromSshAsync(host.HostName, SshProtocolTests.OptionsFor(host));
        await ValueEdgeChecks.Nesting_is_bounded_at_256_levels(proto);
        await ValueEdgeChecks.Non_finite_floats_cross_both_ways(proto);
    }
}
