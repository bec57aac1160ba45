using System.Diagnostics;
using System.Security.Cryptography;
using Rmote;
using Rmote.Deploy;
using Rmote.Reliability.Tests;
using Rmote.TestRig;
using Rmote.Tools;

// Full-size load figures for docs/RELIABILITY.md: 64 SSH connections x 1,000 calls in flight, then a 2 GiB transfer
// (generated data, sha256 checked on the host). Needs root and sshd (the test rig). Arguments: connections calls copyMiB.
// With --copy: only the transfer, through the deploy engine's Copier (a generated file of copyMiB), and peak RSS.
if (args.Contains("--copy"))
    return await CopierRunAsync(args.Length > 0 && long.TryParse(args[0], out var mib) ? mib : 2048);
var connections = args.Length > 0 ? int.Parse(args[0]) : 64;
var calls = args.Length > 1 ? int.Parse(args[1]) : 1000;
var copyMiB = args.Length > 2 ? long.Parse(args[2]) : 2048;

await using var fleet = await SshFleet.StartAsync(3);
Console.WriteLine($"fleet of 3 sshd up in {fleet.StartupTime.TotalSeconds:F1} s; controller RSS at start {LoadRun.PeakRssKib() / 1024} MiB");
var calls1 = await LoadRun.CallsAsync(fleet.Hosts, connections, calls);
Console.WriteLine(calls1);
if (copyMiB > 0)
{
    var copy = await LoadRun.CopyAsync(fleet[0], fleet[0].RemoteSrv + "/bench-copy.bin", copyMiB << 20);
    Console.WriteLine(copy);
    if (copy.LocalSha256 != copy.RemoteSha256) return 1;
}
return calls1.Lost + calls1.Wrong == 0 ? 0 : 1;

static async Task<int> CopierRunAsync(long mib)
{
    await using var fleet = await SshFleet.StartAsync(1);
    var host = fleet[0];
    using var dir = new TempDir("rmote-load-copy-");
    var file = dir.Combine("big.bin");
    var block = RandomNumberGenerator.GetBytes(1 << 20);
    await using (var f = File.Create(file))
        for (long i = 0; i < mib; i++) { block[0] = (byte)i; block[1] = (byte)(i >> 8); await f.WriteAsync(block); }
    string localSha;
    await using (var f = File.OpenRead(file)) localSha = Convert.ToHexStringLower(await SHA256.HashDataAsync(f));
    var rssBefore = LoadRun.PeakRssKib();
    await using var proto = await Protocol.FromSshAsync(host.HostName, new SshOptions
        { User = host.User, Port = host.Port, Identity = host.IdentityFile, KnownHostsFile = host.KnownHostsFile });
    var sw = Stopwatch.StartNew();
    var result = await Copier.CopyAsync(proto, CopySource.FromFiles([new CopyItem(file, "big.bin")]),
        new CopyOptions { DestinationFolder = host.RemoteSrv + "/copier" });
    var seconds = sw.Elapsed.TotalSeconds;
    var remoteSha = await proto.CallAsync(FileSystem.Sha256, host.RemoteSrv + "/copier/big.bin");
    Console.WriteLine($"Copier: {mib} MiB in {seconds:F1} s ({mib / seconds:F0} MiB/s), copied {result.Copied}, " +
                      $"sha256 {(remoteSha == localSha ? "matches" : "DIFFERS")} on the host; controller peak RSS {LoadRun.PeakRssKib() / 1024} MiB " +
                      $"(before the copy {rssBefore / 1024} MiB)");
    return remoteSha == localSha ? 0 : 1;
}
