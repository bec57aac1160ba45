using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Rmote.TestRig;

/// <summary>
/// A real HTTP server on 127.0.0.1 (which the rig's hosts share) for health-wait tests: it answers 503 to its first
/// <c>unhealthyRequests</c> requests, then 200; it counts what it answered. One request per connection.
/// </summary>
public sealed class HttpStatusServer : IAsyncDisposable
{
    readonly TcpListener listener;
    readonly int unhealthyRequests;
    readonly CancellationTokenSource stop = new();
    readonly Task loop;
    int requests, unhealthy, healthy;

    HttpStatusServer(int unhealthyRequests)
    {
        this.unhealthyRequests = unhealthyRequests;
        listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        loop = AcceptLoopAsync();
    }

    /// <summary>Starts a server answering 503 to its first <paramref name="unhealthyRequests"/> requests, then 200 (<see cref="int.MaxValue"/>: never healthy).</summary>
    public static HttpStatusServer Start(int unhealthyRequests) => new(unhealthyRequests);

    /// <summary>The URL a host fetches.</summary>
    public string Url => $"http://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}/health";

    /// <summary>Requests answered 503.</summary>
    public int Unhealthy => Volatile.Read(ref unhealthy);

    /// <summary>Requests answered 200.</summary>
    public int Healthy => Volatile.Read(ref healthy);

    async Task AcceptLoopAsync()
    {
        while (!stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await listener.AcceptTcpClientAsync(stop.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }
            _ = AnswerAsync(client);
        }
    }

    async Task AnswerAsync(TcpClient client)
    {
        using (client)
        {
            try
            {
                var stream = client.GetStream();
                var head = new StringBuilder();
                var buffer = new byte[4096];
                while (!head.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
                {
                    var n = await stream.ReadAsync(buffer, stop.Token).ConfigureAwait(false);
                    if (n == 0) return;
                    head.Append(Encoding.ASCII.GetString(buffer, 0, n));
                }
                var healthy = Interlocked.Increment(ref requests) > unhealthyRequests;
                Interlocked.Increment(ref healthy ? ref this.healthy : ref unhealthy);
                var body = healthy ? "ok\n" : "starting\n";
                var status = healthy ? "200 OK" : "503 Service Unavailable";
                var response = $"HTTP/1.1 {status}\r\nContent-Type: text/plain\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n{body}";
                await stream.WriteAsync(Encoding.ASCII.GetBytes(response), stop.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException)
            {
                // the host gave up on this attempt (its own time limit): nothing to answer
            }
        }
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync().ConfigureAwait(false);
        listener.Stop();
        await loop.ConfigureAwait(false);
        stop.Dispose();
    }
}
