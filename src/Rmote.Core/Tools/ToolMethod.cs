namespace Rmote;

/// <summary>What every method handle has: its tool, its Python name and an optional time limit.</summary>
public abstract class ToolMethodBase
{
    private protected ToolMethodBase(PythonTool tool, string name, TimeSpan? timeout, bool keywordArguments = false)
    {
        if (string.IsNullOrEmpty(name) || name.StartsWith('_'))
            throw new ArgumentException($"'{name}' is not a callable tool method name (names starting with '_' are private).", nameof(name));
        (Tool, Name, Timeout, KeywordArguments) = (tool, name, timeout, keywordArguments);
    }

    /// <summary>The tool the method belongs to.</summary>
    public PythonTool Tool { get; }

    /// <summary>The Python method name.</summary>
    public string Name { get; }

    /// <summary>Time limit for calls through this handle; null uses the connection's default.</summary>
    public TimeSpan? Timeout { get; }

    /// <summary>True when the single argument is sent as keyword arguments.</summary>
    public bool KeywordArguments { get; }

    /// <summary>The caller already decided about compressing the bytes it sends: the frame writer does not probe them again.</summary>
    internal bool RawBinary { get; private set; }

    /// <summary>Marks a handle whose byte arguments are sent as given (see <see cref="RawBinary"/>); returns it.</summary>
    internal T SendingRawBinary<T>() where T : ToolMethodBase
    {
        RawBinary = true;
        return (T)this;
    }

    /// <inheritdoc/>
    public override string ToString() => $"{Tool.Name}.{Name}";
}

/// <summary>A typed handle to a remote method with no arguments.</summary>
public sealed class ToolMethod<TResult> : ToolMethodBase
{
    internal ToolMethod(PythonTool tool, string name, TimeSpan? timeout) : base(tool, name, timeout) { }

    /// <summary>The same handle with a per-call time limit; on expiry the remote task is cancelled and a <see cref="TimeoutException"/> thrown.</summary>
    public ToolMethod<TResult> WithTimeout(TimeSpan timeout) => new(Tool, Name, timeout);
}

/// <summary>A typed handle to a remote method with one argument (or keyword arguments from a record).</summary>
public sealed class ToolMethod<T1, TResult> : ToolMethodBase
{
    internal ToolMethod(PythonTool tool, string name, TimeSpan? timeout, bool keywordArguments) : base(tool, name, timeout, keywordArguments) { }

    /// <summary>The same handle with a per-call time limit.</summary>
    public ToolMethod<T1, TResult> WithTimeout(TimeSpan timeout) => new(Tool, Name, timeout, KeywordArguments);
}

/// <summary>A typed handle to a remote method with two arguments.</summary>
public sealed class ToolMethod<T1, T2, TResult> : ToolMethodBase
{
    internal ToolMethod(PythonTool tool, string name, TimeSpan? timeout) : base(tool, name, timeout) { }

    /// <summary>The same handle with a per-call time limit.</summary>
    public ToolMethod<T1, T2, TResult> WithTimeout(TimeSpan timeout) => new(Tool, Name, timeout);
}

/// <summary>A typed handle to a remote method with three arguments.</summary>
public sealed class ToolMethod<T1, T2, T3, TResult> : ToolMethodBase
{
    internal ToolMethod(PythonTool tool, string name, TimeSpan? timeout) : base(tool, name, timeout) { }

    /// <summary>The same handle with a per-call time limit.</summary>
    public ToolMethod<T1, T2, T3, TResult> WithTimeout(TimeSpan timeout) => new(Tool, Name, timeout);
}

/// <summary>A typed handle to a remote method with four arguments.</summary>
public sealed class ToolMethod<T1, T2, T3, T4, TResult> : ToolMethodBase
{
    internal ToolMethod(PythonTool tool, string name, TimeSpan? timeout) : base(tool, name, timeout) { }

    /// <summary>The same handle with a per-call time limit.</summary>
    public ToolMethod<T1, T2, T3, T4, TResult> WithTimeout(TimeSpan timeout) => new(Tool, Name, timeout);
}

/// <summary>A typed handle to a remote generator with no arguments: each yielded item arrives as a <typeparamref name="TChunk"/>.</summary>
public sealed class StreamMethod<TChunk> : ToolMethodBase
{
    internal StreamMethod(PythonTool tool, string name, TimeSpan? timeout) : base(tool, name, timeout) { }

    /// <summary>The same handle with a time limit for the whole stream.</summary>
    public StreamMethod<TChunk> WithTimeout(TimeSpan timeout) => new(Tool, Name, timeout);
}

/// <summary>A typed handle to a remote generator with one argument (or keyword arguments from a record).</summary>
public sealed class StreamMethod<T1, TChunk> : ToolMethodBase
{
    internal StreamMethod(PythonTool tool, string name, TimeSpan? timeout, bool keywordArguments) : base(tool, name, timeout, keywordArguments) { }

    /// <summary>The same handle with a time limit for the whole stream.</summary>
    public StreamMethod<T1, TChunk> WithTimeout(TimeSpan timeout) => new(Tool, Name, timeout, KeywordArguments);
}

/// <summary>A typed handle to a remote generator with two arguments.</summary>
public sealed class StreamMethod<T1, T2, TChunk> : ToolMethodBase
{
    internal StreamMethod(PythonTool tool, string name, TimeSpan? timeout) : base(tool, name, timeout) { }

    /// <summary>The same handle with a time limit for the whole stream.</summary>
    public StreamMethod<T1, T2, TChunk> WithTimeout(TimeSpan timeout) => new(Tool, Name, timeout);
}
