using System.Text.RegularExpressions;

namespace Rmote.Operations;

/// <summary>
/// Secret values, looked up by name on the controller: in its environment first, then in a secrets file of
/// <c>NAME=VALUE</c> lines (as dotenv tools do: the environment wins). A front end only ever holds the name: an
/// MSBuild task parameter, item metadata or property is recorded by <c>-bl</c> binlogs and diagnostic logs, an
/// environment variable that no property reads is not. Errors name the variable and the fix, never a value.
/// </summary>
public static partial class SecretSource
{
    /// <summary>
    /// The value of each of <paramref name="names"/>, by name.
    /// </summary>
    /// <param name="names">Environment variable names (<c>API_TOKEN</c>).</param>
    /// <param name="secretsFile">A local file of <c>NAME=VALUE</c> lines (null: the environment only); it must not be readable by group or others.</param>
    /// <param name="localFolder">The folder a relative <paramref name="secretsFile"/> is resolved against.</param>
    /// <param name="parameter">The parameter the names came from, for errors.</param>
    /// <exception cref="ArgumentException">A name that is not one (a <c>NAME=VALUE</c> pair above all), a variable set nowhere, or a bad secrets file.</exception>
    public static IReadOnlyDictionary<string, string> Resolve(IEnumerable<string> names, string? secretsFile, string localFolder, string parameter)
    {
        ArgumentNullException.ThrowIfNull(names);
        var wanted = names.Select(n => ValidateName(n, parameter)).Distinct(StringComparer.Ordinal).ToList();
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        if (wanted.Count == 0) return values;
        var file = StepInputs.LocalPath(secretsFile, localFolder) is { } path ? ReadFile(path, secretsFile!) : null;
        foreach (var name in wanted)
            values[name] = Environment.GetEnvironmentVariable(name) is { Length: > 0 } v ? v
                : file != null && file.TryGetValue(name, out var f) && f.Length > 0 ? f
                : throw new ArgumentException(Missing(name, parameter, secretsFile), parameter);
        return values;
    }

    /// <summary>
    /// <paramref name="name"/> trimmed, when it is an environment variable name (letters, digits and <c>_</c>, not starting
    /// with a digit). A <c>NAME=VALUE</c> pair is refused with the new form; anything else is refused without being quoted,
    /// since a value given where a name belongs is exactly the text that must not reach a log.
    /// </summary>
    public static string ValidateName(string? name, string parameter)
    {
        var n = name?.Trim() ?? "";
        if (VariableName().IsMatch(n)) return n;
        var eq = n.IndexOf('=', StringComparison.Ordinal);
        if (eq > 0 && VariableName().IsMatch(n[..eq].Trim()))
        {
            var left = n[..eq].Trim();
            throw new ArgumentException($"{parameter}: '{left}=...' gives a secret's value, and a value in a parameter is exactly what binlogs and diagnostic logs "
                + $"record. Give the name only ({parameter}=\"{left}\") and set {left} in the environment of the build (export {left}=..., or the CI's secret "
                + $"store), or put a line {left}=... in SecretsFile.", parameter);
        }
        throw new ArgumentException($"{parameter}: an entry is not an environment variable name (letters, digits and '_', not starting with a digit). "
            + "Give the NAME of the variable that holds the secret, never the secret itself (the entry is not repeated here in case it is one).", parameter);
    }

    static string Missing(string name, string parameter, string? secretsFile) =>
        $"{parameter}: the environment variable '{name}' is not set on the controller (the machine running the build)"
        + (secretsFile != null ? $" nor in SecretsFile '{secretsFile}'" : "")
        + $". Set it before the build runs (export {name}=..., or the CI's secret store)"
        + (secretsFile != null ? $", or add a line {name}=... to '{secretsFile}'" : ", or name a SecretsFile holding a line " + name + "=...")
        + "; it is read by name so that its value never becomes a parameter, a property or log text.";

    /// <summary>The <c>NAME=VALUE</c> lines of a secrets file (blank lines and <c># comments</c> skipped; the value is the rest of the line, as written).</summary>
    static Dictionary<string, string> ReadFile(string path, string given)
    {
        if (!File.Exists(path)) throw new ArgumentException($"SecretsFile '{given}' does not exist ({path}).", "SecretsFile");
        // As ssh does for private keys: a file others can read is a leaked secret, refused before it is used.
        if (!OperatingSystem.IsWindows() && (File.GetUnixFileMode(path) & (UnixFileMode)0b000_111_111) != 0)
            throw new ArgumentException($"SecretsFile '{given}' is readable or writable by group or others (mode {StepInputs.FormatMode(File.GetUnixFileMode(path))}); "
                + $"make it private: chmod 600 '{path}'.", "SecretsFile");
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        var number = 0;
        foreach (var raw in File.ReadLines(path))
        {
            number++;
            var line = raw.TrimEnd('\r');
            if (line.Trim().Length == 0 || line.TrimStart().StartsWith('#')) continue;
            var eq = line.IndexOf('=', StringComparison.Ordinal);
            var name = eq > 0 ? line[..eq].Trim() : "";
            if (name.StartsWith("export ", StringComparison.Ordinal)) name = name[7..].Trim();
            // The line is not quoted: it may hold a value.
            if (!VariableName().IsMatch(name))
                throw new ArgumentException($"SecretsFile '{given}' line {number} is not NAME=VALUE (NAME: letters, digits and '_').", "SecretsFile");
            values[name] = line[(eq + 1)..];
        }
        return values;
    }

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*$")]
    private static partial Regex VariableName();
}
