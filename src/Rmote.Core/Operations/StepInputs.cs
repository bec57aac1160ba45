using System.Globalization;
using System.Text;

namespace Rmote.Operations;

/// <summary>
/// The parsing every front end needs for its parameters, written once: octal modes, command lines, local paths with
/// <c>~</c>, optional text. Errors are <see cref="ArgumentException"/>s that name the parameter as the user wrote it.
/// </summary>
public static class StepInputs
{
    /// <summary>An octal permission string (<c>"0644"</c>, <c>"755"</c>, <c>"0o640"</c>); null or blank: null.</summary>
    /// <exception cref="ArgumentException">Not 1 to 4 octal digits; the message names <paramref name="parameter"/>.</exception>
    public static UnixFileMode? ParseMode(string? text, string parameter)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        var t = text.Trim();
        if (t.StartsWith("0o", StringComparison.OrdinalIgnoreCase)) t = t[2..];
        if (t.Length is 0 or > 4 || !t.All(c => c is >= '0' and <= '7'))
            throw new ArgumentException(Symbolic(t) is { } octal
                ? $"{parameter} '{text}' is not an octal mode: write {parameter}=\"{FormatMode(octal)}\" (the octal form of {t})."
                : $"{parameter} '{text}' is not an octal mode: give 3 or 4 octal digits, such as 0644 (rw-r--r--) or 0600 (rw-------).", parameter);
        return (UnixFileMode)Convert.ToInt32(t, 8);
    }

    // chmod's absolute symbolic form ("u=rw,g=r,o="), for the fix in the message: who=perms clauses from nothing.
    static UnixFileMode? Symbolic(string text)
    {
        var mode = 0;
        foreach (var clause in text.Split(','))
        {
            var eq = clause.IndexOf('=');
            if (eq < 0 || clause[..eq].Any(c => c is not ('u' or 'g' or 'o' or 'a')) || clause[(eq + 1)..].Any(c => c is not ('r' or 'w' or 'x'))) return null;
            var who = eq == 0 ? "a" : clause[..eq];
            var perms = clause[(eq + 1)..];
            var bits = (perms.Contains('r') ? 4 : 0) | (perms.Contains('w') ? 2 : 0) | (perms.Contains('x') ? 1 : 0);
            foreach (var w in who)
            {
                if (w is 'u' or 'a') mode |= bits << 6;
                if (w is 'g' or 'a') mode |= bits << 3;
                if (w is 'o' or 'a') mode |= bits;
            }
        }
        return (UnixFileMode)mode;
    }

    /// <summary>A mode as the host's tools take it (<c>"0640"</c>).</summary>
    public static string FormatMode(UnixFileMode mode) => "0" + Convert.ToString((int)mode, 8).PadLeft(3, '0');

    /// <summary>
    /// Splits a command line into program and arguments the way a POSIX shell would, without running one: blanks
    /// separate words, <c>'...'</c> keeps everything literally, <c>"..."</c> keeps blanks (a backslash escapes
    /// <c>" \ $ `</c> inside), a backslash outside quotes escapes the next character. Nothing is expanded.
    /// </summary>
    /// <exception cref="ArgumentException">An unclosed quote, a trailing backslash, or no word at all.</exception>
    public static IReadOnlyList<string> SplitCommandLine(string commandLine, string parameter)
    {
        var words = new List<string>();
        var word = new StringBuilder();
        var inWord = false;
        for (var i = 0; i < commandLine.Length; i++)
        {
            var c = commandLine[i];
            switch (c)
            {
                case ' ' or '\t' or '\n' or '\r':
                    if (inWord) { words.Add(word.ToString()); word.Clear(); inWord = false; }
                    continue;
                case '\'':
                    var close = commandLine.IndexOf('\'', i + 1);
                    if (close < 0) throw Unclosed(parameter, commandLine, "'");
                    word.Append(commandLine, i + 1, close - i - 1);
                    i = close;
                    break;
                case '"':
                    for (i++; ; i++)
                    {
                        if (i >= commandLine.Length) throw Unclosed(parameter, commandLine, "\"");
                        if (commandLine[i] == '"') break;
                        if (commandLine[i] == '\\' && i + 1 < commandLine.Length && commandLine[i + 1] is '"' or '\\' or '$' or '`') i++;
                        word.Append(commandLine[i]);
                    }
                    break;
                case '\\':
                    if (++i >= commandLine.Length) throw new ArgumentException($"{parameter} '{commandLine}' ends with a lone backslash.", parameter);
                    word.Append(commandLine[i]);
                    break;
                default:
                    word.Append(c);
                    break;
            }
            inWord = true;
        }
        if (inWord) words.Add(word.ToString());
        return words.Count > 0 ? words : throw new ArgumentException($"{parameter} is empty: give a program and its arguments.", parameter);
    }

    static ArgumentException Unclosed(string parameter, string commandLine, string quote) =>
        new($"{parameter} '{commandLine}' has an unclosed {quote} quote.", parameter);

    /// <summary>
    /// A local path made absolute: a leading <c>~</c> or <c>~/</c> is the user's home folder, a relative path is
    /// relative to <paramref name="baseFolder"/> (the project or script folder). Null or blank: null.
    /// </summary>
    public static string? LocalPath(string? path, string baseFolder)
    {
        if (string.IsNullOrWhiteSpace(path)) return null;
        path = path.Trim();
        if (path == "~" || path.StartsWith("~/", StringComparison.Ordinal))
            path = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), path.Length > 2 ? path[2..] : "");
        return Path.GetFullPath(path, baseFolder);
    }

    /// <summary>
    /// A path on the hosts, by the one rule of every remote path parameter: an absolute path stays as it is; <c>~</c>
    /// and <c>~/...</c> are the login user's home folder, on purpose; a relative path is under
    /// <paramref name="deployFolder"/> (<c>eco/rel.conf</c> with deploy folder <c>/srv/app</c> is <c>/srv/app/eco/rel.conf</c>).
    /// Without a deploy folder a relative path is refused: the host would put it under the login user's home folder,
    /// where nobody looks. Null or blank: null.
    /// </summary>
    /// <exception cref="ArgumentException">
    /// The path holds a NUL or starts with <c>~name</c>, it is relative with no deploy folder, or the deploy folder is
    /// itself relative; the message names <paramref name="parameter"/> as the user wrote it, and the fix.
    /// </exception>
    public static string? RemotePath(string? path, string parameter, string? deployFolder)
    {
        if (Text(path) is not { } p) return null;
        if (p.Contains('\0', StringComparison.Ordinal)) throw new ArgumentException($"{parameter} contains a NUL character.", parameter);
        if (p.StartsWith('/') || p == "~" || p.StartsWith("~/", StringComparison.Ordinal)) return p;
        if (p.StartsWith('~'))
            throw new ArgumentException($"{parameter} '{p}': only ~/ (the login user's home folder) is expanded on the hosts. Give an absolute path.", parameter);
        if (Text(deployFolder) is not { } folder)
            throw new ArgumentException($"{parameter} '{p}' is a relative path and there is no deploy folder to put it under (the host would "
                + $"write it under the login user's home folder). Give an absolute path (such as /srv/app/{p}), ~/{p} to mean the home folder, "
                + "or set DeployFolder (MSBuild: $(RmoteDeployFolder), or RmoteHost metadata DeployFolder).", parameter);
        if (!folder.StartsWith('/') && folder != "~" && !folder.StartsWith("~/", StringComparison.Ordinal))
            throw new ArgumentException($"DeployFolder '{folder}' must be an absolute path on the hosts (or start with ~/): {parameter} '{p}' is resolved against it.", "DeployFolder");
        return Join(folder, p);
    }

    // Lexical: "." and ".." of the relative part are resolved so logs show where the file goes.
    static string Join(string folder, string relative)
    {
        var parts = new List<string>(folder.Split('/'));
        foreach (var part in relative.Split('/'))
        {
            if (part is "" or ".") continue;
            if (part == ".." && parts.Count > 1 && parts[^1] is not ("" or "~" or "..")) parts.RemoveAt(parts.Count - 1);
            else if (part != "..") parts.Add(part);
        }
        var joined = string.Join('/', parts.Where((x, i) => i == 0 || x.Length > 0));
        return joined.Length == 0 ? "/" : joined;
    }

    /// <summary>Trimmed text, or null for null or blank.</summary>
    public static string? Text(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    /// <summary>Milliseconds as a duration (null when 0 or less: none), as MSBuild parameters give time limits.</summary>
    public static TimeSpan? Milliseconds(int ms) => ms > 0 ? TimeSpan.FromMilliseconds(ms) : null;

    /// <summary>
    /// A failure policy as text: <c>Continue</c> (or empty), <c>StopOnFirst</c>, or a percentage such as <c>25%</c>.
    /// </summary>
    public static (Fleet.FailurePolicy Policy, double Percentage) ParseFailurePolicy(string? text, string parameter)
    {
        var p = text?.Trim();
        if (string.IsNullOrEmpty(p) || p.Equals("Continue", StringComparison.OrdinalIgnoreCase)) return (Fleet.FailurePolicy.Continue, 0);
        if (p.Equals("StopOnFirst", StringComparison.OrdinalIgnoreCase)) return (Fleet.FailurePolicy.StopOnFirst, 0);
        if (p.EndsWith('%') && double.TryParse(p[..^1], NumberStyles.Float, CultureInfo.InvariantCulture, out var pct) && pct is >= 0 and <= 100)
            return (Fleet.FailurePolicy.MaxFailurePercentage, pct);
        throw new ArgumentException($"{parameter} '{text}' is not Continue, StopOnFirst or a percentage such as 25%.", parameter);
    }
}
