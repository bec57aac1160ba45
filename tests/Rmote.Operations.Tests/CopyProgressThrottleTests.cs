using Rmote.Deploy;

namespace Rmote.Operations.Tests;

/// <summary>A long copy reports per host at a bounded rate; a short one reports nothing. Time is the test's own clock.</summary>
public sealed class CopyProgressThrottleTests
{
    sealed class ManualTime : TimeProvider
    {
        long now;
        public override long TimestampFrequency => TimeSpan.TicksPerSecond;
        public override long GetTimestamp() => now;
        public void Advance(TimeSpan by) => now += by.Ticks;
    }

    static CopyProgress At(string host, long sent) => new(host, 0, 1, sent, 100, TimeSpan.FromSeconds(1), "big.bin");

    [Fact]
    public void Each_host_reports_at_most_once_per_interval_and_not_before_the_first_interval()
    {
        var time = new ManualTime();
        var seen = new List<CopyProgress>();
        var throttle = new CopyProgressThrottle(TimeSpan.FromSeconds(2), seen.Add, time);

        throttle.Report(At("web01", 1));
        throttle.Report(At("web02", 1));
        time.Advance(TimeSpan.FromSeconds(1.9));
        throttle.Report(At("web01", 10));
        Assert.Empty(seen); // a copy that ends within its first interval prints nothing

        time.Advance(TimeSpan.FromSeconds(0.1));
        throttle.Report(At("web01", 20));
        throttle.Report(At("web01", 21)); // the same instant: one line per interval
        throttle.Report(At("web02", 20));
        Assert.Equal(["web01:20", "web02:20"], seen.Select(p => $"{p.Host}:{p.BytesSent}"));

        time.Advance(TimeSpan.FromSeconds(1));
        throttle.Report(At("web01", 30));
        time.Advance(TimeSpan.FromSeconds(1));
        throttle.Report(At("web01", 40));
        Assert.Equal(["web01:20", "web02:20", "web01:40"], seen.Select(p => $"{p.Host}:{p.BytesSent}"));
    }

    [Fact]
    public void A_finished_copy_adds_no_line_since_its_summary_follows()
    {
        var time = new ManualTime();
        var seen = new List<CopyProgress>();
        var throttle = new CopyProgressThrottle(TimeSpan.FromSeconds(2), seen.Add, time);
        throttle.Report(At("web01", 1));
        time.Advance(TimeSpan.FromSeconds(5));
        throttle.Report(At("web01", 100));
        Assert.Empty(seen);
    }

    [Fact]
    public void A_progress_line_names_percentage_size_files_and_rate()
    {
        var p = new CopyProgress("web01", 3, 10, 210 * 1048576L, 500 * 1048576L, TimeSpan.FromSeconds(2), "big.bin");
        Assert.Equal("copying 42% of 500.0 MiB (3/10 files), 105.0 MiB/s", p.Summary);
    }

    [Fact]
    public void The_interval_must_be_positive()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new CopyProgressThrottle(TimeSpan.Zero, _ => { }));
    }
}
