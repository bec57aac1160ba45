using Rmote.TestRig;
using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Rmote.Tools;

namespace Rmote.Core.Tests;

/// <summary>The protocol against a real local python3 child.</summary>
public sealed class LocalProtocolTests : IAsyncLifetime
{
    readonly CapturingLogger log = new();
    Protocol proto = null!;

    public async Task InitializeAsync() => proto = await Protocol.FromSubprocessAsync(new ProtocolOptions { Logger = log, RemoteLogLevel = LogLevel.Debug });

    public async Task DisposeAsync() => await proto.DisposeAsync();

    static class MyTool
    {
        static readonly PythonTool Tool = PythonTool.FromSource("MyTool", """
            class MyTool(Tool):
                @staticmethod
                def shout(text):
                    return text.upper()

                @staticmethod
                def point(x, y):
                    return {"x": x, "y": y, "sum": x + y}
            """);
        public static readonly ToolMethod<string, string> Shout = Tool.Method<string, string>("shout");
        public static readonly ToolMethod<int, int, Point> Point = Tool.Method<int, int, Point>("point");
        public static readonly ToolMethod<int, int, int> PointAsInt = Tool.Method<int, int, int>("point");
    }

    public sealed record Point(int X, int Y, int Sum);

    /// <summary>Calls the test synchronises with through files (the local remote shares this machine's disk), never through time.</summary>
    static class Gate
    {
        static readonly PythonTool Tool = PythonTool.FromSource("Gate", """
            import asyncio
            import os
            import time

            def _touch(path):
                open(path, "w").close()

            class Gate(Tool):
                @staticmethod
                async def hold(path, limit):
                    # Writes path.entered, then waits until path exists (True) or limit seconds pass (False);
                    # a cancel writes path.cancelled, so the test sees the remote task end.
                    _touch(path + ".entered")
                    try:
                        deadline = time.monotonic() + limit
                        while time.monotonic() < deadline:
                            if os.path.exists(path):
                                return True
                            await asyncio.sleep(0.02)
                        return False
                    except asyncio.CancelledError:
                        _touch(path + ".cancelled")
                        raise

                @staticmethod
                def ticks(path, limit):
                    # Yields 0, 1, ... until the call is cancelled or closed (writes path.stopped) or limit seconds pass.
                    deadline = time.monotonic() + limit
                    i = 0
                    try:
                        while time.monotonic() < deadline and not Tool.cancelled():
                            yield i
                            i += 1
                            time.sleep(0.01)
                    finally:
                        if time.monotonic() < deadline:
                            _touch(path + ".stopped")
            """);
        public static readonly ToolMethod<string, double, bool> Hold = Tool.Method<string, double, bool>("hold");
        public static readonly StreamMethod<string, double, int> Ticks = Tool.Stream<string, double, int>("ticks");
    }

    /// <summary>Waits for a file the remote writes, with a generous deadline that fails naming what did not happen.</summary>
    static async Task WaitForFileAsync(string path, string what)
    {
        for (var deadline = DateTime.UtcNow.AddSeconds(60); DateTime.UtcNow < deadline; await Task.Delay(20))
            if (File.Exists(path)) return;
        Assert.Fail($"{what}: {path} did not appear within 60 s");
    }

    [Fact]
    public async Task Hello_reports_the_remote_interpreter()
    {
        Assert.True(proto.Info.Pid > 0);
        Assert.StartsWith("3.", proto.Info.Python);
        Assert.Equal("local", proto.Name);
        Assert.Equal("pong", await proto.CallAsync(Diag.Ping));
    }

    [Fact]
    public async Task Custom_tool_from_source_returns_typed_records()
    {
        Assert.Equal("HELLO", await proto.CallAsync(MyTool.Shout, "hello"));
        Assert.Equal(new Point(2, 3, 5), await proto.CallAsync(MyTool.Point, 2, 3));
    }

    [Fact]
    public async Task Bytes_travel_raw_both_ways()
    {
        var data = new byte[3 * 1024 * 1024 + 17];
        Random.Shared.NextBytes(data);
        Assert.Equal(data, await proto.CallAsync(Diag.EchoBytes, data));
        Assert.Equal(new byte[0], await proto.CallAsync(Diag.EchoBytes, Array.Empty<byte>()));
        var compressible = new byte[1 << 20];
        Assert.Equal(compressible, await proto.CallAsync(Diag.EchoBytes, compressible));
    }

