using System.Net.Sockets;
using Microsoft.Build.Framework;
using Rmote.Transport;

namespace Rmote.MSBuild.Server;

/// <summary>
/// One build's connection to the server: a task to run (its log events and heartbeats go back as it runs, then its
/// result and outputs), the end of a build, or a request to stop. A build that cancels, or goes away, cancels the task.
/// </summary>
internal sealed class TaskConnection(Socket socket, BuildServer.State state)
{
    readonly object writeGate = new();
    BinaryWriter? writer;
    ITask? running;
    bool gone;

    public void Serve()
    {
        using var stream = new NetworkStream(socket, ownsSocket: true);
        try
        {
            if (!SameUser()) return;
            // A build sends its whole request at once; one that stalls inside it is not waited for.
            socket.ReceiveTimeout = socket.SendTimeout = (int)TaskFrames.Silence.TotalMilliseconds;
            using var reader = new BinaryReader(stream);
            writer = new BinaryWriter(new BufferedStream(stream));
            if (reader.ReadString() != TaskFrames.Magic) return;
            switch (reader.ReadByte())
            {
                case TaskFrames.Stop:
                    state.Stop();
                    break;
                case TaskFrames.EndBuild:
                    state.EndBuild(reader.ReadString());
                    break;
                case TaskFrames.Run:
                    Run(reader);
                    break;
            }
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or InvalidDataException)
        {
            // The build went away or sent something else: nothing of it ran, or the task was cancelled.
        }
        catch (Exception e)
        {
            // A fault of the server's own (not of a task: Run catches those) fails this build's task with the reason,
            // and leaves the server and the other builds it serves running.
            Write(w =>
            {
                TaskFrames.WriteEvent(w, new BuildErrorEventArgs(null, ErrorCodes.Other, null, 0, 0, 0, 0,
                    $"the Rmote build server failed: {e.GetType().Name}: {e.Message}", null, "RmoteBuildServer"));
                w.Write(TaskFrames.Done);
                w.Write(false);
                w.Write(0);  // no outputs
            });
        }
    }

    void Run(BinaryReader reader)
    {
        var request = TaskRequest.Read(reader);
        var type = typeof(TaskConnection).Assembly.GetType(request.TaskType);
        if (request.EnvironmentHash != state.EnvironmentHash)
        {
            Refuse("its environment differs from the server's");
            return;
        }
        if (!Directory.Exists(Environment.CurrentDirectory))
        {
            // The project's folder was removed (and perhaps made again): this server's working folder is gone for good.
            Refuse("the project folder it was started in was removed");
            state.Stop();
            return;
        }
        if (type == null || type.IsAbstract || !typeof(ITask).IsAssignableFrom(type))
        {
            Refuse($"it has no task {request.TaskType}");
            return;
        }
        var task = (ITask)Activator.CreateInstance(type)!;
        TaskParameters.Read(reader, task, server: true);
        Write(w =>
        {
            w.Write(TaskFrames.Accepted);
            w.Write(Environment.ProcessId);
        });
        // Nothing runs until the build says go: a build that gave up waiting for the answer runs the task itself.
        if (reader.ReadByte() != TaskFrames.Go) return;
        socket.ReceiveTimeout = 0;  // from now on the build only speaks to cancel
        running = task;
        var scope = state.Scope(request.BuildId);
        using var inUse = scope.Use();
        task.BuildEngine = new ServerBuildEngine(request, scope, e => Write(w => TaskFrames.WriteEvent(w, e)));
        new Thread(() => ListenForCancel(reader)) { IsBackground = true, Name = "rmote build cancel" }.Start();
        bool ok;
        using (new Timer(_ => Write(w => w.Write(TaskFrames.Heartbeat)), null, TaskFrames.HeartbeatInterval, TaskFrames.HeartbeatInterval))
        {
            try
            {
                ok = task.Execute();
            }
            catch (Exception e)
            {
                // What MSBuild says of a task that throws, so the build fails with the reason, not silently.
                task.BuildEngine.LogErrorEvent(new BuildErrorEventArgs(null, ErrorCodes.Other, request.ProjectFile, request.Line, request.Column, 0, 0,
                    $"{type.Name} failed in the Rmote build server: {e.GetType().Name}: {e.Message}", null, type.Name));
                ok = false;
            }
        }
        var outputs = TaskParameters.Outputs(type).ToList();
        Write(w =>
        {
            w.Write(TaskFrames.Done);
            w.Write(ok);
            TaskParameters.Write(w, task, outputs, withWellKnown: false);
        });
    }

    /// <summary>The build's Cancel frame, or its end (Ctrl+C killed it, or the connection broke): the task is cancelled either way.</summary>
    void ListenForCancel(BinaryReader reader)
    {
        try { reader.ReadByte(); }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException) { }
        (running as ICancelableTask)?.Cancel();
    }

    void Refuse(string why) => Write(w =>
    {
        w.Write(TaskFrames.Refused);
        w.Write(why);
    });

    /// <summary>Writes a frame; a build that stopped reading (gone, or frozen for the silence bound) makes the task stop.</summary>
    void Write(Action<BinaryWriter> frame)
    {
        lock (writeGate)
        {
            if (gone || writer == null) return;
            try
            {
                frame(writer);
                writer.Flush();
            }
            catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
            {
                gone = true;
                (running as ICancelableTask)?.Cancel();
            }
        }
    }

    /// <summary>Only the user who runs the server may hand it tasks (the socket's folder is private too).</summary>
    bool SameUser()
    {
        var credentials = new byte[12];  // struct ucred: pid, uid, gid
        const int SolSocket = 1, SoPeerCred = 17;
        return OperatingSystem.IsLinux() && socket.GetRawSocketOption(SolSocket, SoPeerCred, credentials) == credentials.Length
            && BitConverter.ToUInt32(credentials, 4) == ControlSocketSafety.geteuid();
    }
}
