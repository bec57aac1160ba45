using Microsoft.Build.Framework;
using Rmote.MSBuild.Server;
using Rmote.Transport;

namespace Rmote.MSBuild;

/// <summary>
/// Stops this user's Rmote build servers, as <c>dotnet build-server shutdown</c> stops MSBuild's and the compiler's:
/// each finishes the tasks it is running, closes the connections it keeps and exits. The package's
/// <c>RmoteStopBuildServers</c> target runs it (<c>dotnet msbuild -t:RmoteStopBuildServers</c>).
/// </summary>
public sealed class RmoteStopBuildServers : Microsoft.Build.Utilities.Task
{
    /// <summary>How many servers were asked to stop.</summary>
    [Output]
    public int Stopped { get; private set; }

    /// <inheritdoc/>
    public override bool Execute()
    {
        var folder = SshConnectionSharing.DefaultFolder;
        if (Directory.Exists(folder))
        {
            foreach (var path in Directory.EnumerateFiles(folder, BuildServerName.Prefix + "*").Where(p => !p.EndsWith(".lock", StringComparison.Ordinal)))
                if (TaskFrames.Notify(path, TaskFrames.Stop)) Stopped++;
        }
        Log.LogMessage(MessageImportance.High, "Stopped {0} Rmote build server(s).", Stopped);
        return true;
    }
}
