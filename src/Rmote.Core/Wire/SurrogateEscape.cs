using System.Text;

namespace Rmote.Wire;

/// <summary>
/// Python's <c>surrogateescape</c> in .NET: a byte that is not part of valid UTF-8 (a file name from a
/// Latin-1 system) becomes the lone surrogate U+DC80..U+DCFF, and back. The host reads and writes names the
/// same way, so such a name crosses the wire and lands byte-exact.
/// </summary>
internal static class SurrogateEscape
{
    /// <summary>True when <paramref name="text"/> holds a surrogate that is not half of a valid pair.</summary>
    public static bool HasLoneSurrogate(ReadOnlySpan<char> text)
    {
        var i = text.IndexOfAnyInRange('\uD800', '\uDFFF');
        if (i < 0) return false;
        for (; i < text.Length; i++)
        {
            if (!char.IsSurrogate(text[i])) continue;
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1])) { i++; continue; }
            return true;
        }
        return false;
    }

    /// <summary>Decodes UTF-8, each byte of an invalid sequence as U+DC00 + byte (ASCII is always valid).</summary>
    public static string Decode(ReadOnlySpan<byte> bytes)
    {
        if (System.Text.Unicode.Utf8.IsValid(bytes)) return Encoding.UTF8.GetString(bytes);
        var sb = new StringBuilder(bytes.Length);
        while (!bytes.IsEmpty)
        {
            if (System.Text.Rune.DecodeFromUtf8(bytes, out var rune, out var n) == System.Buffers.OperationStatus.Done)
            {
                sb.Append(rune.ToString());
            }
            else
            {
                for (var k = 0; k < n; k++) sb.Append((char)(0xDC00 + bytes[k]));
            }
            bytes = bytes[n..];
        }
        return sb.ToString();
    }

    /// <summary>The bytes <see cref="Decode"/> read: lone U+DC80..U+DCFF become their byte again.</summary>
    public static byte[] Encode(string text)
    {
        if (!HasLoneSurrogate(text)) return Encoding.UTF8.GetBytes(text);
        var bytes = new List<byte>(text.Length + 8);
        Span<byte> buffer = stackalloc byte[4];
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                var n = new System.Text.Rune(c, text[++i]).EncodeToUtf8(buffer);
                bytes.AddRange(buffer[..n]);
            }
            else if (c is >= '\uDC80' and <= '\uDCFF')
            {
                bytes.Add((byte)(c - 0xDC00));
            }
            else if (char.IsSurrogate(c))
            {
                throw new ArgumentException($"'{Escaped(text)}' holds a lone surrogate U+{(int)c:X4} that stands for no byte.");
            }
            else
            {
                var n = new System.Text.Rune(c).EncodeToUtf8(buffer);
                bytes.AddRange(buffer[..n]);
            }
        }
        return [.. bytes];
    }

    /// <summary>The text for messages: each escaped byte shown as <c>\xNN</c>.</summary>
    public static string Escaped(string text)
    {
        if (!HasLoneSurrogate(text)) return text;
        var sb = new StringBuilder(text.Length + 8);
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1])) sb.Append(c).Append(text[++i]);
            else if (char.IsSurrogate(c)) sb.Append(c is >= '\uDC80' and <= '\uDCFF' ? $"\\x{c - 0xDC00:x2}" : $"\\u{(int)c:x4}");
            else sb.Append(c);
        }
        return sb.ToString();
    }
}
