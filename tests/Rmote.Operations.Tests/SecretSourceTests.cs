namespace Rmote.Operations.Tests;

/// <summary>
/// Secrets by name (issue 18): the one lookup every front end uses. Values come from the controller's environment or a
/// private secrets file; a value given where a name belongs is refused without being quoted.
/// </summary>
public sealed class SecretSourceTests : IDisposable
{
    readonly string dir = Directory.CreateTempSubdirectory("rmote-ops-secrets-").FullName;

    public void Dispose()
    {
        Environment.SetEnvironmentVariable("RMOTE_SECRET_TEST_ENV", null);
        Directory.Delete(dir, true);
    }

    string SecretsFile(string text, UnixFileMode mode = UnixFileMode.UserRead | UnixFileMode.UserWrite)
    {
        var path = Path.Combine(dir, "deploy.secrets");
        File.WriteAllText(path, text);
        File.SetUnixFileMode(path, mode);
        return path;
    }

    [Fact]
    public void A_name_takes_its_value_from_the_environment_first_then_from_the_secrets_file()
    {
        var file = SecretsFile("# comment\n\nRMOTE_SECRET_TEST_ENV=from-file\nexport DB_PASSWORD=p=ss word \n");
        Environment.SetEnvironmentVariable("RMOTE_SECRET_TEST_ENV", "from-env");
        var values = SecretSource.Resolve(["RMOTE_SECRET_TEST_ENV", " DB_PASSWORD "], "deploy.secrets", dir, "SecretEnvironmentVariables");
        Assert.Equal("from-env", values["RMOTE_SECRET_TEST_ENV"]);
        Assert.Equal("p=ss word ", values["DB_PASSWORD"]);
        Environment.SetEnvironmentVariable("RMOTE_SECRET_TEST_ENV", null);
        Assert.Equal("from-file", SecretSource.Resolve(["RMOTE_SECRET_TEST_ENV"], file, "/", "x")["RMOTE_SECRET_TEST_ENV"]);
    }

    [Fact]
    public void A_missing_variable_is_an_error_naming_it_and_the_fix()
    {
        var e = Assert.Throws<ArgumentException>(() => SecretSource.Resolve(["RMOTE_SECRET_TEST_UNSET"], null, dir, "SecretEnvironmentVariables"));
        Assert.StartsWith("SecretEnvironmentVariables: the environment variable 'RMOTE_SECRET_TEST_UNSET' is not set on the controller", e.Message);
        Assert.Contains("export RMOTE_SECRET_TEST_UNSET=...", e.Message);
        var file = SecretsFile("OTHER=1\n");
        e = Assert.Throws<ArgumentException>(() => SecretSource.Resolve(["RMOTE_SECRET_TEST_UNSET"], file, dir, "SecretEnvironmentVariables"));
        Assert.Contains($"nor in SecretsFile '{file}'", e.Message);
        Assert.Contains($"add a line RMOTE_SECRET_TEST_UNSET=... to '{file}'", e.Message);
    }

    [Fact]
    public void The_old_name_equals_value_form_is_refused_with_the_new_form_and_without_the_value()
    {
        var e = Assert.Throws<ArgumentException>(() => SecretSource.Resolve(["API_TOKEN=SUPERSECRET123"], null, dir, "SecretEnvironmentVariables"));
        Assert.StartsWith("SecretEnvironmentVariables: 'API_TOKEN=...' gives a secret's value, and a value in a parameter is exactly what binlogs", e.Message);
        Assert.Contains("Give the name only (SecretEnvironmentVariables=\"API_TOKEN\")", e.Message);
        Assert.DoesNotContain("SUPERSECRET123", e.Message);
        // Something that is no name at all may be a value: it is not repeated.
        e = Assert.Throws<ArgumentException>(() => SecretSource.Resolve(["-----BEGIN KEY----- abc"], null, dir, "SecretVariables"));
        Assert.DoesNotContain("abc", e.Message);
        Assert.Contains("Give the NAME of the variable that holds the secret", e.Message);
    }

    [Fact]
    public void A_secrets_file_others_can_read_or_with_a_bad_line_is_refused_without_quoting_it()
    {
        var open = SecretsFile("A=1\n", UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead);
        var e = Assert.Throws<ArgumentException>(() => SecretSource.Resolve(["A"], open, dir, "x"));
        Assert.Contains("is readable or writable by group or others (mode 0640); make it private: chmod 600", e.Message);
        var bad = SecretsFile("A=1\nhunter2-is-my-password\n");
        e = Assert.Throws<ArgumentException>(() => SecretSource.Resolve(["A"], bad, dir, "x"));
        Assert.Contains("line 2 is not NAME=VALUE (NAME: letters, digits and '_').", e.Message);
        Assert.DoesNotContain("hunter2", e.Message);
    }

    [Fact]
    public void A_step_refuses_a_secret_that_also_has_a_value_and_looks_up_the_rest_by_name()
    {
        Environment.SetEnvironmentVariable("RMOTE_SECRET_TEST_ENV", "tok3n-value");
        var e = Assert.Throws<ArgumentException>(() => StepMapper.Exec(new ExecStep
        {
            Command = "true", EnvironmentVariables = new Dictionary<string, string> { ["RMOTE_SECRET_TEST_ENV"] = "x" }, SecretEnvironmentVariables = ["RMOTE_SECRET_TEST_ENV"],
        }));
        Assert.StartsWith("RMOTE_SECRET_TEST_ENV is in both EnvironmentVariables and SecretEnvironmentVariables", e.Message);
        var t = StepMapper.Template(new TemplateStep
        {
            Template = "${key}", DestinationFile = "/f", SecretVariables = new Dictionary<string, string> { ["key"] = "RMOTE_SECRET_TEST_ENV" },
        }, dir);
        Assert.Equal("tok3n-value", t.Variables["key"]);
        Assert.Equal(["key"], t.SecretVariableNames);
        e = Assert.Throws<ArgumentException>(() => StepMapper.Template(new TemplateStep
        {
            Template = "${key}", DestinationFile = "/f", SecretVariables = new Dictionary<string, string> { ["key"] = "RMOTE_SECRET_TEST_UNSET" },
        }, dir));
        Assert.StartsWith("Secret variable 'key': the environment variable 'RMOTE_SECRET_TEST_UNSET' is not set", e.Message);
    }
}
