namespace Rmote.Deploy;

/// <summary>Progress of one host's copy.</summary>
/// <param name="Host">The host's name.</param>
/// <param name="FilesDone">Files written so far.</param>
/// <param name="FilesToSend">Files that differ and must be sent (known after the compare step).</param>
/// <param name="BytesSent">File bytes acknowledged by the host so far.</param>
/// <param name="BytesToSend">Total bytes of the files to send, less the blocks a delta copy found on the host already.</param>
/// <param name="Elapsed">Time since the copy started.</param>
/// <param name="CurrentFile">A file being sent now, if any.</param>
public sealed record CopyProgress(string Host, int FilesDone, int FilesToSend, long BytesSent, long BytesToSend, TimeSpan Elapsed, string? CurrentFile)
{
    /// <summary>Average rate so far, in bytes per second.</summary>
    public double BytesPerSecond => Elapsed.TotalSeconds > 0 ? BytesSent / Elapsed.TotalSeconds : 0;

    /// <summary>Fraction of bytes done, 0..1 (1 when nothing needs sending).</summary>
    public double Fraction => BytesToSend > 0 ? (double)BytesSent / BytesToSend : 1;

    /// <summary>One line for a build log: <c>copying 42% of 500.0 MiB (3/10 files), 118.3 MiB/s</c>.</summary>
    public string Summary =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"copying {Math.Floor(Fraction * 100):0}% of {BytesToSend / 1048576.0:0.0} MiB ({FilesDone}/{FilesToSend} files), {BytesPerSecond / 1048576.0:0.0} MiB/s");
}
