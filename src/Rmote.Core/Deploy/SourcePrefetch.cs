using System.Runtime.CompilerServices;
using Rmote.Operations;

namespace Rmote.Deploy;

/// <summary>
/// A copy's local side read while the hosts are still connecting: a front end starts it just before it connects, and the
/// copy of that same source with the same options takes it instead of reading again, so the walk (and the hashing, with
/// checksums) overlaps the ssh login and the remote runtime's start. Each read serves one copy only, as before: the copy
/// still reads the source afresh, only earlier; what it reads is validated the same way before anything is sent.
/// </summary>
internal static class SourcePrefetch
{
    sealed record Read(CopyOptions Options, Task<SourceManifest> Manifest);

    static readonly ConditionalWeakTable<CopySource, Read> Started = new();

    /// <summary>
    /// Starts reading <paramref name="request"/>'s source and returns the read (null when the options are refused: anything
    /// wrong is left for the copy itself to report).
    /// </summary>
    public static Task<SourceManifest>? Start(CopyRequest request, CancellationToken cancellationToken) => Start(request.Source, request.Options, cancellationToken);

    /// <summary>Starts reading <paramref name="source"/> with <paramref name="options"/> (<see cref="Copier.StartReading"/>); null when the options are refused.</summary>
    public static Task<SourceManifest>? Start(CopySource source, CopyOptions options, CancellationToken cancellationToken)
    {
        Task<SourceManifest> manifest;
        try
        {
            manifest = new Copier(source, options).ReadFreshAsync(cancellationToken);
        }
        catch (Exception)
        {
            return null;  // refused options: the copy refuses them with its own message
        }
        // A copy that never runs (no host connected) leaves the read unobserved: observe its failure here.
        _ = manifest.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
        Started.AddOrUpdate(source, new Read(Key(options), manifest));
        return manifest;
    }

    /// <summary>The read started for <paramref name="source"/> with the same options (progress aside), taken once; else null.</summary>
    public static Task<SourceManifest>? Take(CopySource source, CopyOptions options) =>
        Started.TryGetValue(source, out var read) && read.Options == Key(options) && Started.Remove(source) ? read.Manifest : null;

    // The copy adds its progress reporting to the options after the read started; nothing else differs.
    static CopyOptions Key(CopyOptions options) => options with { Progress = null };
}
