namespace Rmote.Tools;

/// <summary>
/// Remote files (python/tools/filesystem.py): read, atomic idempotent writes, glob, line-in-file, stat, mkdir,
/// chmod/chown, remove, sha256, symlink. Handles named <c>...With</c> take a record holding every optional
/// parameter; the others are the positional short forms.
/// </summary>
/// <example><code>
/// string[] confs = await proto.CallAsync(FileSystem.Glob, "/etc/", "*.conf");
/// string host = await proto.CallAsync(FileSystem.ReadStr, "/etc/hostname");
/// var w = await proto.CallAsync(FileSystem.WriteStr, "/etc/motd", "hello\n");   // w.Changed
/// </code></example>
public static class FileSystem
{
    /// <summary>The tool's Python source, shipped inside Rmote.Core.</summary>
    public static readonly PythonTool Tool = PythonTool.FromResource("FileSystem", "filesystem.py");

    /// <summary><c>read(path)</c>: the file's bytes.</summary>
    public static readonly ToolMethod<string, byte[]> Read = Tool.Method<string, byte[]>("read");

    /// <summary><c>read_str(path)</c>: the file decoded as UTF-8 (strict; line endings kept).</summary>
    public static readonly ToolMethod<string, string> ReadStr = Tool.Method<string, string>("read_str");

    /// <summary><c>read_str(path, encoding)</c>: the file decoded with a Python codec name (<c>"latin-1"</c>...).</summary>
    public static readonly ToolMethod<string, string, string> ReadStrEncoded = Tool.Method<string, string, string>("read_str");

    /// <summary><c>write(path, data)</c>: atomic write (temp file, fsync, rename); unchanged content is left alone.</summary>
    public static readonly ToolMethod<string, byte[], WriteResult> Write = Tool.Method<string, byte[], WriteResult>("write");

    /// <summary><c>write(path, data, mode, owner, group)</c> from a record.</summary>
    public static readonly ToolMethod<WriteOptions, WriteResult> WriteWith = Tool.KwMethod<WriteOptions, WriteResult>("write");

    /// <summary><c>write_str(path, text)</c>: <see cref="Write"/> for UTF-8 text.</summary>
    public static readonly ToolMethod<string, string, WriteResult> WriteStr = Tool.Method<string, string, WriteResult>("write_str");

    /// <summary><c>write_str(path, text)</c> with the text rendered remotely from a <see cref="TemplateValue"/> (<see cref="Template.Of"/>): atomic, idempotent.</summary>
    public static readonly ToolMethod<string, TemplateValue, WriteResult> WriteTemplate = Tool.Method<string, TemplateValue, WriteResult>("write_str");

    /// <summary><c>write_str(path, text, mode, owner, group, encoding)</c> from a record.</summary>
    public static readonly ToolMethod<WriteStrOptions, WriteResult> WriteStrWith = Tool.KwMethod<WriteStrOptions, WriteResult>("write_str");

    /// <summary>
    /// <c>glob(directory, pattern)</c>: sorted matching paths with rmote's rules (Python <c>pathlib</c>): <c>*</c> matches
    /// dot files too and <c>**</c> spans directories. rmote returns them unsorted.
    /// </summary>
    public static readonly ToolMethod<string, string, string[]> Glob = Tool.Method<string, string, string[]>("glob");

    /// <summary><c>glob(directory, pattern, recursive)</c>: true is <see cref="Glob"/>; false gives the shell's rules (<c>*</c> skips dot files, <c>**</c> is one level).</summary>
    public static readonly ToolMethod<string, string, bool, string[]> GlobRecursive = Tool.Method<string, string, bool, string[]>("glob");

    /// <summary><c>line_in_file(...)</c>: ensure one line is present (replacing the first regexp match, as rmote) or absent; returns the unified diff.</summary>
    public static readonly ToolMethod<LineInFileOptions, LineInFileResult> LineInFile = Tool.KwMethod<LineInFileOptions, LineInFileResult>("line_in_file");

    /// <summary><c>stat(path)</c>: facts about a path (symlinks followed); a missing path gives <see cref="FileStatus.Exists"/> false.</summary>
    public static readonly ToolMethod<string, FileStatus> Stat = Tool.Method<string, FileStatus>("stat");

    /// <summary><c>stat(path, follow_symlinks)</c>: with false, a symlink itself is described.</summary>
    public static readonly ToolMethod<string, bool, FileStatus> StatFollow = Tool.Method<string, bool, FileStatus>("stat");

    /// <summary><c>exists(path)</c>: true when the path exists (a dangling symlink does not).</summary>
    public static readonly ToolMethod<string, bool> Exists = Tool.Method<string, bool>("exists");

    /// <summary><c>mkdir(path)</c>: ensure a directory (parents created); returns changed.</summary>
    public static readonly ToolMethod<string, bool> Mkdir = Tool.Method<string, bool>("mkdir");

    /// <summary><c>mkdir(path, mode, parents)</c> from a record; returns changed.</summary>
    public static readonly ToolMethod<MkdirOptions, bool> MkdirWith = Tool.KwMethod<MkdirOptions, bool>("mkdir");

    /// <summary><c>chmod(path, mode)</c>: mode as an octal string (<c>"0644"</c>); returns changed.</summary>
    public static readonly ToolMethod<string, string, bool> Chmod = Tool.Method<string, string, bool>("chmod");

    /// <summary><c>chmod(path, mode, recursive)</c> from a record; returns changed.</summary>
    public static readonly ToolMethod<ChmodOptions, bool> ChmodWith = Tool.KwMethod<ChmodOptions, bool>("chmod");

    /// <summary><c>chown(path, owner, group, recursive)</c> from a record; returns changed.</summary>
    public static readonly ToolMethod<ChownOptions, bool> Chown = Tool.KwMethod<ChownOptions, bool>("chown");

    /// <summary><c>remove(path)</c>: remove a file, symlink or empty directory; missing is fine; returns changed.</summary>
    public static readonly ToolMethod<string, bool> Remove = Tool.Method<string, bool>("remove");

    /// <summary><c>remove(path, recursive, missing_ok)</c> from a record; returns changed.</summary>
    public static readonly ToolMethod<RemoveOptions, bool> RemoveWith = Tool.KwMethod<RemoveOptions, bool>("remove");

    /// <summary><c>sha256(path)</c>: hex SHA-256 of the file.</summary>
    public static readonly ToolMethod<string, string> Sha256 = Tool.Method<string, string>("sha256");

    /// <summary><c>symlink(target, link_path)</c>: atomically point <c>link_path</c> at <c>target</c>; returns changed.</summary>
    public static readonly ToolMethod<string, string, bool> Symlink = Tool.Method<string, string, bool>("symlink");

    /// <summary><c>symlink(target, link_path, force)</c>: with <c>force</c> a regular file in the way is replaced.</summary>
    public static readonly ToolMethod<string, string, bool, bool> SymlinkForce = Tool.Method<string, string, bool, bool>("symlink");
}
