using System.IO.Pipes;
using Rmote.TestRig;
using Rmote.Wire;

namespace Rmote.Core.Tests.Wire;

/// <summary>File regions reach the output byte for byte: spliced into a real pipe, copied into any other stream, padded when the file shrank.</summary>
public sealed class RegionWriterTests
{
    static (TempDir Dir, string Path, byte[] Bytes) MakeFile(int size)
    {
        var dir = new TempDir();
        var bytes = new byte[size];
        new Random(7).NextBytes(bytes);
        var path = dir.Combine("data.bin");
        File.WriteAllBytes(path, bytes);
        return (dir, path, bytes);
    }

    [Fact]
    public async Task Regions_are_spliced_into_a_pipe_byte_for_byte()
    {
        var (dir, path, bytes) = MakeFile(5 * 1024 * 1024 + 123);
        using var _ = dir;
        using var server = new AnonymousPipeServerStream(PipeDirection.Out);
        using var client = new AnonymousPipeClientStream(PipeDirection.In, server.ClientSafePipeHandle);
        var received = new MemoryStream();
        var reading = Task.Run(() => client.CopyTo(received));
        using var file = File.OpenHandle(path);
        var writer = new RegionWriter(server);
        var a = new FileRegion(file, 0, 3 * 1024 * 1024);
        var b = new FileRegion(file, 3 * 1024 * 1024, bytes.Length - 3 * 1024 * 1024);
        writer.Write(a);
        writer.Write(b);
        server.Dispose();
        await reading;

        Assert.Equal(bytes, received.ToArray());
        Assert.False(a.Truncated || b.Truncated);
        Assert.Equal(bytes.Length, writer.SplicedBytes);
    }

    [Fact]
    public void Regions_are_copied_into_streams_that_are_not_pipes()
    {
        var (dir, path, bytes) = MakeFile(1024 * 1024 + 5);
        using var _ = dir;
        using var file = File.OpenHandle(path);
        var output = new MemoryStream();
        var writer = new RegionWriter(output);
        writer.Write(new FileRegion(file, 100, 600_000));

        Assert.Equal(bytes.AsSpan(100, 600_000).ToArray(), output.ToArray());
        Assert.Equal(0, writer.SplicedBytes);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_file_that_ends_early_is_padded_with_zeros_and_the_region_marked(bool pipe)
    {
        var (dir, path, bytes) = MakeFile(300_000);
        using var _ = dir;
        using var file = File.OpenHandle(path);
        var region = new FileRegion(file, 200_000, 400_000);   // the file ends 100,000 bytes into the region
        byte[] sent;
        if (pipe)
        {
            using var server = new AnonymousPipeServerStream(PipeDirection.Out);
            using var client = new AnonymousPipeClientStream(PipeDirection.In, server.ClientSafePipeHandle);
            var received = new MemoryStream();
            var reading = Task.Run(() => client.CopyTo(received));
            new RegionWriter(server).Write(region);
            server.Dispose();
            await reading;
            sent = received.ToArray();
        }
        else
        {
            var output = new MemoryStream();
            new RegionWriter(output).Write(region);
            sent = output.ToArray();
        }

        Assert.True(region.Truncated);
        Assert.Equal(400_000, sent.Length);
        Assert.Equal(bytes.AsSpan(200_000).ToArray(), sent.AsSpan(0, 100_000).ToArray());
        Assert.All(sent.AsSpan(100_000).ToArray(), b => Assert.Equal(0, b));
    }

    [Fact]
    public async Task Region_checks_report_each_region_as_the_writer_found_it()
    {
        var (dir, path, bytes) = MakeFile(200_000);
        using var _ = dir;
        using var file = File.OpenHandle(path);
        var whole = new FileRegion(file, 0, 150_000);
        var past = new FileRegion(file, 150_000, 100_000);   // the file ends halfway through this one
        using var server = new AnonymousPipeServerStream(PipeDirection.Out);
        using var client = new AnonymousPipeClientStream(PipeDirection.In, server.ClientSafePipeHandle);
        var received = new MemoryStream();
        var reading = Task.Run(() => client.CopyTo(received));
        var writer = new FrameWriter(server);
        var parts = new BinaryPart[] { new(whole), new(past), new(new RegionChecks([whole, past])) };
        writer.Enqueue(OutgoingFrame.Create(FrameType.Call, 1, "{}"u8.ToArray(), parts, 250_002));
        await writer.CompleteAsync();
        await reading;

        var sent = received.ToArray().AsSpan(FrameHeader.Size + 2);
        Assert.Equal(250_002, sent.Length);
        Assert.Equal(bytes.AsSpan(0, 200_000).ToArray(), sent[..200_000].ToArray());
        Assert.All(sent[200_000..250_000].ToArray(), b => Assert.Equal(0, b));
        Assert.Equal(new byte[] { 0, 1 }, sent[250_000..].ToArray());
    }
}
