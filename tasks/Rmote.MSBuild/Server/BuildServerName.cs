using System.Collections;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Build.Framework;
using Rmote.Transport;

namespace Rmote.MSBuild.Server;

/// <summary>
/// Which build server a task may use: one per user, Rmote version, MSBuild, environment and project folder (MSBuild
/// runs a task in its project's folder, and a process has one working folder). Its socket's name is a hash of those,
/// so a build with another environment (another SSH agent, HOME or variable a template reads) never reaches a server
/// started under the old one, and an upgraded package starts a server of its own.
/// </summary>
internal static class BuildServerName
{
    /// <summary>The start of every server's socket name in the control socket folder.</summary>
    public const string Prefix = "build-";

    /// <summary>Bumped whenever the frames of <see cref="TaskFrames"/> change.</summary>
    const string WireVersion = "rmote-build-server/1";

    // Shell bookkeeping that differs between two builds of the same user without meaning anything to a task (the
    // working folder is hashed as the process's own).
    static readonly HashSet<string> Ignored = ["PWD", "OLDPWD", "_", "SHLVL"];

    /// <summary>The socket of the server whose <see cref="Hash"/> is <paramref name="hash"/>, in the control socket folder
    /// (~/.cache/rmote/ssh, checked as for SSH masters), or null with why not.</summary>
    public static string? Socket(byte[] hash, out string? whyNot)
    {
        if (!OperatingSystem.IsLinux())
        {
            whyNot = "the build server's socket folder can only be checked on Linux";
            return null;
        }
        var folder = SshConnectionSharing.DefaultFolder;
        var socket = Path.Combine(folder, Prefix + Convert.ToHexStringLower(hash, 0, 8));
        whyNot = SshConnectionSharing.PreparePrivateFolder(folder, socket)?.Reason;
        return whyNot == null ? socket : null;
    }

    /// <summary>The hash of what a server must share with a build: the assemblies, MSBuild's folder, the user, the working folder and the environment.</summary>
    public static byte[] Hash()
    {
        var text = new StringBuilder(WireVersion).Append('\0')
            .Append(typeof(BuildServerName).Module.ModuleVersionId).Append('\0')
            .Append(typeof(SshConnectionSharing).Module.ModuleVersionId).Append('\0')
            .Append(MsBuildFolder).Append('\0')
            .Append(Environment.UserName).Append('\0')
            .Append(Environment.CurrentDirectory).Append('\0');
        var variables = new List<string>();
        foreach (DictionaryEntry e in Environment.GetEnvironmentVariables())
            if (e.Key is string name && !Ignored.Contains(name)) variables.Add(name + "=" + e.Value);
        variables.Sort(StringComparer.Ordinal);
        foreach (var v in variables) text.Append(v).Append('\0');
        return SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString()));
    }

    /// <summary>The folder of the MSBuild assemblies the tasks run with; the server loads the same ones.</summary>
    public static string MsBuildFolder => Path.GetDirectoryName(typeof(ITask).Assembly.Location) ?? "";
}
