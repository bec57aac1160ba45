using System.Buffers;
using System.IO.Compression;
using System.IO.Pipelines;
using System.Reflection;
using System.Text;

namespace Rmote.Transport;

/// <summary>
/// The two-stage start (docs/PROTOCOL.md §1): a one-line first stage given to <c>python3 -c</c> reads the
/// zlib-compressed runtime from stdin and execs it; the runtime answers with a ready marker.
/// </summary>
internal static class Bootstrap
{
    /// <summary>Safe inside single quotes in sh, bash, dash, zsh and fish: no quote, backslash or dollar.</summary>
    public const string FirstStage = "import sys,zlib;r=sys.stdin.buffer;exec(zlib.decompress(r.read(int(r.read(8),16))))";

    const int MarkerSearchLimit = 64 * 1024;
    static ReadOnlySpan<byte> Marker => "\nRMOTE-READY/1\n"u8;

    static readonly Lazy<byte[]> payload = new(BuildPayload);

    /// <summary>The bytes written to the interpreter's stdin: 8 hex digits of length, then the compressed runtime.</summary>
    public static byte[] Payload => payload.Value;

    /// <summary>Size of the compressed runtime in bytes.</summary>
    public static int CompressedRuntimeSize => Payload.Length - 8;

    /// <summary>
    /// The interpreter arguments that run the first stage: isolated (-I), and without the site module (-S),
    /// which on a distribution Python costs a third of the interpreter's start (.pth files of site-packages);
    /// the runtime adds site-packages on the first import the standard library cannot satisfy.
    /// </summary>
    public static string[] InterpreterArguments => ["-I", "-S", "-c", FirstStage];

    /// <summary>The interpreter arguments as the remote shell sees them (the first stage inside single quotes).</summary>
    public static string ShellArguments => "-I -S -c '" + FirstStage + "'";

    static byte[] BuildPayload()
    {
        var source = EmbeddedPython.Read("runtime.py");
        using var output = new MemoryStream();
        output.Write(new byte[8]);
        using (var z = new ZLibStream(output, CompressionLevel.SmallestSize, leaveOpen: true))
            z.Write(Encoding.UTF8.GetBytes(source));
        var bytes = output.ToArray();
        Encoding.ASCII.GetBytes((bytes.Length - 8).ToString("x8")).CopyTo(bytes, 0);
        return bytes;
    }

    /// <summary>Skips banner bytes until the ready marker; returns what was skipped.</summary>
    public static async Task<string> WaitForMarkerAsync(PipeReader reader, CancellationToken cancellationToken)
    {
        while (true)
        {
            var result = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            var buffer = result.Buffer;
            var sequenceReader = new SequenceReader<byte>(buffer);
            if (sequenceReader.TryReadTo(out ReadOnlySequence<byte> banner, Marker, advancePastDelimiter: true))
            {
                reader.AdvanceTo(sequenceReader.Position);
                return Encoding.UTF8.GetString(banner);
            }
            if (buffer.Length > MarkerSearchLimit)
                throw new NoMarkerException(Describe(buffer.Slice(0, 512)), tooMuch: true);
            if (result.IsCompleted)
                throw new NoMarkerException(Describe(buffer), tooMuch: false);
            reader.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    static string Describe(ReadOnlySequence<byte> seen)
    {
        if (seen.IsEmpty) return "nothing";
        var text = Encoding.UTF8.GetString(seen.Slice(0, Math.Min(seen.Length, 512)));
        var printable = new StringBuilder();
        foreach (var c in text) printable.Append(char.IsControl(c) && c != '\n' ? $"\\x{(int)c:x2}" : c.ToString());
        return $"\"{printable.ToString().Trim()}\"";
    }
}

/// <summary>The ready marker did not arrive: EOF first, or too much output before it.</summary>
internal sealed class NoMarkerException(string seen, bool tooMuch) : Exception("no ready marker")
{
    public string Seen { get; } = seen;
    public bool TooMuch { get; } = tooMuch;
}

/// <summary>Reads the Python sources embedded into this assembly at build time.</summary>
internal static class EmbeddedPython
{
    public static string Read(string fileName)
    {
        var resource = fileName == "runtime.py" ? "Rmote.python.runtime.py" : "Rmote.python.tools." + fileName;
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"embedded Python source '{resource}' is missing from Rmote.Core");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return reader.ReadToEnd();
    }
}
