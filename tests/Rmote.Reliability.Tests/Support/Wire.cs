using System.Text;
using Rmote.Wire;

namespace Rmote.Reliability.Tests;

/// <summary>Builds raw frames (valid or not) the way a remote would write them.</summary>
internal static class RawFrame
{
    public static byte[] Build(byte type, uint id, ReadOnlySpan<byte> json, ReadOnlySpan<byte> binary = default, byte flags = 0, byte version = 1, byte m0 = (byte)'R', byte m1 = (byte)'M')
        => Header(type, id, (uint)json.Length, (uint)binary.Length, flags, version, m0, m1).Concat(json.ToArray()).Concat(binary.ToArray()).ToArray();

    public static byte[] Header(byte type, uint id, uint jsonLength, uint binaryLength, byte flags = 0, byte version = 1, byte m0 = (byte)'R', byte m1 = (byte)'M')
    {
        var h = new byte[FrameHeader.Size];
        new FrameHeader((FrameType)type, (FrameFlags)flags, id, jsonLength, binaryLength).Write(h);
        h[0] = m0; h[1] = m1; h[2] = version;
        return h;
    }

    public static byte[] Json(byte type, uint id, string json, byte[]? binary = null) => Build(type, id, Encoding.UTF8.GetBytes(json), binary ?? []);

    public static byte[] Result(uint id, string valueJson, byte[]? binary = null) => Json((byte)FrameType.Result, id, "{\"value\":" + valueJson + "}", binary);

    public static byte[] Hello(int pid = 4242) => Json((byte)FrameType.Hello, 0,
        $$"""{"protocol":1,"pid":{{pid}},"python":"3.11.2","platform":"linux","max_frame":67108864,"executable":"/usr/bin/python3"}""");

    public static readonly byte[] Marker = "\nRMOTE-READY/1\n"u8.ToArray();
}
