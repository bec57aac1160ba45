namespace Rmote.Transport;

/// <summary>
/// What starting a connection runs: the transport's argv (ssh and its options, the control socket, sudo, the
/// interpreter) and the protocol options. Built once per connect, so what the connection pool compares is exactly
/// what would run.
/// </summary>
/// <param name="Name">The host label used in logs and errors.</param>
/// <param name="Argv">The transport command, interpreter arguments included.</param>
/// <param name="Options">The protocol options (an <see cref="SshOptions"/> for SSH).</param>
/// <param name="ViaSsh">True when <paramref name="Argv"/> runs ssh (its exit codes and messages are classified as ssh's).</param>
internal sealed record TransportPlan(string Name, IReadOnlyList<string> Argv, ProtocolOptions Options, bool ViaSsh)
{
    /// <summary>Why an SSH connection that could be shared is not (logged when the connection starts).</summary>
    public NotShared? NotShared { get; init; }

    /// <summary>How the host's runtime is kept between builds (a shared SSH connection's), or null.</summary>
    public RuntimeKeeping? Keeping { get; init; }

    /// <summary>The SSH client, through ssh: <c>ssh [options] -- host 'python3 -c ...'</c>.</summary>
    public static TransportPlan Ssh(string host, SshOptions options)
    {
        var argv = SshCommand.Build(host, options, out var notShared, out var keeping);
        return new(options.Name ?? host, argv, options, ViaSsh: true) { NotShared = notShared, Keeping = keeping };
    }

    /// <summary>A local interpreter child (the embedded local target).</summary>
    public static TransportPlan Local(ProtocolOptions options)
    {
        SshCommand.ValidatePython(options.Python, options.SettingNames);
        return new(options.Name ?? "local", [options.Python, .. Bootstrap.InterpreterArguments], options, ViaSsh: false);
    }

    /// <summary>A command whose stdio reaches an interpreter (<c>sudo -n python3</c>, <c>docker exec -i ...</c>).</summary>
    public static TransportPlan Command(IReadOnlyList<string> command, ProtocolOptions options)
    {
        ArgumentNullException.ThrowIfNull(command);
        if (command.Count == 0 || string.IsNullOrWhiteSpace(command[0]))
            throw new ArgumentException("The command is empty: pass the program and its arguments, ending with the Python interpreter.", nameof(command));
        return new(options.Name ?? string.Join(' ', command), [.. command, .. Bootstrap.InterpreterArguments], options, ViaSsh: false);
    }

    /// <summary>
    /// Everything that makes two connections differ, so that no hand-kept field list can go stale: the argv (every
    /// ssh setting, the control socket named by their hash, ControlPersist, sudo and the interpreter) and every
    /// public protocol option as the record prints it (code cache, bounds, quotas, label). The logger is left
    /// out: it only says where diagnostics go. Collections print as their type name; the only one set by a
    /// <see cref="Fleet.HostSpec"/>, the extra ssh arguments, is in the argv.
    /// </summary>
    public string Key => string.Join('\0', Argv) + "\0" + (Options with { Logger = null });
}
