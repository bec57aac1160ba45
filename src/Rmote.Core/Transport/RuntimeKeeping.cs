using System.Diagnostics;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;

namespace Rmote.Transport;

/// <summary>
/// A host's runtime kept between builds, as OpenSSH's ControlPersist keeps the login (python/tools/keep.py). The
/// first connection starts a keeper on the host: an interpreter with the runtime loaded that forks a fresh runtime
/// for each connection to its Unix socket (mode 0600 in a 0700 folder of the remote user) and exits after
/// <see cref="Idle"/> without one. The SSH master forwards <see cref="LocalSocket"/> to it (<c>ssh -O forward -L</c>),
/// so a later connection is a socket connect: no ssh client, no SSH session, shell or interpreter start on the host.
/// </summary>
/// <param name="Name">16 hex digits naming the runtime and every setting that starts it: the keeper's socket name.</param>
/// <param name="LocalSocket">Where the master listens for this runtime, beside its control socket (a folder only this user can enter).</param>
/// <param name="Idle">How long the keeper waits for a connection before it exits: the connection's persist time.</param>
/// <param name="MuxArgv">ssh with the connection's options and control socket (<c>-O forward</c> and the host are added).</param>
/// <param name="Host">The ssh host argument.</param>
/// <param name="ControlSocket">The master's control socket; its bind time tells one master from the next.</param>
internal sealed record RuntimeKeeping(string Name, string LocalSocket, TimeSpan Idle, IReadOnlyList<string> MuxArgv, string Host, string ControlSocket)
{
    /// <summary>The keeping of a shared connection, or null: <see cref="SshOptions.KeepRuntime"/> off, not shared, run
    /// through sudo (the keeper would be root's, out of the login user's reach), or the user's own options choose the
    /// control socket, the master or Unix socket forwarding.</summary>
    public static RuntimeKeeping? For(IReadOnlyList<string> sshArgv, string host, string remoteCommand, SshOptions options, TimeSpan persist)
    {
        if (!options.KeepRuntime || options.Sudo || options.Options.Any(o => o.Contains("ControlPath", StringComparison.OrdinalIgnoreCase)
                || o.Contains("ControlMaster", StringComparison.OrdinalIgnoreCase) || o.Contains("StreamLocal", StringComparison.OrdinalIgnoreCase)))
            return null;
        if (sshArgv.FirstOrDefault(a => a.StartsWith("ControlPath=", StringComparison.Ordinal)) is not { } option) return null;
        var controlSocket = option["ControlPath=".Length..];
        if (Path.GetDirectoryName(controlSocket) is not { } folder) return null;
        // The runtime (its sources, the code cache setting) is part of the name: a new Rmote starts a new keeper.
        var name = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(
            string.Join('\0', sshArgv) + "\0" + host + "\0" + remoteCommand + "\0" + ShippedSources.Value + (options.CodeCache ? "\0cache" : ""))), 0, 8);
        return new(name, Path.Combine(folder, "k" + name), persist, sshArgv, host, controlSocket);
    }

    /// <summary>SHA-256 of what a keeper runs (the loader, the runtime, its loop), not of the built payload: a fresh build
    /// process names its keeper without compressing the runtime, which only the first connection sends.</summary>
    static readonly Lazy<string> ShippedSources = new(() => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(
        string.Join('\0', EmbeddedPython.Read("loader.py"), EmbeddedPython.Read("runtime.py"), EmbeddedPython.Read("keep.py"))))));

    string RefusedMarker => LocalSocket + ".refused";

    /// <summary>True when the host refused this master a forwarded channel to its keeper (sshd's
    /// <c>AllowStreamLocalForwarding no</c>): the runtime is not kept while that master lives.</summary>
    public bool RefusedByHost()
    {
        try
        {
            return File.Exists(RefusedMarker) && File.ReadAllText(RefusedMarker) == MasterStamp();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>Remembers that the host refuses this master the channel (until another master replaces it).</summary>
    public void MarkRefused() => File.WriteAllText(RefusedMarker, MasterStamp());

    string MasterStamp() => File.GetLastWriteTimeUtc(ControlSocket).Ticks.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>
    /// Asks the master to forward <see cref="LocalSocket"/> to <paramref name="remoteSocket"/>; returns null, or
    /// why it did not (a master that is gone, a path ssh would misread, an sshd refusing Unix socket forwarding).
    /// </summary>
    public async Task<string?> ForwardAsync(string remoteSocket, IReadOnlyDictionary<string, string>? environment, CancellationToken cancellationToken)
    {
        // -L splits at ':' and ssh_config expands '%' and '~': only plain paths are forwarded.
        if (!SshCommand.PlainWord().IsMatch(remoteSocket) || !remoteSocket.StartsWith('/'))
            return $"the host's socket path '{remoteSocket}' has characters ssh would misread";
        if (File.Exists(LocalSocket))
        {
            // The master still forwards it (only the keeper had gone): nothing to do.
            if (Listening(LocalSocket)) return null;
            // A socket left by a master that is gone: ssh would not bind over it (ours: the folder is this user's only).
            File.Delete(LocalSocket);
        }
        var info = new ProcessStartInfo(MuxArgv[0])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in MuxArgv.Skip(1)) info.ArgumentList.Add(arg);
        foreach (var arg in new[] { "-O", "forward", "-L", LocalSocket + ":" + remoteSocket, "--", Host }) info.ArgumentList.Add(arg);
        if (environment is not null)
            foreach (var (key, value) in environment) info.Environment[key] = value;
        using var process = Process.Start(info) ?? throw new InvalidOperationException("ssh did not start");
        process.StandardInput.Close();
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.StandardOutput.ReadToEndAsync(cancellationToken).ConfigureAwait(false);
        await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        var message = (await stderr.ConfigureAwait(false)).Trim();
        return process.ExitCode == 0 ? null : $"ssh -O forward exited with {process.ExitCode}: {message}";
    }

    static bool Listening(string path)
    {
        using var probe = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            probe.Connect(new UnixDomainSocketEndPoint(path));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
