using System.Diagnostics.CodeAnalysis;
using System.Text.Json.Serialization;

namespace Rmote.Tools;

/// <summary>
/// HTTP requests made by the remote host (python/tools/http.py, stdlib urllib): health checks of services that
/// only listen on the remote's loopback. An error status (4xx/5xx) is a result, not an exception; an unreachable
/// host is an <see cref="IOException"/>, no answer in time a <see cref="TimeoutException"/>.
/// </summary>
public static class Http
{
    /// <summary>The tool's Python source, shipped inside Rmote.Core.</summary>
    public static readonly PythonTool Tool = PythonTool.FromResource("Http", "http.py");

    /// <summary><c>get(url)</c>: GET with a 10 s limit, following redirects.</summary>
    public static readonly ToolMethod<string, HttpGetResult> Get = Tool.Method<string, HttpGetResult>("get");

    /// <summary><c>get(url, timeout, headers, follow_redirects, max_body, method)</c> from a record.</summary>
    public static readonly ToolMethod<HttpGetOptions, HttpGetResult> GetWith = Tool.KwMethod<HttpGetOptions, HttpGetResult>("get");
}

/// <summary>Arguments of <see cref="Http.GetWith"/>.</summary>
public sealed record HttpGetOptions
{
    /// <summary>Creates the options for <paramref name="url"/>.</summary>
    [SetsRequiredMembers]
    public HttpGetOptions(string url) => Url = url;

    /// <summary>An http:// or https:// URL, as the remote host resolves it.</summary>
    public required string Url { get; init; }
    /// <summary>Time limit for connecting and each read (default 10 s).</summary>
    [JsonConverter(typeof(NullableSecondsConverter))]
    public TimeSpan? Timeout { get; init; }
    /// <summary>Request headers.</summary>
    public IReadOnlyDictionary<string, string>? Headers { get; init; }
    /// <summary>False reports a 3xx itself instead of following it (default true).</summary>
    public bool? FollowRedirects { get; init; }
    /// <summary>Most body bytes returned (default 64 KiB; 0: none).</summary>
    public int? MaxBody { get; init; }
    /// <summary>HTTP method (default GET; HEAD for a cheap probe).</summary>
    public string? Method { get; init; }
}

/// <summary>Result of <see cref="Http.Get"/>.</summary>
public sealed record HttpGetResult
{
    /// <summary>The final URL (after redirects).</summary>
    public string Url { get; init; } = "";
    /// <summary>HTTP status code.</summary>
    public int Status { get; init; }
    /// <summary>Reason phrase.</summary>
    public string Reason { get; init; } = "";
    /// <summary>Response headers.</summary>
    public IReadOnlyDictionary<string, string> Headers { get; init; } = new Dictionary<string, string>();
    /// <summary>The start of the body, UTF-8 decoded.</summary>
    public string Body { get; init; } = "";
}
