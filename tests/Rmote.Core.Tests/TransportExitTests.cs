using Rmote.Transport;

namespace Rmote.Core.Tests;

/// <summary>A lost connection's message says what the transport's exit code means, and nothing when it means nothing.</summary>
public sealed class TransportExitTests
{
    [Theory]
    [InlineData(137, false, "the transport process was killed by signal 9 (SIGKILL)")]
    [InlineData(143, true, "the transport process was killed by signal 15 (SIGTERM)")]
    [InlineData(255, true, "ssh's code for a connection that failed or dropped, or a remote interpreter killed by a signal")]
    [InlineData(255, false, null)]  // docker, kubectl...: their own 255
    [InlineData(1, true, null)]
    [InlineData(0, false, null)]
    public void Exit_codes_are_explained_only_where_they_tell_something(int code, bool ssh, string? meaning)
    {
        Assert.Equal(meaning, TransportExit.Describe(code, ssh));
        var lost = new RemoteConnectionLostException("web1", "the remote closed the connection", code, null, null, meaning);
        Assert.Equal(meaning is null ? $"[web1] connection lost: the remote closed the connection (exit code {code})"
            : $"[web1] connection lost: the remote closed the connection (exit code {code}: {meaning})", lost.Message);
    }
}
