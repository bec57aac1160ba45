using System.Diagnostics.CodeAnalysis;

namespace Rmote.Tools;

/// <summary>Arguments of <see cref="FileSystem.WriteWith"/>. Mode is octal text (<c>"0644"</c>); owner/group are names or numeric ids.</summary>
public sealed record WriteOptions
{
    /// <summary>Creates the options for writing <paramref name="data"/> to <paramref name="path"/>.</summary>
    [SetsRequiredMembers]
    public WriteOptions(string path, byte[] data) => (Path, Data) = (path, data);

    /// <summary>Destination path (a symlink is followed).</summary>
    public required string Path { get; init; }
    /// <summary>The file's new contents (sent raw).</summary>
    public required byte[] Data { get; init; }
    /// <summary>Permission bits (<c>"0644"</c>); null keeps an existing file's, new files get 0666 &amp; ~umask.</summary>
    public string? Mode { get; init; }
    /// <summary>Owner name or uid; null keeps the existing one.</summary>
    public string? Owner { get; init; }
    /// <summary>Group name or gid; null keeps the existing one.</summary>
    public string? Group { get; init; }
}

/// <summary>Arguments of <see cref="FileSystem.WriteStrWith"/>.</summary>
public sealed record WriteStrOptions
{
    /// <summary>Creates the options for writing <paramref name="text"/> to <paramref name="path"/>.</summary>
    [SetsRequiredMembers]
    public WriteStrOptions(string path, string text) => (Path, Text) = (path, text);

    /// <summary>Destination path.</summary>
    public required string Path { get; init; }
    /// <summary>The file's new text.</summary>
    public required string Text { get; init; }
    /// <summary>Permission bits (<c>"0644"</c>).</summary>
    public string? Mode { get; init; }
    /// <summary>Owner name or uid.</summary>
    public string? Owner { get; init; }
    /// <summary>Group name or gid.</summary>
    public string? Group { get; init; }
    /// <summary>Python codec for the text (default UTF-8).</summary>
    public string? Encoding { get; init; }
}

/// <summary>Result of a write: whether the file changed and the SHA-256 of its contents.</summary>
public sealed record WriteResult
{
    /// <summary>The path written.</summary>
    public string Path { get; init; } = "";
    /// <summary>False when content, mode and owner were already right.</summary>
    public bool Changed { get; init; }
    /// <summary>Hex SHA-256 of the contents.</summary>
    public string Sha256 { get; init; } = "";
}

/// <summary>Arguments of <see cref="FileSystem.LineInFile"/>: one line present in (or absent from) a text file.</summary>
public sealed record LineInFileOptions
{
    /// <summary>Creates the options for <paramref name="line"/> in <paramref name="path"/>.</summary>
    [SetsRequiredMembers]
    public LineInFileOptions(string path, string line) => (Path, Line) = (path, line);

    /// <summary>The file.</summary>
    public required string Path { get; init; }
    /// <summary>The line, without a newline.</summary>
    public required string Line { get; init; }
    /// <summary>
    /// Python regex: the first matching line (as rmote; <see cref="Match"/> <see cref="LineMatch.All"/> for every one)
    /// is replaced by <see cref="Line"/> (present), or matching lines are removed (absent).
    /// </summary>
    public string? Regexp { get; init; }
    /// <summary>How many <see cref="Regexp"/> matches count (default: the first when present, as rmote; all when absent).</summary>
    public LineMatch? Match { get; init; }
    /// <summary>Lines compare without surrounding whitespace, so <c>"  Port 22"</c> counts as <c>"Port 22"</c> (default true, as rmote).</summary>
    public bool? Strip { get; init; }
    /// <summary>
    /// An inserted line ends with a newline (default true). False is rmote's behaviour: a line appended to a file that
    /// does not end with a newline, or written into a new or empty file, stays unterminated.
    /// </summary>
    public bool? Newline { get; init; }
    /// <summary>Present (default) or absent.</summary>
    public Presence? State { get; init; }
    /// <summary>Insert after the last line matching this regex ("EOF"/"BOF" accepted).</summary>
    public string? InsertAfter { get; init; }
    /// <summary>Insert before the first line matching this regex ("EOF"/"BOF" accepted).</summary>
    public string? InsertBefore { get; init; }
    /// <summary>Only the first match is removed (absent), and <see cref="InsertAfter"/> uses the first match.</summary>
    public bool? First { get; init; }
    /// <summary>Create a missing file (state present).</summary>
    public bool? Create { get; init; }
    /// <summary>Permission bits for a created file, or fixed on an existing one.</summary>
    public string? Mode { get; init; }
}

/// <summary>Result of <see cref="FileSystem.LineInFile"/>.</summary>
public sealed record LineInFileResult
{
    /// <summary>The file.</summary>
    public string Path { get; init; } = "";
    /// <summary>True when the file (or its mode) changed.</summary>
    public bool Changed { get; init; }
    /// <summary>Unified diff of the change; empty when the content did not change.</summary>
    public string Diff { get; init; } = "";
}

