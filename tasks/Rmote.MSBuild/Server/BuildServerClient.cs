using System.Net.Sockets;
using Microsoft.Build.Framework;

namespace Rmote.MSBuild.Server;

/// <summary>
/// Runs a task of this build in the build server: its parameters go there, its log events come back as they happen
/// and are logged here as the task raised them, then its result and outputs. Ctrl+C cancels it there. The task runs
/// in this process instead when the build does not use a server (<see cref="BuildServerSession"/>) or the server did
/// not accept the task; once it did, a server that ends or stops answering fails the task with that reason.
/// </summary>
internal static class BuildServerClient
{
    /// <summary>True when <paramref name="task"/> ran in the server (its result in <paramref name="success"/>); false: run it here.</summary>
    public static bool TryRun(Microsoft.Build.Utilities.Task task, CancellationToken cancellationToken, out bool success)
    {
        success = false;
        // A task that runs in the server already: there it runs itself.
        if (task.BuildEngine is ServerBuildEngine or not IBuildEngine4) return false;
        var session = BuildServerSession.For((IBuildEngine4)task.BuildEngine);
        using var socket = session.Connect();
        if (socket == null)
        {
            if (session.WhyNot != null) task.Log.LogMessage(MessageImportance.Low, "Rmote build server not used: {0}.", session.WhyNot);
            return false;
        }
        using var stream = new NetworkStream(socket);
        using var reader = new BinaryReader(stream);
        using var writer = new BinaryWriter(new BufferedStream(stream));
        int pid;
        try
        {
            socket.ReceiveTimeout = socket.SendTimeout = (int)TimeSpan.FromSeconds(10).TotalMilliseconds;
            writer.Write(TaskFrames.Magic);
            writer.Write(TaskFrames.Run);
            TaskRequest.For(task, session.BuildId, session.EnvironmentHash).Write(writer);
            TaskParameters.Write(writer, task, [.. TaskParameters.Inputs(task.GetType())], withWellKnown: true);
            writer.Flush();
            var answer = reader.ReadByte();
            if (answer != TaskFrames.Accepted)
            {
                session.Decline(answer == TaskFrames.Refused ? "the build server refused the task: " + reader.ReadString() : "the build server answered something else");
                task.Log.LogMessage(MessageImportance.Low, "Rmote build server not used: {0}.", session.WhyNot);
                return false;
            }
            pid = reader.ReadInt32();
            writer.Write(TaskFrames.Go);
            writer.Flush();
        }
        catch (Exception e) when (e is IOException or SocketException)
        {
            // Nothing ran there: the server runs nothing without the go, and this build runs the task itself.
            session.Decline($"the build server did not accept the task in time ({e.Message})");
            task.Log.LogMessage(MessageImportance.Low, "Rmote build server not used: {0}.", session.WhyNot);
            return false;
        }
        task.Log.LogMessage(MessageImportance.Low, "{0} runs in the Rmote build server (pid {1}).", task.GetType().Name, pid);
        success = Follow(task, socket, reader, writer, pid, cancellationToken);
        return true;
    }

    /// <summary>Logs the task's events until its result; false when the task failed or the server went away.</summary>
    static bool Follow(Microsoft.Build.Utilities.Task task, Socket socket, BinaryReader reader, BinaryWriter writer, int pid, CancellationToken cancellationToken)
    {
        var engine = task.BuildEngine;
        // Ctrl+C: the only frame the build writes while the task runs.
        using var onCancel = cancellationToken.Register(() =>
        {
            try
            {
                writer.Write(TaskFrames.Cancel);
                writer.Flush();
            }
            catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException) { }
        });
        // The server says it is alive every few seconds while the task runs; silence this long means it is stuck.
        socket.ReceiveTimeout = (int)TaskFrames.Silence.TotalMilliseconds;
        try
        {
            while (true)
            {
                var kind = reader.ReadByte();
                switch (kind)
                {
                    case TaskFrames.Heartbeat:
                        continue;
                    case TaskFrames.Done:
                        var ok = reader.ReadBoolean();
                        TaskParameters.Read(reader, task, server: false);
                        return ok;
                    default:
                        TaskFrames.ReadEvent(reader, kind, engine);
                        break;
                }
            }
        }
        catch (Exception e) when (e is IOException or SocketException or EndOfStreamException)
        {
            var what = e is IOException { InnerException: SocketException { SocketErrorCode: SocketError.TimedOut or SocketError.WouldBlock } }
                ? $"stopped answering for {TaskFrames.Silence.TotalSeconds:0} s"
                : "ended";
            task.Log.LogError(null, ErrorCodes.Other, null, engine.ProjectFileOfTaskNode, engine.LineNumberOfTaskNode, engine.ColumnNumberOfTaskNode, 0, 0,
                "{0} failed: the Rmote build server (pid {1}) {2} while the task ran; what it did on the hosts is logged above. Run the build again; "
                + "RMOTE_BUILD_SERVER=false (or -p:RmoteBuildServer=false) runs Rmote's tasks inside the build process.",
                task.GetType().Name, pid, what);
            return false;
        }
    }
}
