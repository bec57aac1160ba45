using System.Diagnostics;
using System.Globalization;
using Rmote;
using Rmote.TestRig;

/// <summary>The tools Rmote is timed against: rsync -a, scp -r and `ssh cat`, each to every host at once.</summary>
static class Peers
{
    /// <summary>The ssh command line for <paramref name="h"/>, as rsync's -e and a shell pipeline take it.</summary>
    public static string SshE(SshHost h) => string.Join(' ', new[] { "ssh", "-i", h.IdentityFile, "-p", h.Port.ToString(CultureInfo.InvariantCulture) }.Concat(h.SshOptions));

    /// <summary>
    /// ssh for <paramref name="h"/> with OpenSSH connection sharing as Rmote sets it up (ControlMaster=auto, a socket
    /// per host, ControlPersist 60 s: see Rmote.Core's SshConnectionSharing), so rsync reuses one login as Rmote does.
    /// </summary>
    public static string SshESharing(Bench bench, SshHost h)
    {
        var folder = bench.Combine("cm");
        Directory.CreateDirectory(folder);  // inside the bench's own temp folder
        return SshE(h) + $" -o ControlMaster=auto -o ControlPath={folder}/{h.Port} -o ControlPersist=60";
    }

    public static Task<double> Rsync(Bench bench, string dest) => Rsync(bench, bench.Src, dest, SshE);

    /// <summary>rsync -a to every host at once over a shared (ControlMaster) ssh connection per host.</summary>
    public static Task<double> RsyncSharing(Bench bench, string dest) => Rsync(bench, bench.Src, dest, h => SshESharing(bench, h));

    /// <summary>rsync -a of <paramref name="src"/> to every host at once, each over the ssh command <paramref name="ssh"/> gives.</summary>
    public static async Task<double> Rsync(Bench bench, string src, string dest, Func<SshHost, string> ssh)
    {
        await Bench.Settle();
        var sw = Stopwatch.StartNew();
        var runs = await Task.WhenAll(bench.Hosts.Select(h => ProcessRunner.RunAsync("rsync", ["-a", "-e", ssh(h), src + "/", $"{h.UserAtHost}:/srv/{dest}/"])));
        foreach (var x in runs) x.EnsureSuccess();
        return sw.Elapsed.TotalSeconds;
    }

    public static async Task<double> Scp(Bench bench, string dest)
    {
        await Bench.Settle();
        var sw = Stopwatch.StartNew();
        var runs = await Task.WhenAll(bench.Hosts.Select(h => ProcessRunner.RunAsync("scp",
            ["-r", "-q", "-i", h.IdentityFile, "-P", h.Port.ToString(CultureInfo.InvariantCulture), .. h.SshOptions, bench.Src, $"{h.UserAtHost}:/srv/{dest}"])));
        foreach (var x in runs) x.EnsureSuccess();
        return sw.Elapsed.TotalSeconds;
    }

    /// <summary>Starts `ssh host 'cat > /srv/big.raw' &lt; file`: the plain-ssh bound for one big file.</summary>
    public static Process StartSshCat(SshHost h, string file) =>
        Process.Start(new ProcessStartInfo("sh", ["-c", $"{SshE(h)} -T {h.UserAtHost} 'cat > /srv/big.raw' < {file}"]))!;
}
