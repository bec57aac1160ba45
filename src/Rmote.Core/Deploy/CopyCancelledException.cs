namespace Rmote.Deploy;

/// <summary>
/// A copy to one host was cancelled. Before it ends, the controller aborted the writes in flight (bounded: 2 s), so the
/// host keeps its old files and no temp file; <see cref="TempFilesRemoved"/> says whether the host confirmed that.
/// </summary>
public sealed class CopyCancelledException : OperationCanceledException
{
    /// <summary>Creates the exception for <paramref name="host"/>.</summary>
    public CopyCancelledException(string host, int filesInFlight, bool tempFilesRemoved, CancellationToken token)
        : base(Text(host, filesInFlight, tempFilesRemoved), token)
    {
        Host = host;
        FilesInFlight = filesInFlight;
        TempFilesRemoved = tempFilesRemoved;
    }

    /// <summary>The host whose copy was cancelled.</summary>
    public string Host { get; }

    /// <summary>Files whose bytes were on their way when the copy was cancelled (none of them replaced the host's version).</summary>
    public int FilesInFlight { get; }

    /// <summary>The host answered every abort within the bound: the temp files of the files in flight are gone.</summary>
    public bool TempFilesRemoved { get; }

    static string Text(string host, int files, bool removed) => files == 0
        ? $"[{host}] copy cancelled: no file was in flight"
        : removed
            ? $"[{host}] copy cancelled: {Files(files)} in flight, {(files == 1 ? "its temp file" : "their temp files")} removed"
            : $"[{host}] copy cancelled: {Files(files)} in flight; the host did not confirm removing {(files == 1 ? "its temp file" : "their temp files")} " +
              "within 2 s (it removes them when the connection ends, or the next copy to this folder does)";

    static string Files(int n) => n == 1 ? "1 file" : $"{n} files";
}