    [Fact]
    public async Task Structured_values_round_trip()
    {
        var value = new Dictionary<string, object?> { ["a"] = 1, ["b"] = new[] { "x", "y" }, ["c"] = null, ["ü"] = "€" };
        var echoed = await proto.CallAsync(Diag.Echo<JsonElement>(), JsonSerializer.SerializeToElement(value));
        Assert.Equal(1, echoed.GetProperty("a").GetInt32());
        Assert.Equal("y", echoed.GetProperty("b")[1].GetString());
        Assert.Equal("€", echoed.GetProperty("ü").GetString());
    }

    [Fact]
    public async Task Many_calls_in_flight_come_back_to_their_callers()
    {
        var calls = Enumerable.Range(0, 2000).Select(i => proto.CallAsync(Diag.EchoString, $"call-{i}")).ToArray();
        var results = await Task.WhenAll(calls);
        for (var i = 0; i < results.Length; i++) Assert.Equal($"call-{i}", results[i]);
    }

    [Fact]
    public async Task Slow_calls_do_not_block_fast_ones()
    {
        using var dir = new TempDir();
        var gate = dir.Combine("gate");
        var slow = proto.CallAsync(Gate.Hold, gate, 120.0);
        await WaitForFileAsync(gate + ".entered", "the slow call never started");
        // The slow call is running and waits for the gate: a ping that queued behind it would only come back once
        // the gate opens, which happens after the ping (or never: the 60 s guard fails the test instead).
        var ping = proto.CallAsync(Diag.Ping);
        if (await Task.WhenAny(ping, Task.Delay(TimeSpan.FromSeconds(60))) != ping) Assert.Fail("a ping waited for a call that was still running");
        Assert.Equal("pong", await ping);
        Assert.False(slow.IsCompleted);
        File.WriteAllText(gate, "");
        Assert.True(await slow);
    }

    [Theory]
    [InlineData("FileNotFoundError", typeof(RemoteFileNotFoundException), typeof(FileNotFoundException))]
    [InlineData("PermissionError", typeof(RemoteUnauthorizedAccessException), typeof(UnauthorizedAccessException))]
    [InlineData("IsADirectoryError", typeof(RemoteIOException), typeof(IOException))]
    [InlineData("OSError", typeof(RemoteIOException), typeof(IOException))]
    [InlineData("TimeoutError", typeof(RemoteTimeoutException), typeof(TimeoutException))]
    [InlineData("ValueError", typeof(RemoteArgumentException), typeof(ArgumentException))]
    [InlineData("TypeError", typeof(RemoteArgumentException), typeof(ArgumentException))]
    [InlineData("KeyError", typeof(RemoteKeyNotFoundException), typeof(KeyNotFoundException))]
    [InlineData("NotImplementedError", typeof(RemoteNotSupportedException), typeof(NotSupportedException))]
    [InlineData("CalledProcessError", typeof(RemoteCommandException), typeof(RemoteException))]
    [InlineData("RuntimeError", typeof(RemoteException), typeof(RemoteException))]
    public async Task Python_exceptions_map_to_the_dotnet_exception_a_caller_catches(string pythonType, Type expected, Type catchable)
    {
        var error = await Assert.ThrowsAnyAsync<Exception>(() => proto.CallAsync(Diag.RaiseError, pythonType, "boom"));
        Assert.IsType(expected, error);
        Assert.IsAssignableFrom(catchable, error);
        var remote = Assert.IsAssignableFrom<IRemoteError>(error);
        Assert.Equal(pythonType, remote.PythonType);
        Assert.Contains("Traceback", remote.RemoteTraceback);
        Assert.Equal("local", remote.Host);
        Assert.Contains("boom", error.Message);
        Assert.Contains("remote traceback", error.ToString());
    }

    [Fact]
    public async Task Command_errors_carry_exit_code_and_output()
    {
        var error = await Assert.ThrowsAsync<RemoteCommandException>(() => proto.CallAsync(Diag.RaiseError, "CalledProcessError", "boom"));
        Assert.Equal(3, error.ExitCode);
        Assert.Equal("out", error.Stdout);
        Assert.Equal("boom", error.Stderr);
        Assert.Contains("stderr: boom", error.Message);
    }

