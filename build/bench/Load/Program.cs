using Rmote.Reliability.Tests;
using Rmote.TestRig;

// Full-size load figures for docs/RELIABILITY.md: 64 SSH connections x 1,000 calls in flight, then a 2 GiB transfer
// (generated data, sha256 checked on the host). Needs root and sshd (the test rig). Arguments: connections calls copyMiB.
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
