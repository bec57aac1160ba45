namespace Rmote.Deploy;

/// <summary>Bounds the file bytes held in memory and in flight for one host (acquired in 64 KiB units, FIFO).</summary>
internal sealed class ByteBudget : IDisposable
{
    const int Unit = 64 * 1024;
    readonly SemaphoreSlim units;
    readonly SemaphoreSlim gate = new(1, 1);
    readonly int capacity;

    public ByteBudget(long bytes)
    {
        capacity = (int)Math.Max(1, bytes / Unit);
        units = new SemaphoreSlim(capacity, capacity);
    }

    int UnitsFor(long bytes) => (int)Math.Clamp((bytes + Unit - 1) / Unit, 1, capacity);

    /// <summary>Waits until <paramref name="bytes"/> (clamped to the capacity) are available; returns the units taken.</summary>
    public async ValueTask<int> AcquireAsync(long bytes, CancellationToken cancellationToken)
    {
        var n = UnitsFor(bytes);
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        var taken = 0;
        try
        {
            for (; taken < n; taken++)
                await units.WaitAsync(cancellationToken).ConfigureAwait(false);
            return n;
        }
        catch
        {
            if (taken > 0) units.Release(taken);
            throw;
        }
        finally
        {
            gate.Release();
        }
    }

    public void Release(int taken) => units.Release(taken);

    public void Dispose()
    {
        units.Dispose();
        gate.Dispose();
    }
}
