namespace Rmote.Operations.Tests;

/// <summary>
/// Output lines read as MSBuild's Exec reads them: the canonical error format, then the custom expressions, which win.
/// The same rules serve MSBuild, Cake and Nuke (they run in FleetOperations.ExecAsync).
/// </summary>
public sealed class ExecOutputRulesTests
{
    static ExecOutputRules Rules(bool ignoreFormat = false, string? error = null, string? warning = null) => ExecOutputRules.For(new ExecRequest
    {
        ShellCommand = "x", IgnoreStandardErrorWarningFormat = ignoreFormat, CustomErrorRegularExpression = error, CustomWarningRegularExpression = warning,
    });

    [Theory]
    [InlineData("error XX1234: the database is not reachable", OutputSeverity.Error, "XX1234", null, 0, 0, "the database is not reachable")]
    [InlineData("migrate : warning MIG0002: column dropped", OutputSeverity.Warning, "MIG0002", "migrate", 0, 0, "column dropped")]
    [InlineData("src/app.cs(12,5): error CS1002: ; expected", OutputSeverity.Error, "CS1002", "src/app.cs", 12, 5, "; expected")]
    [InlineData("  Main.cs(17,20):Command line warning CS0168: unused", OutputSeverity.Warning, "CS0168", "Main.cs", 17, 20, "unused")]
    [InlineData("tool: ERROR: no code here", OutputSeverity.Error, null, "tool", 0, 0, "no code here")]
    [InlineData("err.cpp:6:3: error: use of undeclared identifier", OutputSeverity.Error, null, "err.cpp", 6, 3, "use of undeclared identifier")]
    public void Canonical_lines_are_errors_and_warnings_with_their_parts(string line, OutputSeverity severity, string? code, string? file, int l, int c, string text)
    {
        var d = Rules().Classify(line);
        Assert.NotNull(d);
        Assert.Equal((severity, code, file, l, c, text, false), (d.Severity, d.Code, d.File, d.Line, d.Column, d.Text, d.Custom));
    }

    [Theory]
    [InlineData("Build succeeded: 0 errors, 0 warnings")]
    [InlineData("errors: none")]
    [InlineData("restarting app.service")]
    [InlineData("the error log is at /var/log/app.log")]
    public void Ordinary_lines_stay_output(string line) => Assert.Null(Rules().Classify(line));

    [Fact]
    public void Ignoring_the_format_makes_canonical_lines_output_and_custom_expressions_still_apply()
    {
        Assert.Null(Rules(ignoreFormat: true).Classify("error XX1234: boom"));
        var rules = Rules(ignoreFormat: true, error: "^FATAL\\b", warning: "^(WARN|FATAL)");
        Assert.Equal(new OutputDiagnostic(OutputSeverity.Error, "FATAL disk full") { Custom = true }, rules.Classify("FATAL disk full"));
        Assert.Equal(new OutputDiagnostic(OutputSeverity.Warning, "WARN slow") { Custom = true }, rules.Classify("WARN slow"));
        Assert.Null(rules.Classify("INFO fine"));
    }
}
