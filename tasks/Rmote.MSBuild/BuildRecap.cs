using Microsoft.Build.Framework;
using Rmote.Operations;

namespace Rmote.MSBuild;

/// <summary>
/// The recap of one project's deploy in this build: every Rmote task adds its step's result, the <c>RmoteRecap</c> task
/// prints it. Kept with <see cref="IBuildEngine4.RegisterTaskObject"/> for the build's lifetime, keyed by the project
/// (<c>RmoteHost</c>'s <c>RmoteProject</c> metadata, which the package sets to <c>$(MSBuildProjectFullPath)</c>), so two
/// projects deploying in one build keep separate recaps.
/// </summary>
internal static class BuildRecap
{
    /// <summary>The host metadata naming the project a task runs for.</summary>
    public const string ProjectMetadata = "RmoteProject";

    static readonly object Gate = new();

    /// <summary>The recap of <paramref name="project"/> (its full path; "" when unknown), created on first use.</summary>
    public static DeployRecap For(IBuildEngine4 engine, string project)
    {
        var key = "Rmote.MSBuild.Recap/" + project;
        // Tasks of several projects may run at once in one node: create and register once.
        lock (Gate)
        {
            if (engine.GetRegisteredTaskObject(key, RegisteredTaskObjectLifetime.Build) is DeployRecap existing) return existing;
            var recap = new DeployRecap();
            engine.RegisterTaskObject(key, recap, RegisteredTaskObjectLifetime.Build, allowEarlyCollection: false);
            return recap;
        }
    }
}
