namespace Rmote.TestRig;

/// <summary>Facts about the test build itself, for tests that pack or run the repository's projects.</summary>
public static class TestBuild
{
    /// <summary>Release under build/test.sh, Debug from an IDE: the configuration the running test assembly was built in.</summary>
    public static string Configuration { get; } =
        AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";
}
