using System.Net.Sockets;
using Microsoft.Build.Framework;

namespace Rmote.MSBuild.Server;

/// <summary>
/// The frames between a build and its build server, over a Unix socket, written with <see cref="BinaryWriter"/>.
/// Build to server: a request (<see cref="Run"/>, <see cref="EndBuild"/> or <see cref="Stop"/>), then for a run
/// <see cref="Go"/> once the server has accepted, and <see cref="Cancel"/> at any time. Server to build: <see cref="Accepted"/>
/// or <see cref="Refused"/>, then the task's log events, <see cref="Heartbeat"/>s while it runs, and <see cref="Done"/>.
/// </summary>
internal static class TaskFrames
{
    /// <summary>The first bytes of every request: another program that finds the socket gets nowhere.</summary>
    public const string Magic = "RMBS1";

    public const byte Run = 1, EndBuild = 2, Stop = 3, Go = 4, Cancel = 5;
    public const byte Accepted = 10, Refused = 11, Error = 12, Warning = 13, Message = 14, Heartbeat = 15, Done = 16;

    /// <summary>How often a running task's server says it is alive, and how long a build waits without hearing it.</summary>
    public static readonly TimeSpan HeartbeatInterval = TimeSpan.FromSeconds(5), Silence = TimeSpan.FromSeconds(60);

    public static void WriteNullable(this BinaryWriter w, string? s)
    {
        w.Write(s != null);
        if (s != null) w.Write(s);
    }

    public static string? ReadNullable(this BinaryReader r) => r.ReadBoolean() ? r.ReadString() : null;

    /// <summary>A log event as the task raised it; <see cref="ReadEvent"/> raises the same on the build's engine.</summary>
    public static void WriteEvent(BinaryWriter w, BuildEventArgs e)
    {
        switch (e)
        {
            case BuildErrorEventArgs x:
                WriteDiagnostic(w, Error, x.Subcategory, x.Code, x.File, (x.LineNumber, x.ColumnNumber, x.EndLineNumber, x.EndColumnNumber), x.HelpKeyword, x.HelpLink);
                break;
            case BuildWarningEventArgs x:
                WriteDiagnostic(w, Warning, x.Subcategory, x.Code, x.File, (x.LineNumber, x.ColumnNumber, x.EndLineNumber, x.EndColumnNumber), x.HelpKeyword, x.HelpLink);
                break;
            case BuildMessageEventArgs x:
                w.Write(Message);
                WritePosition(w, x.Subcategory, x.Code, x.File, x.LineNumber, x.ColumnNumber, x.EndLineNumber, x.EndColumnNumber);
                w.Write((int)x.Importance);
                w.WriteNullable((x as ExtendedBuildMessageEventArgs)?.ExtendedType);
                break;
            default:
                // A custom event carries types of its own: its text, as a low message.
                w.Write(Message);
                WritePosition(w, null, null, null, 0, 0, 0, 0);
                w.Write((int)MessageImportance.Low);
                w.WriteNullable(null);
                break;
        }
        w.WriteNullable(e.Message);
        w.WriteNullable(e.SenderName);
    }

    // Errors and warnings carry the same fields in two unrelated event types.
    static void WriteDiagnostic(BinaryWriter w, byte kind, string? subcategory, string? code, string? file,
        (int Line, int Column, int EndLine, int EndColumn) at, string? helpKeyword, string? helpLink)
    {
        w.Write(kind);
        WritePosition(w, subcategory, code, file, at.Line, at.Column, at.EndLine, at.EndColumn);
        w.WriteNullable(helpKeyword);
        w.WriteNullable(helpLink);
    }

    /// <summary>Sends a request that needs no answer (<see cref="EndBuild"/>, <see cref="Stop"/>); false when no server listens there.</summary>
    public static bool Notify(string socketPath, byte request, string? argument = null)
    {
        try
        {
            using var socket = new Socket(AddressFamily.Unix, SocketType.Stream,
                ProtocolType.Unspecified) { SendTimeout = 5000 };
            socket.Connect(new UnixDomainSocketEndPoint(socketPath));
            using var writer = new BinaryWriter(new NetworkStream(socket));
            writer.Write(Magic);
            writer.Write(request);
            if (argument != null) writer.Write(argument);
            return true;
        }
        catch (Exception e) when (e is SocketException or IOException)
        {
            // A server that already ended (it left its socket behind; the next server there replaces it).
            return false;
        }
    }

    static void WritePosition(BinaryWriter w, string? subcategory, string? code, string? file, int line, int column, int endLine, int endColumn)
    {
        w.WriteNullable(subcategory);
        w.WriteNullable(code);
        w.WriteNullable(file);
        w.Write(line);
        w.Write(column);
        w.Write(endLine);
        w.Write(endColumn);
    }

    /// <summary>Reads the event whose kind byte (<see cref="Error"/>, <see cref="Warning"/>, <see cref="Message"/>) was just read and logs it on <paramref name="engine"/>.</summary>
    public static void ReadEvent(BinaryReader r, byte kind, IBuildEngine engine)
    {
        var (subcategory, code, file) = (r.ReadNullable(), r.ReadNullable(), r.ReadNullable());
        var (line, column, endLine, endColumn) = (r.ReadInt32(), r.ReadInt32(), r.ReadInt32(), r.ReadInt32());
        string? helpKeyword = null, helpLink = null, extendedType = null;
        var importance = MessageImportance.Normal;
        if (kind == Message)
        {
            importance = (MessageImportance)r.ReadInt32();
            extendedType = r.ReadNullable();
        }
        else
        {
            helpKeyword = r.ReadNullable();
            helpLink = r.ReadNullable();
        }
        var (message, sender) = (r.ReadNullable(), r.ReadNullable());
        // MSBuild's event constructors predate nullable annotations and accept null for each text.
        if (kind == Error)
            engine.LogErrorEvent(new BuildErrorEventArgs(subcategory, code, file, line, column, endLine, endColumn, message, helpKeyword, sender, helpLink, DateTime.UtcNow));
        else if (kind == Warning)
            engine.LogWarningEvent(new BuildWarningEventArgs(subcategory, code, file, line, column, endLine, endColumn, message, helpKeyword, sender, helpLink, DateTime.UtcNow));
        else if (extendedType != null)
            engine.LogMessageEvent(new ExtendedBuildMessageEventArgs(extendedType, message, null, sender, importance));
        else
            engine.LogMessageEvent(new BuildMessageEventArgs(subcategory, code, file, line, column, endLine, endColumn, message, null, sender, importance));
    }
}
