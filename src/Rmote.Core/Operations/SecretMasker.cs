using System.Globalization;

namespace Rmote.Operations;

/// <summary>
/// Replaces secret values with <c>***</c> in text that may reach a log: output lines, log records and exception
/// messages. A value is masked whole (as given, with LF and with CRLF line ends, and as Python's <c>repr</c> or JSON
/// would quote it), and each line of a multi-line value is masked on its own, since remote output arrives line by
/// line. A line is masked on its own only when it is at least <see cref="MinLineLength"/> characters long (after
/// trimming) and holds a letter or digit: lines such as <c>-----</c>, <c>}</c> or <c>abc</c> would otherwise turn
/// every log into stars. A whole value shorter than 3 characters is not masked at all (the same reason).
/// </summary>
internal sealed class SecretMasker
{
    /// <summary>The shortest line of a multi-line value that is masked on its own.</summary>
    public const int MinLineLength = 4;
    const int MinValueLength = 3;
    const string Stars = "***";

    readonly string[] secrets;
    readonly string replacement;

    public SecretMasker(IEnumerable<string?> values, string replacement = Stars)
    {
        // Longest first, so a secret containing another (a whole value and its lines) is masked whole.
        secrets = values.OfType<string>().SelectMany(Forms).Distinct(StringComparer.Ordinal).OrderByDescending(s => s.Length).ToArray();
        this.replacement = replacement;
    }

    /// <summary>
    /// Hides a command (EchoOff) as MSBuild's <c>Exec</c> does: <c>...</c> in its place, in every form a remote error
    /// quotes it (whole, and shortened to its first 197 characters as the Exec tool does past 200).
    /// </summary>
    public static SecretMasker Hiding(string command) =>
        new(command.Length > 200 ? [command, command[..197]] : [command], "...");

    public static SecretMasker For(ExecRequest r) => new(r.SecretEnvironmentNames
        .Select(n => r.Environment != null && r.Environment.TryGetValue(n, out var v) ? v : null));

    /// <summary>
    /// The values of <paramref name="r"/>'s secret variables as every one of <paramref name="hosts"/> renders them: a secret
    /// name given a value per host or group (<see cref="TemplateRequest.HostVariables"/>) is masked in every host's output.
    /// </summary>
    public static SecretMasker For(TemplateRequest r, IEnumerable<string> hosts) => new(hosts
        .Select(h => (IReadOnlyDictionary<string, object?>)r.HostVariables.For(h, r.Variables)).Prepend(r.Variables)
        .SelectMany(vars => r.SecretVariableNames.Select(n => vars.TryGetValue(n, out var v) ? Text(v) : null)));

    public bool IsEmpty => secrets.Length == 0;

    public string Mask(string text)
    {
        foreach (var s in secrets)
            if (text.Contains(s, StringComparison.Ordinal)) text = text.Replace(s, replacement, StringComparison.Ordinal);
        return text;
    }

    bool Leaks(string? text) => text != null && secrets.Any(s => text.Contains(s, StringComparison.Ordinal));

    /// <summary>
    /// <paramref name="e"/> itself when no secret appears in its message or details, else an exception of the same kind
    /// (remote errors keep their exact type, with every field masked) whose text has the secrets masked. The original
    /// is dropped, not kept as the inner exception, since its text holds the secret.
    /// </summary>
    public Exception Mask(Exception e)
    {
        if (IsEmpty || !Leaks(e.ToString()) && !Leaks(e.Message)) return e;
        return e switch
        {
            IRemoteError r => RemoteErrorMapper.ToException(Mask(r.Info), r.Host),
            OperationCanceledException => new OperationCanceledException(Mask(e.Message)),
            TimeoutException => new TimeoutException(Mask(e.Message)),
            ArgumentException => new ArgumentException(Mask(e.Message)),
            IOException => new IOException(Mask(e.Message)),
            _ => new InvalidOperationException(Mask(e.Message)),
        };
    }

    RemoteErrorInfo Mask(RemoteErrorInfo i) => i with
    {
        Message = Mask(i.Message ?? ""),
        Traceback = Mask(i.Traceback ?? ""),
        Filename = i.Filename is { } f ? Mask(f) : null,
        Cmd = i.Cmd is { } c ? Mask(c) : null,
        Stdout = i.Stdout is { } o ? Mask(o) : null,
        Stderr = i.Stderr is { } s ? Mask(s) : null,
    };

    // A template variable may be a number or a bool: its text (as Python prints it) is what a message would quote.
    // A list or an object has no single text to look for; a secret is a string or a number.
    static string? Text(object? v) => v switch
    {
        string s => s,
        bool b => b ? "True" : "False",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => null,
    };

    static IEnumerable<string> Forms(string value)
    {
        if (value.Length < MinValueLength) yield break;
        var lf = value.Replace("\r\n", "\n", StringComparison.Ordinal);
        foreach (var whole in new[] { value, lf, lf.Replace("\n", "\r\n", StringComparison.Ordinal), lf.Trim() })
        {
            if (whole.Length < MinValueLength) continue;
            yield return whole;
            // Error messages quote values: Python's repr and JSON escape backslashes, line ends and quotes.
            var escaped = whole.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\r", "\\r", StringComparison.Ordinal)
                .Replace("\n", "\\n", StringComparison.Ordinal).Replace("\t", "\\t", StringComparison.Ordinal);
            yield return escaped;
            yield return escaped.Replace("'", "\\'", StringComparison.Ordinal);
            yield return escaped.Replace("\"", "\\\"", StringComparison.Ordinal);
        }
        if (!lf.Contains('\n', StringComparison.Ordinal)) yield break;
        foreach (var line in lf.Split('\n'))
        {
            var t = line.Trim();
            if (t.Length >= MinLineLength && t.Any(char.IsLetterOrDigit)) yield return t;
        }
    }
}
