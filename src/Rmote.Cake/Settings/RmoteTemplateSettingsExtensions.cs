namespace Rmote.Cake;

/// <summary>Fluent setters of <see cref="RmoteTemplateSettings"/>.</summary>
public static class RmoteTemplateSettingsExtensions
{
    /// <summary>Sets a template variable.</summary>
    public static RmoteTemplateSettings WithVariable(this RmoteTemplateSettings settings, string name, object? value)
    {
        ArgumentNullException.ThrowIfNull(settings);
        settings.Variables[name] = value;
        return settings;
    }

    /// <summary>Sets a variable of one host (named as in the hosts argument, or by its label); it wins over its groups' and the step's.</summary>
    /// <example><code>new RmoteTemplateSettings().WithHostVariable("deploy@web01", "Role", "api")</code></example>
    public static RmoteTemplateSettings WithHostVariable(this RmoteTemplateSettings settings, string host, string name, object? value)
    {
        ArgumentNullException.ThrowIfNull(settings);
        settings.HostVariables = settings.HostVariables.WithHostVariable(host, name, value);
        return settings;
    }

    /// <summary>Adds a host to groups (a later group's variables win over an earlier one's).</summary>
    public static RmoteTemplateSettings WithHostGroups(this RmoteTemplateSettings settings, string host, params string[] groups)
    {
        ArgumentNullException.ThrowIfNull(settings);
        settings.HostVariables = settings.HostVariables.WithHostGroups(host, groups);
        return settings;
    }

    /// <summary>Sets a variable of every host in a group.</summary>
    public static RmoteTemplateSettings WithGroupVariable(this RmoteTemplateSettings settings, string group, string name, object? value)
    {
        ArgumentNullException.ThrowIfNull(settings);
        settings.HostVariables = settings.HostVariables.WithGroupVariable(group, name, value);
        return settings;
    }

    /// <summary>
    /// Sets a secret template variable whose value is the environment variable <paramref name="environmentVariable"/> of
    /// the machine running the script (or its <see cref="RmoteTemplateSettings.SecretsFile"/> line), read by name; it is
    /// masked in every error and log text, and the file defaults to mode 0600.
    /// </summary>
    public static RmoteTemplateSettings WithSecretVariable(this RmoteTemplateSettings settings, string name, string environmentVariable)
    {
        ArgumentNullException.ThrowIfNull(settings);
        settings.SecretVariables[name] = environmentVariable;
        return settings;
    }

    /// <summary>Reads secrets the environment does not hold from this file of <c>NAME=VALUE</c> lines (mode 0600).</summary>
    public static RmoteTemplateSettings WithSecretsFile(this RmoteTemplateSettings settings, string secretsFile)
    {
        ArgumentNullException.ThrowIfNull(settings);
        settings.SecretsFile = secretsFile;
        return settings;
    }

    /// <summary>Sets the written file's mode (octal, <c>"0644"</c>).</summary>
    public static RmoteTemplateSettings WithFileMode(this RmoteTemplateSettings settings, string fileMode)
    {
        ArgumentNullException.ThrowIfNull(settings);
        settings.FileMode = fileMode;
        return settings;
    }

    /// <summary>Sets the written file's owner and, optionally, group.</summary>
    public static RmoteTemplateSettings WithOwner(this RmoteTemplateSettings settings, string owner, string? group = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        settings.Owner = owner;
        settings.Group = group ?? settings.Group;
        return settings;
    }
}
