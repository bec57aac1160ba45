namespace Rmote.Operations.Tests;

/// <summary>The parsing every front end's parameters go through (MSBuild, Cake and Nuke alike): one set of rules, one exception type.</summary>
public sealed class StepInputsTests
{
    [Theory]
    [InlineData("0644", UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead)]
    [InlineData("755", UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
        | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute)]
    [InlineData(" 0o640 ", UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead)]
    [InlineData("0O600", UnixFileMode.UserRead | UnixFileMode.UserWrite)]
    [InlineData("4755", UnixFileMode.SetUser | UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
        | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute)]
    public void An_octal_mode_parses_in_every_spelling_a_build_script_uses(string text, UnixFileMode expected) =>
        Assert.Equal(expected, StepInputs.ParseMode(text, "FileMode"));

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("  ")]
    public void No_mode_means_the_default(string? text) => Assert.Null(StepInputs.ParseMode(text, "FileMode"));

    [Theory]
    [InlineData("0x644")]
    [InlineData("0648")]
    [InlineData("12345")]
    [InlineData("0o")]
    [InlineData("rw-r--r--")]
    public void A_mode_that_is_not_octal_is_an_argument_error_naming_the_parameter(string text)
    {
        var e = Assert.Throws<ArgumentException>(() => StepInputs.ParseMode(text, "DirectoryMode"));
        Assert.Equal($"DirectoryMode '{text}' is not an octal mode: give 3 or 4 octal digits, such as 0644 (rw-r--r--) or 0600 (rw-------). (Parameter 'DirectoryMode')", e.Message);
        Assert.Equal("DirectoryMode", e.ParamName);
    }

    [Theory]
    [InlineData("u=rw", "0600")]
    [InlineData("u=rw,g=r,o=", "0640")]
    [InlineData("a=rx,u=rwx", "0755")]
    [InlineData("=r", "0444")]
    public void A_symbolic_mode_is_refused_with_its_octal_form_as_the_fix(string text, string octal)
    {
        var e = Assert.Throws<ArgumentException>(() => StepInputs.ParseMode(text, "FileMode"));
        Assert.Equal($"FileMode '{text}' is not an octal mode: write FileMode=\"{octal}\" (the octal form of {text}). (Parameter 'FileMode')", e.Message);
    }

    [Theory]
    [InlineData("app --port 80", new[] { "app", "--port", "80" })]
    [InlineData("  app\t--a   --b  ", new[] { "app", "--a", "--b" })]
    [InlineData("echo 'a b'  \"c d\"", new[] { "echo", "a b", "c d" })]
    [InlineData("echo 'it''s'", new[] { "echo", "its" })]
    [InlineData("echo \"say \\\"hi\\\"\" \\$HOME", new[] { "echo", "say \"hi\"", "$HOME" })]
    [InlineData("echo a\\ b", new[] { "echo", "a b" })]
    [InlineData("echo '' \"\"", new[] { "echo", "", "" })]
    [InlineData("echo '$HOME' \"$HOME\" *", new[] { "echo", "$HOME", "$HOME", "*" })]
    [InlineData("echo \"a\\nb\"", new[] { "echo", "a\\nb" })]
    [InlineData("pre'quoted'post", new[] { "prequotedpost" })]
    public void A_command_line_splits_like_a_posix_shell_would_without_expanding_anything(string line, string[] argv) =>
        Assert.Equal(argv, StepInputs.SplitCommandLine(line, "Command"));

    [Theory]
    [InlineData("echo 'open", "Command 'echo 'open' has an unclosed ' quote.")]
    [InlineData("echo \"open", "Command 'echo \"open' has an unclosed \" quote.")]
    [InlineData("echo end\\", "Command 'echo end\\' ends with a lone backslash.")]
    [InlineData("   ", "Command is empty: give a program and its arguments.")]
    public void A_command_line_that_does_not_split_is_an_argument_error(string line, string message)
    {
        var e = Assert.Throws<ArgumentException>(() => StepInputs.SplitCommandLine(line, "Command"));
        Assert.StartsWith(message, e.Message);
    }

    [Fact]
    public void A_local_path_expands_the_home_folder_once_and_resolves_against_the_given_folder()
    {
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        Assert.Equal(Path.Combine(home, ".ssh", "id_ed25519"), StepInputs.LocalPath("~/.ssh/id_ed25519", "/work/project"));
        Assert.Equal(home, StepInputs.LocalPath("~", "/work/project"));
        Assert.Equal("/work/project/publish", StepInputs.LocalPath("publish", "/work/project"));
        Assert.Equal("/work/publish", StepInputs.LocalPath(" ../publish ", "/work/project"));
        Assert.Equal("/abs/file", StepInputs.LocalPath("/abs/file", "/work/project"));
        Assert.Equal("/work/project/~user/x", StepInputs.LocalPath("~user/x", "/work/project")); // another user's ~ is not ours to expand
        Assert.Null(StepInputs.LocalPath(" ", "/work/project"));
    }

    [Theory]
    [InlineData(null, Fleet.FailurePolicy.Continue, 0)]
    [InlineData("continue", Fleet.FailurePolicy.Continue, 0)]
    [InlineData("StopOnFirst", Fleet.FailurePolicy.StopOnFirst, 0)]
    [InlineData("25%", Fleet.FailurePolicy.MaxFailurePercentage, 25)]
    [InlineData(" 12.5% ", Fleet.FailurePolicy.MaxFailurePercentage, 12.5)]
    public void A_failure_policy_parses_from_text(string? text, Fleet.FailurePolicy policy, double percentage) =>
        Assert.Equal((policy, percentage), StepInputs.ParseFailurePolicy(text, "FailurePolicy"));

    [Theory]
    [InlineData("sometimes")]
    [InlineData("120%")]
    public void A_failure_policy_that_does_not_parse_names_the_parameter(string text) =>
        Assert.StartsWith($"FailurePolicy '{text}' is not Continue, StopOnFirst or a percentage such as 25%.",
            Assert.Throws<ArgumentException>(() => StepInputs.ParseFailurePolicy(text, "FailurePolicy")).Message);
}
