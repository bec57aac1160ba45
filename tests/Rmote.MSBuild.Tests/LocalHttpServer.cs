using System.Diagnostics;
using System.Text.RegularExpressions;
using Rmote.TestRig;

namespace Rmote.MSBuild.Tests;

/// <summary>A real HTTP server on loopback (<c>python3 -m http.server</c>) serving a temp folder, for URL health checks.</summary>
internal sealed partial class LocalHttpServer : IDisposable
{
    readonly TempDir served;
    readonly Process process;

    LocalHttpServer(TempDir served, Process process, int port) => (this.served, this.process, Port) = (served, process, port);

    /// <summary>The port the server listens on (chosen by the system).</summary>
    public int Port { get; }

    /// <summary>http://127.0.0.1:PORT/<paramref name="path"/>.</summary>
    public string Url(string path) => $"http://127.0.0.1:{Port}/{path}";

    /// <summary>Starts the server with <paramref name="files"/> (relative path, content) and waits until it says where it listens.</summary>
    public static async Task<LocalHttpServer> StartAsync(params (string Path, string Content)[] files)
    {
        var dir = new TempDir("rmote-msb-http-");
        foreach (var (path, content) in files) dir.WriteFile(path, content);
        var psi = new ProcessStartInfo("/usr/bin/python3") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "-u", "-m", "http.server", "--bind", "127.0.0.1", "--directory", dir.Path, "0" }) psi.ArgumentList.Add(a);
        var p = Process.Start(psi)!;
        _ = p.StandardError.ReadToEndAsync();
        // "Serving HTTP on 127.0.0.1 port 41234 (http://127.0.0.1:41234/) ..." once the socket listens.
        var line = await p.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60));
        var m = line is null ? null : ServingLine().Match(line);
        if (m is not { Success: true })
        {
            p.Kill();
            dir.Dispose();
            throw new InvalidOperationException($"python3 -m http.server did not say where it listens (first line: {line ?? "none"})");
        }
        _ = p.StandardOutput.ReadToEndAsync();
        return new LocalHttpServer(dir, p, int.Parse(m.Groups[1].Value));
    }

    [GeneratedRegex(@" port (\d+) ")]
    private static partial Regex ServingLine();

    public void Dispose()
    {
        try { if (!process.HasExited) process.Kill(); } catch (InvalidOperationException) { }
        process.WaitForExit();
        process.Dispose();
        served.Dispose();
    }
}
