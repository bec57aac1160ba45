namespace Rmote.MSBuild;

/// <summary>
/// Secret values read from the build's own environment by variable name. A task parameter, an item's metadata and a
/// property are recorded by diagnostic logs and binlogs; an environment variable that no property reads is not, so a
/// secret given by name never becomes log or binlog content.
/// </summary>
internal static class SecretValues
{
    /// <summary>The value of environment variable <paramref name="name"/>, or an error naming it and <paramref name="parameter"/> (never a value).</summary>
    public static string FromEnvironment(string name, string parameter)
    {
        name = name.Trim();
        if (name.Length == 0 || name.Contains('=', StringComparison.Ordinal))
            throw new ArgumentException($"{parameter}: '{name}' is not an environment variable name.");
        return Environment.GetEnvironmentVariable(name) is { Length: > 0 } value
            ? value
            : throw new ArgumentException($"{parameter}: the environment variable '{name}' is not set in the build's environment; set it before running msbuild "
                + "(it is read by name so that its value never becomes a logged task parameter).");
    }
}
