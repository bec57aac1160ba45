using System.Collections;
using Microsoft.Build.Framework;

namespace Rmote.MSBuild.Server;

/// <summary>
/// The engine a task sees in the build server: the task node's place and the build's global properties as the
/// build sent them, its log events sent back to the build, and task objects kept per build (<see cref="BuildScope"/>),
/// so that the tasks of one build share connections and a recap as they do inside the build.
/// </summary>
internal sealed class ServerBuildEngine(TaskRequest request, BuildScope scope, Action<BuildEventArgs> send) : IBuildEngine6
{
    public bool ContinueOnError => request.ContinueOnError;

    public int LineNumberOfTaskNode => request.Line;

    public int ColumnNumberOfTaskNode => request.Column;

    public string ProjectFileOfTaskNode => request.ProjectFile;

    public bool IsRunningMultipleNodes => request.MultipleNodes;

    public void LogErrorEvent(BuildErrorEventArgs e) => send(e);

    public void LogWarningEvent(BuildWarningEventArgs e) => send(e);

    public void LogMessageEvent(BuildMessageEventArgs e) => send(e);

    public void LogCustomEvent(CustomBuildEventArgs e) => send(e);

    public void LogTelemetry(string eventName, IDictionary<string, string> properties) { }

    public IReadOnlyDictionary<string, string> GetGlobalProperties() => request.GlobalProperties;

    public void RegisterTaskObject(object key, object obj, RegisteredTaskObjectLifetime lifetime, bool allowEarlyCollection) => scope.Register(key, obj, lifetime);

    public object? GetRegisteredTaskObject(object key, RegisteredTaskObjectLifetime lifetime) => scope.Get(key, lifetime);

    public object? UnregisterTaskObject(object key, RegisteredTaskObjectLifetime lifetime) => scope.Unregister(key, lifetime);

    public void Yield() { }

    public void Reacquire() { }

    // Rmote's tasks build no projects; a task that tried would fail here with this message, not hang.
    public bool BuildProjectFile(string projectFileName, string[] targetNames, IDictionary globalProperties, IDictionary targetOutputs) => throw NotHere();

    public bool BuildProjectFile(string projectFileName, string[] targetNames, IDictionary globalProperties, IDictionary targetOutputs, string toolsVersion) => throw NotHere();

    public bool BuildProjectFilesInParallel(string[] projectFileNames, string[] targetNames, IDictionary[] globalProperties, IDictionary[] targetOutputsPerProject,
        string[] toolsVersion, bool useResultsCache, bool unloadProjectsOnCompletion) => throw NotHere();

    public BuildEngineResult BuildProjectFilesInParallel(string[] projectFileNames, string[] targetNames, IDictionary[] globalProperties,
        IList<string>[] removeGlobalProperties, string[] toolsVersion, bool returnTargetOutputs) => throw NotHere();

    static NotSupportedException NotHere() => new("A task in the Rmote build server cannot build projects.");
}
