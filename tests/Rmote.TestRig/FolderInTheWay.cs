namespace Rmote.TestRig;

/// <summary>
/// A transient failure for retry tests: a non-empty folder on one host where a copy puts the file
/// <c>fileName</c>, so the copy's attempt fails there ("a folder is in the way of a file"). Once the host has removed
/// that attempt's temp file (the attempt failed), the folder goes, as an operator would clear it, so a retry succeeds.
/// </summary>
public sealed class FolderInTheWay : IDisposable
{
    readonly FileSystemWatcher watcher;
    readonly string folder, fileName;

    /// <summary>Puts the folder <paramref name="fileName"/> (with a file in it) into the host-side folder <paramref name="localDestination"/>.</summary>
    public FolderInTheWay(string localDestination, string fileName)
    {
        this.fileName = fileName;
        folder = Path.Combine(localDestination, fileName);
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "keep.txt"), "a folder in the way");
        watcher = new FileSystemWatcher(localDestination) { IncludeSubdirectories = false, NotifyFilter = NotifyFilters.FileName };
        watcher.Deleted += OnDeleted;
        watcher.EnableRaisingEvents = true;
    }

    /// <summary>Completes when an attempt failed on the folder (its temp file was removed) and the folder was cleared.</summary>
    public TaskCompletionSource Cleared { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    void OnDeleted(object sender, FileSystemEventArgs e)
    {
        if (!e.Name!.Contains(".rmote-tmp-", StringComparison.Ordinal) || !e.Name.Contains(fileName, StringComparison.Ordinal) || Cleared.Task.IsCompleted) return;
        Directory.Delete(folder, recursive: true);
        Cleared.TrySetResult();
    }

    /// <inheritdoc/>
    public void Dispose() => watcher.Dispose();
}
