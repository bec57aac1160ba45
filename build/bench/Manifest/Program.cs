using System.Diagnostics;
using Rmote;
using Rmote.Deploy;
using Rmote.Reliability.Tests;

// Issue 16 case 9: plans and copies N empty files with 200-byte paths (1,000 folders of N/1,000; default 1,000,000) to a
// local target (python3 child, FromSubprocessAsync) and prints the controller's peak RSS (VmHWM) and the time of each
// phase: the cold copy (plan in pieces + send), then a second copy that only plans (everything up to date).
// Arguments: files [--durable] (fsync every file, as a real deploy does; off by default) [--keep] (leave the trees).
var files = args.Length > 0 && int.TryParse(args[0], out var n) ? n : 1_000_000;
var durable = args.Contains("--durable");
var folders = Math.Max(1, files / 1000);
var baseDir = Directory.Exists("/dev/shm") ? "/dev/shm" : Path.GetTempPath();
var work = Path.Combine(baseDir, "rmote-manifest-" + Guid.NewGuid().ToString("N")[..8]);
var src = Path.Combine(work, "src");
var dst = Path.Combine(work, "dst");
try
{
    var sw = Stopwatch.StartNew();
    var made = 0;
    for (var d = 0; d < folders && made < files; d++)
    {
        var folder = $"folder-{d:D6}-".PadRight(99, 'f');                 // 99 bytes + '/' + 100 bytes = 200
        Directory.CreateDirectory(Path.Combine(src, folder));
        for (var f = 0; f < files / folders + (d < files % folders ? 1 : 0); f++, made++)
            File.Create(Path.Combine(src, folder, $"file-{f:D6}-".PadRight(100, 'n'))).Dispose();
    }
    Console.WriteLine($"source: {made:N0} empty files with 200-byte paths in {folders:N0} folders, made in {sw.Elapsed.TotalSeconds:F0} s ({work})");

    await using var p = await Protocol.FromSubprocessAsync();
    var planPeak = new PlanPeak();
    var options = new CopyOptions { DestinationFolder = dst, Durable = durable, Progress = planPeak };
    LoadRun.ResetPeakRss();
    sw.Restart();
    await new Copier(CopySource.FromFolder(src), options).PrepareAsync();
    Console.WriteLine($"reading the source alone: {sw.Elapsed.TotalSeconds:F1} s; controller peak RSS {LoadRun.PeakRssKib() / 1024} MiB");
    LoadRun.ResetPeakRss();
    sw.Restart();
    var cold = await Copier.CopyAsync(p, CopySource.FromFolder(src), options);
    Console.WriteLine($"cold copy (plan + send): {cold.Copied:N0} files copied, {cold.DirectoriesCreated:N0} folders created in " +
                      $"{sw.Elapsed.TotalSeconds:F1} s (durable {durable}); controller peak RSS {LoadRun.PeakRssKib() / 1024} MiB " +
                      $"(when the plan ended, after {planPeak.Seconds:F1} s: {planPeak.PeakKib / 1024} MiB; {planPeak.Gc})");

    LoadRun.ResetPeakRss();
    sw.Restart();
    var plan = await Copier.CopyAsync(p, CopySource.FromFolder(src), options with { DeleteExtraneous = true });
    Console.WriteLine($"plan only (nothing changed, delete-extraneous on): {plan.Skipped:N0} up to date, {plan.Copied} copied, {plan.Deleted} deleted in " +
                      $"{sw.Elapsed.TotalSeconds:F1} s; controller peak RSS {LoadRun.PeakRssKib() / 1024} MiB");
    return cold.Copied == made && plan.Skipped == made && plan.Deleted == 0 ? 0 : 1;
}
finally
{
    if (!args.Contains("--keep")) Directory.Delete(work, recursive: true);
}

/// <summary>Notes the time and the peak RSS when the first file is acknowledged: the plan (all pieces) is over by then.</summary>
sealed class PlanPeak : IProgress<CopyProgress>
{
    public long PeakKib { get; private set; }
    public double Seconds { get; private set; }
    public string Gc { get; private set; } = "";

    public void Report(CopyProgress value)
    {
        if (PeakKib != 0) return;
        PeakKib = LoadRun.PeakRssKib();
        Seconds = value.Elapsed.TotalSeconds;
        var gc = GC.GetGCMemoryInfo();
        Gc = $"GC heap {gc.HeapSizeBytes >> 20} MiB, fragmented {gc.FragmentedBytes >> 20} MiB, committed {gc.TotalCommittedBytes >> 20} MiB, " +
             $"gens {string.Join("/", gc.GenerationInfo.ToArray().Select(g => (g.SizeAfterBytes >> 20).ToString()))} MiB, " +
             $"collections {GC.CollectionCount(0)}/{GC.CollectionCount(1)}/{GC.CollectionCount(2)}";
    }
}