    [Fact]
    public async Task Cancelling_a_call_cancels_the_remote_task_and_the_connection_goes_on()
    {
        using var dir = new TempDir();
        var gate = dir.Combine("gate");
        using var cts = new CancellationTokenSource();
        var call = proto.CallAsync(Gate.Hold, gate, 120.0, cts.Token);
        await WaitForFileAsync(gate + ".entered", "the call never started");
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);
        // The remote task itself was cancelled (it records it), long before its gate or its 120 s limit.
        await WaitForFileAsync(gate + ".cancelled", "the remote task was not cancelled");
        Assert.Equal("pong", await proto.CallAsync(Diag.Ping));
    }

    [Fact]
    public async Task A_handle_timeout_throws_TimeoutException()
    {
        var error = await Assert.ThrowsAsync<TimeoutException>(() => proto.CallAsync(Diag.Sleep.WithTimeout(TimeSpan.FromMilliseconds(200)), 30.0));
        // the limit in seconds and where it was set, not a raw TimeSpan ("00:00:00.2000000")
        Assert.Contains("Diag.sleep did not finish within its time limit of 0.2 s (WithTimeout); the remote call was cancelled.", error.Message);
        Assert.Equal("pong", await proto.CallAsync(Diag.Ping));
    }

    [Fact]
    public async Task Generators_stream_items_as_they_are_produced()
    {
        var items = new List<int>();
        await foreach (var i in proto.StreamAsync(Diag.Count, 5, 0.0)) items.Add(i);
        Assert.Equal([0, 1, 2, 3, 4], items);
        items.Clear();
        await foreach (var i in proto.StreamAsync(Diag.AsyncCount, 4, 0.0)) items.Add(i);
        Assert.Equal([0, 1, 2, 3], items);
    }

    [Fact]
    public async Task A_slow_reader_holds_a_fast_stream_to_its_window_and_then_reads_all_of_it()
    {
        await using var p = await Protocol.FromSubprocessAsync(new ProtocolOptions { StreamWindow = 256 * 1024 });
        const int size = 16 * 1024, n = 2000;  // 32 MiB in all
        var read = 0;
        await foreach (var block in p.StreamAsync(Diag.Blocks, n, size))
        {
            Assert.Equal(size, block.Length);
            if (++read == 1)
            {
                // 256 KiB window: about 16 blocks sent, one more made and held (the generator waits for credit)
                var made = 0;
                for (var deadline = DateTime.UtcNow.AddSeconds(30); made < 15 && DateTime.UtcNow < deadline; await Task.Delay(50))
                    made = await p.CallAsync(Diag.Made, "blocks");
                // Not synchronisation: a window in which a generator that ignored the window would run ahead. A
                // correct runtime stays at the window whatever the timing, so this never fails a correct product.
                await Task.Delay(300);
                Assert.InRange(await p.CallAsync(Diag.Made, "blocks"), 15, 20);
            }
        }
        Assert.Equal(n, read);
        Assert.Equal(n, await p.CallAsync(Diag.Made, "blocks"));
    }

    [Fact]
    public async Task A_stream_window_under_64_KiB_is_refused_with_the_limit()
    {
        var e = await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => Protocol.FromSubprocessAsync(new ProtocolOptions { StreamWindow = 1000 }));
        Assert.Contains("StreamWindow must be at least 65536", e.Message);
    }

    [Fact]
    public async Task Leaving_a_stream_early_cancels_the_remote_generator()
    {
        using var dir = new TempDir();
        var marker = dir.Combine("ticks");
        await foreach (var i in proto.StreamAsync(Gate.Ticks, marker, 120.0))
            if (i == 2) break;
        // The generator stops on the remote well before its 120 s limit, and says so.
        await WaitForFileAsync(marker + ".stopped", "the remote generator kept running after the stream was left");
        Assert.Equal("pong", await proto.CallAsync(Diag.Ping));
    }

    [Fact]
    public async Task Remote_logging_records_reach_the_ILogger_at_their_level()
    {
        await proto.CallAsync(Diag.Log, 30, "disk almost full");
        await proto.CallAsync(Diag.Log, 40, "it broke");
        await WaitUntil(() => log.Entries.Any(e => e.Message.Contains("it broke")));
        Assert.Contains(log.Entries, e => e.Level == LogLevel.Warning && e.Message.Contains("disk almost full") && e.Message.Contains("[local]"));
        Assert.Contains(log.Entries, e => e.Level == LogLevel.Error && e.Message.Contains("it broke"));
    }

    [Fact]
    public async Task Stray_stdout_from_a_tool_or_its_children_does_not_corrupt_the_channel()
    {
        Assert.Equal("ok", await proto.CallAsync(Diag.StdoutNoise));
        Assert.Equal("pong", await proto.CallAsync(Diag.Ping));
    }

    [Fact]
    public async Task A_result_of_the_wrong_shape_gives_a_clear_error()
    {
        var error = await Assert.ThrowsAsync<RemoteResultException>(() => proto.CallAsync(MyTool.PointAsInt, 1, 2));
        Assert.Contains("MyTool.point", error.Message);
        Assert.Contains("Int32", error.Message);
        Assert.Equal("pong", await proto.CallAsync(Diag.Ping));
    }

    [Fact]
    public async Task A_broken_tool_source_fails_its_calls_with_the_python_error()
    {
        var broken = PythonTool.FromSource("Broken", "class Broken(Tool):\n    def f(self:\n        pass\n").Method<int>("f");
        var error = await Assert.ThrowsAsync<RemoteException>(() => proto.CallAsync(broken));
        Assert.Equal("SyntaxError", error.PythonType);
        Assert.Equal("pong", await proto.CallAsync(Diag.Ping));
    }

    [Fact]
    public async Task The_remote_exiting_fails_pending_and_later_calls_with_connection_lost()
    {
        await using var other = await Protocol.FromSubprocessAsync();
        var sleeping = other.CallAsync(Diag.Sleep, 30.0);
        await other.CallAsync(Quit.Exit, 0);
        var lost = await Assert.ThrowsAsync<RemoteConnectionLostException>(() => sleeping);
        Assert.Contains("local", lost.Message);
        await Assert.ThrowsAsync<RemoteConnectionLostException>(() => other.CallAsync(Diag.Ping));
    }

    [Fact]
    public async Task Killing_the_remote_fails_pending_calls_at_once()
    {
        await using var other = await Protocol.FromSubprocessAsync();
        var sleeping = other.CallAsync(Diag.Sleep, 30.0);
        Process.GetProcessById(other.Info.Pid).Kill();
        var lost = await Assert.ThrowsAsync<RemoteConnectionLostException>(() => sleeping.WaitAsync(TimeSpan.FromSeconds(60)));
        Assert.Equal(137, lost.ExitCode); // 128 + SIGKILL
        Assert.Equal("the transport process was killed by signal 9 (SIGKILL)", lost.ExitMeaning);
    }

    [Fact]
    public async Task Disposing_kills_and_reaps_the_child()
    {
        var other = await Protocol.FromSubprocessAsync();
        var pid = other.Info.Pid;
        Assert.True(Directory.Exists($"/proc/{pid}"));
        await other.DisposeAsync();
        Assert.False(Directory.Exists($"/proc/{pid}"), "the python child is still there (or a zombie) after DisposeAsync");
        await Assert.ThrowsAsync<RemoteConnectionLostException>(() => other.CallAsync(Diag.Ping));
    }

    [Fact]
    public async Task The_compressed_runtime_is_small()
    {
        Assert.InRange(Protocol.BootstrapSize, 1000, 16 * 1024);
        var info = await proto.CallAsync(Diag.Info);
        Assert.Equal(proto.Info.Pid, info.Pid);
        Assert.True(info.RssKib > 0);
    }

    [Fact]
    public void The_runtime_is_sent_without_comments_and_docstrings_on_the_same_lines()
    {
        var source = Rmote.Transport.EmbeddedPython.Read("runtime.py");
        var sent = Rmote.Transport.Bootstrap.WithoutProse(source);
        Assert.Equal(source.Split('\n').Length, sent.Split('\n').Length);
        Assert.DoesNotContain("\"\"\"", sent);
        Assert.InRange(sent.Length, source.Length / 2, source.Length * 9 / 10);
        Assert.Equal("class FrameDecoder:", sent.Split('\n')[Array.FindIndex(source.Split('\n'), l => l == "class FrameDecoder:")]);
    }

    [Fact]
    public async Task A_tool_that_imports_the_toolkit_gets_it_synced_in_front_and_the_bootstrap_does_not_carry_it()
    {
        Assert.DoesNotContain("def write_file", Rmote.Transport.EmbeddedPython.Read("runtime.py"), StringComparison.Ordinal);
        var tool = PythonTool.FromSource("UsesToolkit",
            "class UsesToolkit(Tool):\n    @staticmethod\n    def write(path):\n" +
            "        from rmote_toolkit import write_file\n        return write_file(path, b'hi')[0]\n");
        var path = Path.Combine(Path.GetTempPath(), "rmote-toolkit-" + Guid.NewGuid().ToString("N"));
        try
        {
            Assert.True(await proto.CallAsync(tool.Method<string, bool>("write"), path));
            Assert.False(await proto.CallAsync(tool.Method<string, bool>("write"), path));
            Assert.Equal("hi", await File.ReadAllTextAsync(path));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task Compiled_code_is_cached_for_the_remote_user_unless_turned_off()
    {
        var folder = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "rmote");
        Assert.Equal(folder, proto.Info.CodeCache);
        Assert.NotEmpty(Directory.GetFiles(folder, "runtime-*"));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(folder));
        await using var off = await Protocol.FromSubprocessAsync(new ProtocolOptions { CodeCache = false });
        Assert.Null(off.Info.CodeCache);
        Assert.False(string.IsNullOrEmpty(await off.CallAsync(Diag.Ping)));

        // On the disk: a remote whose ~/.cache is an empty folder of the test's (bound over it in a private mount
        // namespace) leaves it empty with the cache off, and fills it with the cache on (so the look can fail).
        Assert.Empty(await CacheFilesWrittenAsync(codeCache: false));
        Assert.Contains(await CacheFilesWrittenAsync(codeCache: true), f => f.StartsWith("rmote/runtime-", StringComparison.Ordinal));
    }

    /// <summary>Connects with ~/.cache replaced by an empty folder, runs a runtime and a tool call, returns what it wrote there.</summary>
    static async Task<string[]> CacheFilesWrittenAsync(bool codeCache)
    {
        using var home = new TempDir();
        await using (var p = await Protocol.FromCommandAsync(WithDotCache(home.Path), new ProtocolOptions { CodeCache = codeCache }))
            Assert.Equal("HI", await p.CallAsync(MyTool.Shout, "hi"));
        return [.. Directory.GetFileSystemEntries(home.Path, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(home.Path, f))];
    }

    /// <summary>A python3 whose ~/.cache is <paramref name="folder"/> (bound over it in a private mount namespace).</summary>
    static string[] WithDotCache(string folder) =>
        ["unshare", "--mount", "--propagation", "private", "sh", "-c", "mount --bind \"$1\" \"$2\" && shift 2 && exec python3 \"$@\"", "sh",
         folder, Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache")];

    [Fact]
    public async Task A_tool_the_code_cache_holds_is_synced_without_its_source_and_a_damaged_entry_is_never_run()
    {
        using var home = new TempDir();
        var tool = PythonTool.FromSource("CacheProbe", "class CacheProbe(Tool):\n    @staticmethod\n    def version():\n        return 1\n");
        async Task<string> ConnectAndCallAsync(bool expectListed)
        {
            var connectionLog = new CapturingLogger();
            await using var p = await Protocol.FromCommandAsync(WithDotCache(home.Path), new ProtocolOptions { Logger = connectionLog });
            Assert.Equal(expectListed, p.Info.CachedTools.Contains(tool.Key));
            // A shipped tool travels without its prose: its key is of the source as sent, which names its entry.
            Assert.Equal(expectListed, p.Info.CachedTools.Contains(Diag.Ping.Tool.Key));
            Assert.Equal(1, await p.CallAsync(tool.Method<int>("version")));
            Assert.False(string.IsNullOrEmpty(await p.CallAsync(Diag.Ping)));
            return connectionLog.AllText;
        }

        await ConnectAndCallAsync(expectListed: false);  // sent with its source, stored
        var entry = Directory.GetFiles(Path.Combine(home.Path, "rmote"), "tool-CacheProbe-*").Single();
        var good = await File.ReadAllBytesAsync(entry);
        Assert.DoesNotContain("was not usable", await ConnectAndCallAsync(expectListed: true), StringComparison.Ordinal);

        // One byte of the compiled code changed: the host asks for the source (NEED) and runs that, never the entry.
        var damaged = good.ToArray();
        damaged[^20] ^= 1;
        await File.WriteAllBytesAsync(entry, damaged);
        Assert.Contains($"entry of {tool.Key} was not usable", await ConnectAndCallAsync(expectListed: true), StringComparison.Ordinal);
        Assert.Equal(good, await File.ReadAllBytesAsync(entry));  // stored again
    }

    /// <summary>Polls a condition with a deadline generous enough for a loaded machine (60 s); fails if it never holds.</summary>
    internal static async Task WaitUntil(Func<bool> condition)
    {
        for (var deadline = DateTime.UtcNow.AddSeconds(60); !condition() && DateTime.UtcNow < deadline;) await Task.Delay(50);
        Assert.True(condition(), "the condition did not hold within 60 s");
    }
}
