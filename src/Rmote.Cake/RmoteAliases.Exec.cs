using Cake.Core;
using Cake.Core.Annotations;
using Cake.Core.Diagnostics;
using Rmote.Cake.Internal;
using Rmote.Fleet;
using Rmote.Operations;

namespace Rmote.Cake;

public static partial class RmoteAliases
{
    /// <summary>Runs <paramref name="command"/> (with <c>/bin/sh -c</c>) on every host; output lines go to the log as they come.</summary>
    /// <example><code>RmoteExec(hosts, "systemctl is-active app");</code></example>
    [CakeMethodAlias]
    [CakeAliasCategory("Exec")]
    public static FleetResult<ExecOutcome> RmoteExec(this ICakeContext context, IEnumerable<string> hosts, string command) =>
        RmoteExec(context, hosts, command, new RmoteExecSettings());

    /// <summary>
    /// Runs <paramref name="command"/> on every host; a non-zero exit fails the host unless <see cref="RmoteExecSettings.IgnoreExitCode"/>.
    /// With <see cref="RmoteExecSettings.NoShell"/> the command line is split with shell quoting rules and run without a shell.
    /// </summary>
    /// <example><code>
    /// var r = RmoteExec(hosts, "./migrate.sh", new RmoteExecSettings()
    ///     .WithWorkingDirectory("/srv/app/current").WithSecretEnvironmentVariable("DB_PASSWORD"));
    /// </code></example>
    [CakeMethodAlias]
    [CakeAliasCategory("Exec")]
    public static FleetResult<ExecOutcome> RmoteExec(this ICakeContext context, IEnumerable<string> hosts, string command, RmoteExecSettings settings)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(settings);
        var gate = new object();
        void OnLine(HostOutputLine line)
        {
            // Hosts stream at once: one line at a time keeps lines whole.
            lock (gate)
            {
                // Error and warning lines (MSBuild's format, or the custom expressions) at their level, as Exec logs them.
                switch (line.Diagnostic?.Severity)
                {
                    case OutputSeverity.Error: context.Log.Error("[{0}] {1}", line.Host, line.Text); break;
                    case OutputSeverity.Warning: context.Log.Warning("[{0}] {1}", line.Host, line.Text); break;
                    default: context.Log.Information("[{0}] {1}", line.Host, line.Text); break;
                }
            }
        }
        return CakeStep.Run(context, nameof(RmoteExec), hosts, settings, folder => StepMapper.Exec(StepParameters.From<ExecStep>(settings) with { Command = command }, folder),
            (ops, request, ct) => ops.ExecAsync(request, OnLine, ct));
    }
}
