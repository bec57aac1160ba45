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

    /// <summary>Adds an environment variable whose value is masked (<c>***</c>) in every log line and error.</summary>
    public static RmoteExecSettings WithSecretEnvironmentVariable(this RmoteExecSettings settings, string name, string value)
    {
        ArgumentNullException.ThrowIfNull(settings);
        settings.EnvironmentVariables[name] = value;
        settings.SecretEnvironmentVariables.Add(name);
        return settings;
    }

    /// <summary>Sets the time limit per host.</summary>
    public static RmoteExecSettings WithTimeout(this RmoteExecSettings settings, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(settings);
        settings.Timeout = timeout;
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
