namespace Rmote;

/// <summary>Formats remote errors the same way for every exception type.</summary>
internal static class RemoteErrorText
{
    public static string Message(RemoteErrorInfo info, string host) =>
        string.IsNullOrEmpty(info.Message) ? $"[{host}] {info.Type}" : $"[{host}] {info.Type}: {info.Message}";

    /// <summary>The last <paramref name="lines"/> lines of a text.</summary>
    public static string Tail(string text, int lines)
    {
        var all = text.TrimEnd().Split('\n');
        return string.Join('\n', all.Skip(Math.Max(0, all.Length - lines)));
    }

    public static string WithTraceback(string text, RemoteErrorInfo info) =>
        string.IsNullOrEmpty(info.Traceback) ? text : text + Environment.NewLine + "--- remote traceback ---" + Environment.NewLine + info.Traceback.TrimEnd();
}
