namespace Rmote.Cake;

/// <summary>Fluent setters of <see cref="RmoteExecSettings"/>.</summary>
public static class RmoteExecSettingsExtensions
{
    /// <summary>Runs the command in this folder on the host.</summary>
    public static RmoteExecSettings WithWorkingDirectory(this RmoteExecSettings settings, string workingDirectory)
    {
        ArgumentNullException.ThrowIfNull(settings);
        settings.WorkingDirectory = workingDirectory;
        return settings;
    }

    /// <summary>Adds an environment variable.</summary>
    public static RmoteExecSettings WithEnvironmentVariable(this RmoteExecSettings settings, string name, string value)
    {
        ArgumentNullException.ThrowIfNull(settings);
        settings.EnvironmentVariables[name] = value;
        return settings;
    }

    /// <summary>
    /// Passes the secret environment variable <paramref name="name"/> of the machine running the script (or of
    /// <see cref="RmoteExecSettings.SecretsFile"/>) to the command, by name; its value is masked (<c>***</c>) in every log line and error.
    /// </summary>
    public static RmoteExecSettings WithSecretEnvironmentVariable(this RmoteExecSettings settings, string name)
    {
        ArgumentNullException.ThrowIfNull(settings);
        settings.SecretEnvironmentVariables.Add(name);
        return settings;
    }

    /// <summary>Reads secrets the environment does not hold from this file of <c>NAME=VALUE</c> lines (mode 0600).</summary>
    public static RmoteExecSettings WithSecretsFile(this RmoteExecSettings settings, string secretsFile)
    {
        ArgumentNullException.ThrowIfNull(settings);
        settings.SecretsFile = secretsFile;
        return settings;
    }

    /// <summary>Sets the time limit per host.</summary>
    public static RmoteExecSettings WithTimeout(this RmoteExecSettings settings, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(settings);
        settings.Timeout = timeout;
        return settings;
    }

    /// <summary>Runs a host's failed command again up to <paramref name="retries"/> times, first after <paramref name="retryDelay"/> (1 s), doubling with jitter.</summary>
    public static RmoteExecSettings WithRetries(this RmoteExecSettings settings, int retries, TimeSpan? retryDelay = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        settings.Retries = retries;
        settings.RetryDelay = retryDelay ?? settings.RetryDelay;
        return settings;
    }

    /// <summary>Does not fail on a non-zero exit code.</summary>
    public static RmoteExecSettings WithIgnoreExitCode(this RmoteExecSettings settings, bool ignore = true)
    {
        ArgumentNullException.ThrowIfNull(settings);
        settings.IgnoreExitCode = ignore;
        return settings;
    }

    /// <summary>Runs the command without a shell (split with shell quoting rules).</summary>
    public static RmoteExecSettings WithNoShell(this RmoteExecSettings settings, bool noShell = true)
    {
        ArgumentNullException.ThrowIfNull(settings);
        settings.NoShell = noShell;
        return settings;
    }

    /// <summary>Does not show the command in logs and errors (its output still shows).</summary>
    public static RmoteExecSettings WithEchoOff(this RmoteExecSettings settings, bool echoOff = true)
    {
        ArgumentNullException.ThrowIfNull(settings);
        settings.EchoOff = echoOff;
        return settings;
    }

    /// <summary>Reads output lines in MSBuild's error format as plain output.</summary>
    public static RmoteExecSettings WithIgnoreStandardErrorWarningFormat(this RmoteExecSettings settings, bool ignore = true)
    {
        ArgumentNullException.ThrowIfNull(settings);
        settings.IgnoreStandardErrorWarningFormat = ignore;
        return settings;
    }

    /// <summary>Output lines matching <paramref name="expression"/> are errors and fail their host.</summary>
    public static RmoteExecSettings WithCustomErrorRegularExpression(this RmoteExecSettings settings, string expression)
    {
        ArgumentNullException.ThrowIfNull(settings);
        settings.CustomErrorRegularExpression = expression;
        return settings;
    }

    /// <summary>Output lines matching <paramref name="expression"/> are warnings.</summary>
    public static RmoteExecSettings WithCustomWarningRegularExpression(this RmoteExecSettings settings, string expression)
    {
        ArgumentNullException.ThrowIfNull(settings);
        settings.CustomWarningRegularExpression = expression;
        return settings;
    }
}
