using System.Diagnostics;
using System.Globalization;
using Rmote;
using Rmote.TestRig;

/// <summary>The tools Rmote is timed against: rsync -a, scp -r and `ssh cat`, each to every host at once.</summary>
static class Peers
{
    /// <summary>The ssh command line for <paramref name="h"/>, as rsync's -e and a shell pipeline take it.</summary>
    public static string SshE(SshHost h) => string.Join(' ', new[] { "ssh", "-i", h.IdentityFile, "-p", h.Port.ToString(CultureInfo.InvariantCulture) }.Concat(h.SshOptions));

    public static async Task<double> Rsync(Bench bench, string dest)
    {
        await Bench.Settle();
        var sw = Stopwatch.StartNew();
        var runs = await Task.WhenAll(bench.Hosts.Select(h => ProcessRunner.RunAsync("rsync", ["-a", "-e", SshE(h), bench.Src + "/", $"{h.UserAtHost}:/srv/{dest}/"])));
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
