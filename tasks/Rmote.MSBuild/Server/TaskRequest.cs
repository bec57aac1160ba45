using Microsoft.Build.Framework;

namespace Rmote.MSBuild.Server;

/// <summary>What the build sends with a task to run in the server, besides its parameters: the build and the task node.</summary>
internal sealed record TaskRequest(
    string EnvironmentHash, string BuildId, string TaskType, string ProjectFile, int Line, int Column,
    bool ContinueOnError, bool MultipleNodes, IReadOnlyDictionary<string, string> GlobalProperties)
{
    /// <summary>The request for <paramref name="task"/> as its build's engine describes it.</summary>
    public static TaskRequest For(ITask task, string buildId, string environmentHash)
    {
        var engine = task.BuildEngine;
        return new(environmentHash, buildId, task.GetType().FullName!, engine.ProjectFileOfTaskNode ?? "",
            engine.LineNumberOfTaskNode, engine.ColumnNumberOfTaskNode, engine.ContinueOnError, engine is IBuildEngine2 { IsRunningMultipleNodes: true },
            (engine as IBuildEngine6)?.GetGlobalProperties() ?? new Dictionary<string, string>());
    }

    public void Write(BinaryWriter w)
    {
        w.Write(EnvironmentHash);
        w.Write(BuildId);
        w.Write(TaskType);
        w.Write(ProjectFile);
        w.Write(Line);
        w.Write(Column);
        w.Write(ContinueOnError);
        w.Write(MultipleNodes);
        w.Write(GlobalProperties.Count);
        foreach (var (name, value) in GlobalProperties)
        {
            w.Write(name);
            w.Write(value);
        }
    }

    public static TaskRequest Read(BinaryReader r)
    {
        var (hash, build, type, project) = (r.ReadString(), r.ReadString(), r.ReadString(), r.ReadString());
        var (line, column, continueOnError, multipleNodes) = (r.ReadInt32(), r.ReadInt32(), r.ReadBoolean(), r.ReadBoolean());
        var properties = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        for (var n = r.ReadInt32(); n > 0; n--) properties[r.ReadString()] = r.ReadString();
        return new(hash, build, type, project, line, column, continueOnError, multipleNodes, properties);
    }
}
