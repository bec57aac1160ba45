using System.Diagnostics;
using System.Globalization;
using Rmote;
using Rmote.TestRig;

/// <summary>The tools Rmote is timed against: rsync -a, scp -r and `ssh cat`, each to every host at once.</summary>
static class Peers
{
    /// <summary>The ssh command line for <paramref name="h"/>, as rsync's -e and a shell pipeline take it.</summary>
    public static string SshE(SshHost h) => SshE(h, []);

    /// <summary>
    /// ssh for <paramref name="h"/> with OpenSSH connection sharing as Rmote sets it up (ControlMaster=auto, a socket
    /// per host, ControlPersist 60 s: see Rmote.Core's SshConnectionSharing), so rsync reuses one login as Rmote does.
    /// </summary>
    /// <param name="bench">The bench (its folder holds the sockets).</param>
    /// <param name="h">The host.</param>
    /// <param name="aesGcmFirst">Also offer AES-GCM first (<see cref="SshEAesGcm"/>).</param>
    public static string SshESharing(Bench bench, SshHost h, bool aesGcmFirst = false)
    {
        var socket = ControlSocket(bench, h);
        Directory.CreateDirectory(Path.GetDirectoryName(socket)!);  // inside the bench's own temp folder
        string[] sharing = ["-o", "ControlMaster=auto", "-o", $"ControlPath={socket}", "-o", "ControlPersist=60"];
        return SshE(h, aesGcmFirst ? [.. sharing, "-o", "Ciphers=" + AesGcmFirst] : sharing);
    }

    /// <summary>ssh for <paramref name="h"/> offering AES-GCM first, as Rmote's own connections do on a CPU with AES instructions.</summary>
    public static string SshEAesGcm(SshHost h) => SshE(h, ["-o", "Ciphers=" + AesGcmFirst]);

    /// <summary>OpenSSH's default client cipher list (9.2) with the GCM ciphers moved to the front.</summary>
    const string AesGcmFirst = "aes128-gcm@openssh.com,aes256-gcm@openssh.com,chacha20-poly1305@openssh.com,aes128-ctr,aes192-ctr,aes256-ctr";

    /// <summary>Where the master of <paramref name="h"/>'s shared connection listens (<see cref="SshESharing"/>).</summary>
    static string ControlSocket(Bench bench, SshHost h) => Path.Combine(bench.Combine("cm"), h.Port.ToString(CultureInfo.InvariantCulture));

    // ssh keeps the first value of an option: options that must win go in front of the rig's own, which turn sharing
    // off (ControlMaster=no, ControlPath=none). Appended, they were ignored, and "rsync with ControlMaster" logged in
    // afresh every time (seen: the same CPU and time as rsync without it).
    static string SshE(SshHost h, string[] first) => string.Join(' ',
        new[] { "ssh", "-i", h.IdentityFile, "-p", h.Port.ToString(CultureInfo.InvariantCulture) }.Concat(first).Concat(h.SshOptions));

    public static Task<double> Rsync(Bench bench, string dest) => Rsync(bench, bench.Src, dest, SshE);

    /// <summary>rsync -a to every host at once over a shared (ControlMaster) ssh connection per host.</summary>
    public static async Task<double> RsyncSharing(Bench bench, string dest)
    {
        var t = await Rsync(bench, bench.Src, dest, h => SshESharing(bench, h));
        CheckShared(bench, bench.Hosts);
        return t;
    }

    /// <summary>Throws unless every host of <paramref name="hosts"/> has a live master at its socket (<see cref="SshESharing"/>): a peer timed "with ControlMaster" must have shared.</summary>
    public static void CheckShared(Bench bench, IEnumerable<SshHost> hosts)
    {
        foreach (var h in hosts)
        {
            var socket = ControlSocket(bench, h);
            if (!File.Exists(socket))
                throw new InvalidOperationException($"ssh to {h.Name} did not leave a ControlMaster at {socket}: the \"with ControlMaster\" peer would log in afresh");
        }
    }

    /// <summary>
    /// rsync -a (and <paramref name="flags"/>, e.g. --fsync) of <paramref name="src"/> to every host at once, each over
    /// the ssh command <paramref name="ssh"/> gives.
    /// </summary>
    public static async Task<double> Rsync(Bench bench, string src, string dest, Func<SshHost, string> ssh, params string[] flags)
    {
        await Bench.Settle();
        var sw = Stopwatch.StartNew();
        var runs = await Task.WhenAll(bench.Hosts.Select(h => ProcessRunner.RunAsync("rsync", ["-a", .. flags, "-e", ssh(h), src + "/", $"{h.UserAtHost}:/srv/{dest}/"])));
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