/// <summary>Kind of a filesystem entry.</summary>
public enum FileKind
{
    /// <summary>Regular file.</summary>
    File,
    /// <summary>Directory.</summary>
    Dir,
    /// <summary>Symbolic link (only with follow_symlinks false).</summary>
    Symlink,
    /// <summary>Device, socket, fifo...</summary>
    Other,
}

/// <summary>Result of <see cref="FileSystem.Stat"/>. When <see cref="Exists"/> is false every other member but <see cref="Path"/> is null.</summary>
public sealed record FileStatus
{
    /// <summary>The path asked about.</summary>
    public string Path { get; init; } = "";
    /// <summary>Whether it exists.</summary>
    public bool Exists { get; init; }
    /// <summary>File, directory, symlink or other.</summary>
    public FileKind? Type { get; init; }
    /// <summary>Size in bytes.</summary>
    public long? Size { get; init; }
    /// <summary>Permission bits including setuid/setgid/sticky (e.g. 420 = 0644).</summary>
    public int? Mode { get; init; }
    /// <summary>Owner uid.</summary>
    public int? Uid { get; init; }
    /// <summary>Group gid.</summary>
    public int? Gid { get; init; }
    /// <summary>Owner name; null when the uid has no passwd entry.</summary>
    public string? Owner { get; init; }
    /// <summary>Group name; null when the gid has no group entry.</summary>
    public string? Group { get; init; }
    /// <summary>Modification time, Unix seconds.</summary>
    public double? Mtime { get; init; }
    /// <summary>Where a symlink points.</summary>
    public string? LinkTarget { get; init; }

    /// <summary><see cref="Mode"/> as octal text (<c>"0644"</c>), or null.</summary>
    public string? OctalMode => Mode is { } m ? "0" + Convert.ToString(m, 8) : null;
}

/// <summary>Arguments of <see cref="FileSystem.MkdirWith"/>.</summary>
public sealed record MkdirOptions
{
    /// <summary>Creates the options for <paramref name="path"/>.</summary>
    [SetsRequiredMembers]
    public MkdirOptions(string path) => Path = path;

    /// <summary>The directory.</summary>
    public required string Path { get; init; }
    /// <summary>Permission bits (set exactly, not filtered by the umask).</summary>
    public string? Mode { get; init; }
    /// <summary>Create missing parents (default true).</summary>
    public bool? Parents { get; init; }
}

/// <summary>Arguments of <see cref="FileSystem.ChmodWith"/>.</summary>
public sealed record ChmodOptions
{
    /// <summary>Creates the options.</summary>
    [SetsRequiredMembers]
    public ChmodOptions(string path, string mode) => (Path, Mode) = (path, mode);

    /// <summary>The path.</summary>
    public required string Path { get; init; }
    /// <summary>Permission bits (<c>"0755"</c>).</summary>
    public required string Mode { get; init; }
    /// <summary>Everything below a directory too (symlinks skipped).</summary>
    public bool? Recursive { get; init; }
}

/// <summary>Arguments of <see cref="FileSystem.Chown"/>; give <see cref="Owner"/> and/or <see cref="Group"/>.</summary>
public sealed record ChownOptions
{
    /// <summary>Creates the options for <paramref name="path"/>.</summary>
    [SetsRequiredMembers]
    public ChownOptions(string path) => Path = path;

    /// <summary>The path.</summary>
    public required string Path { get; init; }
    /// <summary>Owner name or uid.</summary>
    public string? Owner { get; init; }
    /// <summary>Group name or gid.</summary>
    public string? Group { get; init; }
    /// <summary>Everything below a directory too (symlinks changed themselves, not followed).</summary>
    public bool? Recursive { get; init; }
}

/// <summary>Arguments of <see cref="FileSystem.RemoveWith"/>.</summary>
public sealed record RemoveOptions
{
    /// <summary>Creates the options for <paramref name="path"/>.</summary>
    [SetsRequiredMembers]
    public RemoveOptions(string path) => Path = path;

    /// <summary>The path (a symlink is removed, never its target).</summary>
    public required string Path { get; init; }
    /// <summary>Remove a non-empty directory with its contents.</summary>
    public bool? Recursive { get; init; }
    /// <summary>False: a missing path is a <see cref="FileNotFoundException"/> (default true: nothing to do).</summary>
    public bool? MissingOk { get; init; }
}

/// <summary>Which <see cref="LineInFileOptions.Regexp"/> matches <see cref="FileSystem.LineInFile"/> acts on (rmote's <c>LineInFileMatch</c>).</summary>
public enum LineMatch
{
    /// <summary>Only the first matching line.</summary>
    First,
    /// <summary>Every matching line.</summary>
    All,
}
