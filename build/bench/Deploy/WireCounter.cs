using System.Net;
using System.Net.Sockets;

/// <summary>
/// A TCP relay on loopback in front of one sshd that counts the bytes it carries each way: every tool that connects
/// through it (Rmote's ssh and rsync's alike) is counted the same way, encrypted SSH bytes as they cross the wire.
/// </summary>
sealed class WireCounter : IDisposable
{
    readonly TcpListener listener = new(IPAddress.Loopback, 0);
    readonly int target;
    readonly CancellationTokenSource stop = new();
    long up, down;

    public WireCounter(int targetPort)
    {
        target = targetPort;
        listener.Start();
        _ = AcceptAsync();
    }

    /// <summary>The relay's port: connect here instead of the sshd's.</summary>
    public int Port => ((IPEndPoint)listener.LocalEndpoint).Port;

    /// <summary>Bytes to the host and back since the last <see cref="Reset"/>.</summary>
    public (long Up, long Down) Counted => (Interlocked.Read(ref up), Interlocked.Read(ref down));

    public void Reset() => (up, down) = (0, 0);

    async Task AcceptAsync()
    {
        while (!stop.IsCancellationRequested)
        {
            TcpClient client;
            try { client = await listener.AcceptTcpClientAsync(stop.Token); }
            catch (OperationCanceledException) { return; }
            catch (ObjectDisposedException) { return; }
            _ = RelayAsync(client);
        }
    }

    async Task RelayAsync(TcpClient client)
    {
        using var c = client;
        using var server = new TcpClient();
        await server.ConnectAsync(IPAddress.Loopback, target);
        var a = Pump(c.GetStream(), server.GetStream(), isUp: true);
        var b = Pump(server.GetStream(), c.GetStream(), isUp: false);
        await Task.WhenAny(a, b);
        c.Client.Shutdown(SocketShutdown.Both);
        server.Client.Shutdown(SocketShutdown.Both);
        try { await Task.WhenAll(a, b); } catch { /* the other side closed */ }
    }

    async Task Pump(NetworkStream from, NetworkStream to, bool isUp)
    {
        var buffer = new byte[256 * 1024];
        int n;
        while ((n = await from.ReadAsync(buffer, stop.Token)) > 0)
        {
            await to.WriteAsync(buffer.AsMemory(0, n), stop.Token);
            if (isUp) Interlocked.Add(ref up, n);
            else Interlocked.Add(ref down, n);
        }
    }

    public void Dispose()
    {
        stop.Cancel();
        listener.Stop();
        stop.Dispose();
    }
}
