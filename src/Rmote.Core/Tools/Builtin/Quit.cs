namespace Rmote.Tools;

/// <summary>Ends the remote process (python/tools/quit.py).</summary>
public static class Quit
{
    /// <summary>The tool's Python source, shipped inside Rmote.Core.</summary>
    public static readonly PythonTool Tool = PythonTool.FromResource("Quit", "quit.py");

    /// <summary>Answers, then exits the remote interpreter with the given code; the connection ends right after.</summary>
    public static readonly ToolMethod<int, object?> Exit = Tool.Method<int, object?>("quit");
}
