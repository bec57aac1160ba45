using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;
using Rmote.MSBuild.Server;
using Rmote.Operations;

namespace Rmote.MSBuild;

/// <summary>
/// Prints the recap of the project's deploy so far, like Ansible's PLAY RECAP: one line per host with the steps that
/// were ok, changed, failed, unreachable or skipped, the release and the time; then starts a new recap. The
/// <c>Deploy</c> target runs it at its end and from its <c>OnError</c>, so a failed deploy shows its recap too.
/// </summary>
public sealed class RmoteRecap : Microsoft.Build.Utilities.Task
{
    /// <summary>The project whose recap is printed (default: the one the task node is in; the Rmote targets pass <c>$(MSBuildProjectFullPath)</c>).</summary>
    public string? Project { get; set; }

    /// <summary>One item per host: spec = the host; metadata Ok, Changed, Failed, Unreachable, Skipped, ReleaseId, Duration (seconds).</summary>
    [Output]
    public ITaskItem[] Hosts { get; private set; } = [];

    /// <inheritdoc/>
    public override bool Execute()
    {
        // The recap is where the build's tasks ran: in the build server when the build uses one.
        if (BuildServerClient.TryRun(this, CancellationToken.None, out var ranThere)) return ranThere;
        if (BuildEngine is not IBuildEngine4 engine) return true;
        var recap = BuildRecap.For(engine, Project ?? BuildEngine.ProjectFileOfTaskNode ?? "");
        var lines = recap.Lines();
        Hosts = [.. recap.Hosts.Select(ToItem)];
        recap.Clear();
        foreach (var line in lines) TerminalOutput.Log(BuildEngine, nameof(RmoteRecap), line);
        return true;
    }

    static TaskItem ToItem(HostRecap h)
    {
        var item = new TaskItem(ItemText.Escape(h.Host));
        item.SetMetadata("Ok", Text(h.Ok));
        item.SetMetadata("Changed", Text(h.Changed));
        item.SetMetadata("Failed", Text(h.Failed));
        item.SetMetadata("Unreachable", Text(h.Unreachable));
        item.SetMetadata("Skipped", Text(h.Skipped));
        item.SetMetadata("ReleaseId", ItemText.Escape(h.ReleaseId ?? ""));
        item.SetMetadata("Duration", h.Duration.TotalSeconds.ToString("0.000", System.Globalization.CultureInfo.InvariantCulture));
        return item;
    }

    static string Text(int n) => n.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
