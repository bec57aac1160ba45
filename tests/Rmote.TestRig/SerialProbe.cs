namespace Rmote.TestRig;

/// <summary>
/// Shows whether a step ran on the hosts one at a time: its command appends "start hostN", waits (up to 2 s) for a
/// second host to start, then appends "end hostN" to one log all hosts share (/tmp is common to the rig's hosts; each
/// host names itself from a file in its own /srv). One host at a time gives start/end pairs in host order; hosts run
/// together interleave their lines.
/// </summary>
public sealed class SerialProbe : IDisposable
{
    readonly TempDir dir = new("rmote-serial-");
    readonly string script, log, nameFile;

    /// <summary>Prepares the probe on <paramref name="hosts"/> (hosts with a private /srv).</summary>
    public SerialProbe(IReadOnlyList<SshHost> hosts)
    {
        ArgumentNullException.ThrowIfNull(hosts);
        var folder = "serial-" + Guid.NewGuid().ToString("n")[..8];
        foreach (var h in hosts)
        {
            Directory.CreateDirectory(Path.Combine(h.SrvRoot, folder));
            File.WriteAllText(Path.Combine(h.SrvRoot, folder, "name"), h.Name);
        }
        nameFile = hosts[0].RemoteSrv.TrimEnd('/') + "/" + folder + "/name";
        log = dir.Combine("log");
        File.WriteAllText(log, "");
        script = dir.WriteFile("probe.sh", """
            h=$(cat "$1"); log="$2"
            echo "start $h" >> "$log"
            n=0
            while [ "$(grep -c '^start' "$log")" -lt 2 ] && [ $n -lt 20 ]; do sleep 0.1; n=$((n+1)); done
            echo "end $h" >> "$log"
            """);
    }

    /// <summary>The shell command each host runs.</summary>
    public string Command => $"sh {script} {nameFile} {log}";

    /// <summary>The log's lines, in the order the hosts wrote them.</summary>
    public string[] Lines() => File.ReadAllLines(log);

    /// <summary>The log of <paramref name="hosts"/> run one at a time, in this order.</summary>
    public static string[] OneAtATime(IEnumerable<SshHost> hosts) => [.. hosts.SelectMany(h => new[] { "start " + h.Name, "end " + h.Name })];

    /// <inheritdoc/>
    public void Dispose() => dir.Dispose();
}
