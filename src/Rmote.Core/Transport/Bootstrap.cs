using System.Buffers;
using System.IO.Compression;
using System.IO.Pipelines;
using System.Reflection;
using System.Security.Cryptography;
using System.Text;

namespace Rmote.Transport;

/// <summary>
/// The start (docs/PROTOCOL.md §1): a one-line first stage given to <c>python3 -c</c> reads a small
/// zlib-compressed second stage from stdin and execs it; that reads the compressed runtime which follows,
/// compiles it (through the per-user code cache when allowed) and runs it; the runtime answers with a ready marker.
/// </summary>
internal static class Bootstrap
{
    /// <summary>Safe inside single quotes in sh, bash, dash, zsh and fish: no quote, backslash or dollar.</summary>
    public const string FirstStage = "import sys,zlib;r=sys.stdin.buffer;exec(zlib.decompress(r.read(int(r.read(8),16))))";

    static ReadOnlySpan<byte> Marker => "\nRMOTE-READY/1\n"u8;

    static readonly Lazy<byte[]> WithCodeCache = new(() => BuildPayload(codeCache: true));
    static readonly Lazy<byte[]> WithoutCodeCache = new(() => BuildPayload(codeCache: false));

    /// <summary>
    /// The bytes written to the interpreter's stdin: the second stage and then the runtime, each as 8 hex digits
    /// of length and the zlib-compressed source.
    /// </summary>
    public static byte[] Payload(bool codeCache) => (codeCache ? WithCodeCache : WithoutCodeCache).Value;

    /// <summary>Size of both compressed stages in bytes.</summary>
    public static int CompressedRuntimeSize => Payload(codeCache: true).Length - 16;

    /// <summary>
    /// The interpreter arguments that run the first stage: isolated (-I), and without the site module (-S),
    /// which on a distribution Python costs a third of the interpreter's start (.pth files of site-packages);
    /// the runtime adds site-packages on the first import the standard library cannot satisfy.
    /// </summary>
    public static string[] InterpreterArguments => ["-I", "-S", "-c", FirstStage];

    /// <summary>The interpreter arguments as the remote shell sees them (the first stage inside single quotes).</summary>
    public static string ShellArguments => "-I -S -c '" + FirstStage + "'";

    static byte[] BuildPayload(bool codeCache)
    {
        var runtime = Encoding.UTF8.GetBytes(WithoutProse(EmbeddedPython.Read("runtime.py")));
        var loader = WithoutProse(EmbeddedPython.Read("loader.py"))
            .Replace("\"@CODE_CACHE@\"", codeCache ? "\"\"" : "None", StringComparison.Ordinal)
            .Replace("@RUNTIME_KEY@", Convert.ToHexStringLower(SHA256.HashData(runtime))[..16], StringComparison.Ordinal);
        using var output = new MemoryStream();
        WriteCompressed(output, Encoding.UTF8.GetBytes(loader));
        WriteCompressed(output, runtime);
        return output.ToArray();
    }

    /// <summary>
    /// The source with comment lines and docstrings blanked, line numbers kept: a quarter fewer bytes to send
    /// (the bootstrap stays under 16 KiB) and to compile. A docstring is a line opening with three double quotes
    /// right after a line ending with ':' (or first in the file); it becomes <c>pass</c>, as it may be a whole body
    /// (blank at module level, where a <c>pass</c> would come before the <c>__future__</c> imports).
    /// </summary>
    internal static string WithoutProse(string source)
    {
        var lines = source.Split('\n');
        var previous = ":";
        for (var i = 0; i < lines.Length; i++)
        {
            var text = lines[i].Trim();
            if (text.StartsWith("\"\"\"", StringComparison.Ordinal) && previous.EndsWith(':'))
            {
                var end = i;
                if (text.Length < 6 || !text.EndsWith("\"\"\"", StringComparison.Ordinal))
                    while (end + 1 < lines.Length && !lines[++end].Contains("\"\"\"", StringComparison.Ordinal)) { }
                var indent = lines[i][..(lines[i].Length - lines[i].TrimStart().Length)];
                for (var k = i; k <= end; k++) lines[k] = "";
                lines[i] = indent.Length == 0 ? "" : indent + "pass";   // a module's docstring: a pass there would come before its __future__ imports
                i = end;
                previous = "pass";
            }
            else if (text.StartsWith('#'))
                lines[i] = "";
            else if (text.Length > 0)
                previous = text;
        }
        return string.Join('\n', lines);
    }

    static void WriteCompressed(MemoryStream output, byte[] source)
    {
        var start = output.Position;
        output.Write(new byte[8]);
        using (var z = new ZLibStream(output, CompressionLevel.SmallestSize, leaveOpen: true))
            z.Write(source);
        var end = output.Position;
        output.Position = start;
        output.Write(Encoding.ASCII.GetBytes((end - start - 8).ToString("x8", System.Globalization.CultureInfo.InvariantCulture)));
        output.Position = end;
    }

    /// <summary>Skips banner bytes until the ready marker, at most <paramref name="maxBannerBytes"/> of them; returns what was skipped.</summary>
    public static async Task<string> WaitForMarkerAsync(PipeReader reader, int maxBannerBytes, CancellationToken cancellationToken)
    {
        while (true)
        {
            var result = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            var buffer = result.Buffer;
            var sequenceReader = new SequenceReader<byte>(buffer);
            if (sequenceReader.TryReadTo(out ReadOnlySequence<byte> banner, Marker, advancePastDelimiter: true))
            {
                // Decoded before AdvanceTo: that returns the banner's segments to the pool, and a banner of more
                // than one segment read afterwards walked recycled memory (a 200 KB banner hung and grew to GBs).
                var text = Encoding.UTF8.GetString(banner);
                reader.AdvanceTo(sequenceReader.Position);
                return text;
            }
            if (buffer.Length > maxBannerBytes + Marker.Length)
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
        // python/tools/ holds the tools; python/rmote/ the runtime, its loader and the modules tools import.
        var assembly = Assembly.GetExecutingAssembly();
        using var stream = assembly.GetManifestResourceStream("Rmote.python.tools." + fileName)
            ?? assembly.GetManifestResourceStream("Rmote.python." + fileName)
            ?? throw new InvalidOperationException($"embedded Python source '{fileName}' is missing from Rmote.Core");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return reader.ReadToEnd();
    }
}
