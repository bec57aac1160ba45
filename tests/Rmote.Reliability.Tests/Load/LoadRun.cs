using System.Diagnostics;
using System.Security.Cryptography;
using Rmote.TestRig;
using Rmote.Tools;

namespace Rmote.Reliability.Tests;

/// <summary>The load scenarios, shared by the test suite (light sizes) and build/bench/Load (full sizes).</summary>
public static class LoadRun
{
    public sealed record CallsResult(int Connections, int CallsPerConnection, TimeSpan ConnectTime, TimeSpan CallTime, long Lost, long Wrong, long PeakRssKib)
    {
        public double CallsPerSecond => Connections * (double)CallsPerConnection / CallTime.TotalSeconds;
        public override string ToString() =>
            $"{Connections} connections x {CallsPerConnection} calls in flight: connect {ConnectTime.TotalSeconds:F1} s, "
            + $"calls {CallTime.TotalSeconds:F1} s ({CallsPerSecond:F0} calls/s), lost {Lost}, wrong {Wrong}, controller peak RSS {PeakRssKib / 1024} MiB";
    }

    public sealed record CopyResult(long Bytes, TimeSpan Time, string LocalSha256, string RemoteSha256, long PeakRssKib)
    {
        public double MiBPerSecond => Bytes / 1048576.0 / Time.TotalSeconds;
        public override string ToString() =>
            $"{Bytes / 1048576} MiB streamed in 1 MiB chunks: {Time.TotalSeconds:F1} s ({MiBPerSecond:F0} MiB/s), "
            + $"sha256 {(LocalSha256 == RemoteSha256 ? "match" : "MISMATCH")}, controller peak RSS {PeakRssKib / 1024} MiB";
    }

    /// <summary>
    /// Starts a fresh peak: collects (returning freed memory to the OS), then resets VmHWM to the current RSS, so the
    /// peak read after a scenario is that scenario's, not whatever ran earlier in the same test process.
    /// </summary>
    public static void ResetPeakRss()
    {
        GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        File.WriteAllText("/proc/self/clear_refs", "5"); // 5: reset the peak resident set size (Linux 4.0+)
    }

    /// <summary>VmHWM of this process (peak resident set since start or the last <see cref="ResetPeakRss"/>), in KiB.</summary>
    public static long PeakRssKib() =>
        long.Parse(File.ReadLines("/proc/self/status").First(l => l.StartsWith("VmHWM:", StringComparison.Ordinal)).Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]);

    public static SshOptions OptionsFor(SshHost host, string name) => new()
    {
        Name = name,
        User = host.User,
        Port = host.Port,
        Identity = host.IdentityFile,
        KnownHostsFile = host.KnownHostsFile,
        ConnectTimeout = TimeSpan.FromSeconds(90),
    };

    /// <summary>Opens <paramref name="connections"/> SSH connections spread over the hosts, puts <paramref name="calls"/> echo calls in flight
    /// on each at once, and checks every caller got its own value.</summary>
    public static async Task<CallsResult> CallsAsync(IReadOnlyList<SshHost> hosts, int connections, int calls)
    {
        ResetPeakRss();
        var sw = Stopwatch.StartNew();
        using var gate = new SemaphoreSlim(16); // connect storms: at most 16 handshakes at a time
        var protocols = await Task.WhenAll(Enumerable.Range(0, connections).Select(async c =>
        {
            var host = hosts[c % hosts.Count];
            await gate.WaitAsync();
            try { return await Protocol.FromSshAsync(host.HostName, OptionsFor(host, $"{host.Name}#{c}")); }
            finally { gate.Release(); }
        }));
        var connectTime = sw.Elapsed;
        try
        {
            sw.Restart();
            var perConnection = await Task.WhenAll(protocols.Select(async (proto, c) =>
            {
                var tasks = new Task<string>[calls];
                for (var i = 0; i < calls; i++) tasks[i] = proto.CallAsync(Diag.EchoString, $"{c}:{i}");
                long lost = 0, wrong = 0;
                for (var i = 0; i < calls; i++)
                {
                    try { if (await tasks[i] != $"{c}:{i}") wrong++; }
                    catch (Exception) { lost++; }
                }
                return (lost, wrong);
            }));
            return new CallsResult(connections, calls, connectTime, sw.Elapsed, perConnection.Sum(x => x.lost), perConnection.Sum(x => x.wrong), PeakRssKib());
        }
        finally
        {
            await Task.WhenAll(protocols.Select(p => p.DisposeAsync().AsTask()));
        }
    }

    static readonly PythonTool Sink = PythonTool.FromSource("LoadSink", """
        import hashlib, os

        class LoadSink(Tool):
            @staticmethod
            def create(path, size):
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
                try:
                    os.ftruncate(fd, size)
                finally:
                    os.close(fd)

            @staticmethod
            def put(path, offset, data):
                fd = os.open(path, os.O_WRONLY)
                try:
                    view = memoryview(data)
                    while view:
                        n = os.pwrite(fd, view, offset)
                        view, offset = view[n:], offset + n
                finally:
                    os.close(fd)
                return len(data)

            @staticmethod
            def sha256_and_remove(path):
                h = hashlib.sha256()
                with open(path, "rb") as f:
                    for block in iter(lambda: f.read(1 << 20), b""):
                        h.update(block)
                os.unlink(path)
                return h.hexdigest()
        """);
    static readonly ToolMethod<string, long, object?> Create = Sink.Method<string, long, object?>("create");
    static readonly ToolMethod<string, long, ReadOnlyMemory<byte>, int> Put = Sink.Method<string, long, ReadOnlyMemory<byte>, int>("put");
    static readonly ToolMethod<string, string> HashAndRemove = Sink.Method<string, string>("sha256_and_remove");

    /// <summary>
    /// Streams <paramref name="bytes"/> of generated (incompressible) data to a file on the host in 1 MiB chunks, at most
    /// 16 in flight plus the writer's back-pressure, then compares sha256 computed on the host with the local one.
    /// </summary>
    public static async Task<CopyResult> CopyAsync(SshHost host, string remotePath, long bytes)
    {
        const int Chunk = 1 << 20;
        ResetPeakRss();
        await using var proto = await Protocol.FromSshAsync(host.HostName, OptionsFor(host, host.Name + "-copy"));
        await proto.CallAsync(Create, remotePath, bytes);
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        using var inFlight = new SemaphoreSlim(16);
        var pending = new List<Task>();
        var rng = new Random(42);
        var sw = Stopwatch.StartNew();
        for (long offset = 0; offset < bytes; offset += Chunk)
        {
            var data = new byte[(int)Math.Min(Chunk, bytes - offset)];
            rng.NextBytes(data);
            sha.AppendData(data);
            await inFlight.WaitAsync();
            await proto.WaitForSendRoomAsync();
            pending.Add(proto.CallAsync(Put, remotePath, offset, data).ContinueWith(t => { inFlight.Release(); return t; }).Unwrap());
            pending.RemoveAll(t => t.IsCompletedSuccessfully);
            if (pending.FirstOrDefault(t => t.IsFaulted) is { } failed) await failed;
        }
        await Task.WhenAll(pending);
        var time = sw.Elapsed;
        var remote = await proto.CallAsync(HashAndRemove, remotePath);
        return new CopyResult(bytes, time, Convert.ToHexStringLower(sha.GetHashAndReset()), remote, PeakRssKib());
    }
}
