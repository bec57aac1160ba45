using Rmote.Deploy;

namespace Rmote.Core.Tests.Deploy;

/// <summary>A host's sums read whole before anything looks at them: what the tests check pages against.</summary>
internal static class WholeSignature
{
    /// <summary>All the sums of a host's file (<see cref="HostSignature.StartAsync"/>, then every page, then its end).</summary>
    public static async Task<HostSignature> ReadAsync(long size, IAsyncEnumerable<BlockSumsPage> pages, CancellationToken cancellationToken)
    {
        var signature = await HostSignature.StartAsync(size, pages, cancellationToken);
        try
        {
            while (!signature.Complete) await signature.WaitForMoreAsync(cancellationToken);
            await signature.EndAsync();
            return signature;
        }
        catch
        {
            await signature.DisposeAsync();
            throw;
        }
    }
}
