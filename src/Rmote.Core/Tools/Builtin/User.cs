using System.Diagnostics.CodeAnalysis;

namespace Rmote.Tools;

/// <summary>
/// Local accounts (python/tools/user.py): users, groups, SSH authorized keys and sudoers drop-ins validated with
/// <c>visudo -c</c> before they are put in place. Changes need root.
/// </summary>
/// <example><code>
/// await proto.CallAsync(User.Account, new UserOptions("deploy") { Groups = ["www-data"], Shell = "/bin/bash" });
/// await proto.CallAsync(User.AuthorizedKey, new AuthorizedKeyOptions("deploy", publicKey) { Exclusive = true });
/// await proto.CallAsync(User.Sudoer, new SudoerOptions("deploy", "deploy ALL=(root) NOPASSWD: /usr/bin/systemctl\n"));
/// </code></example>
public static class User
{
    /// <summary>The tool's Python source, shipped inside Rmote.Core.</summary>
    public static readonly PythonTool Tool = PythonTool.FromResource("User", "user.py");

    /// <summary><c>user(name, state, uid, group, groups, append, shell, home, system, create_home, remove_home, comment)</c>: the account after the operation.</summary>
    public static readonly ToolMethod<UserOptions, UserResult> Account = Tool.KwMethod<UserOptions, UserResult>("user");

    /// <summary><c>group(name, state, gid, system)</c>: returns changed.</summary>
    public static readonly ToolMethod<GroupOptions, bool> Group = Tool.KwMethod<GroupOptions, bool>("group");

    /// <summary><c>authorized_key(user, key, state, exclusive, path)</c>: returns changed.</summary>
    public static readonly ToolMethod<AuthorizedKeyOptions, bool> AuthorizedKey = Tool.KwMethod<AuthorizedKeyOptions, bool>("authorized_key");

    /// <summary><c>sudoer(name, content, state, directory)</c>: invalid content is an <see cref="ArgumentException"/> carrying visudo's report; returns changed.</summary>
    public static readonly ToolMethod<SudoerOptions, bool> Sudoer = Tool.KwMethod<SudoerOptions, bool>("sudoer");
}

/// <summary>Arguments of <see cref="User.Account"/>; null leaves a setting as it is (or the system default at creation).</summary>
public sealed record UserOptions
{
    /// <summary>Creates the options for user <paramref name="name"/>.</summary>
    [SetsRequiredMembers]
    public UserOptions(string name) => Name = name;

    /// <summary>Login name.</summary>
    public required string Name { get; init; }
    /// <summary>Present (default) or absent.</summary>
    public Presence? State { get; init; }
    /// <summary>User id.</summary>
    public int? Uid { get; init; }
    /// <summary>Primary group name or gid (must exist).</summary>
    public string? Group { get; init; }
    /// <summary>Supplementary groups: added to the current ones, or the exact list when <see cref="Append"/> is false (empty clears).</summary>
    public IReadOnlyList<string>? Groups { get; init; }
    /// <summary>Add <see cref="Groups"/> to the current ones (default true).</summary>
    public bool? Append { get; init; }
    /// <summary>Login shell.</summary>
    public string? Shell { get; init; }
    /// <summary>Home directory (on an existing user only the passwd entry changes).</summary>
    public string? Home { get; init; }
    /// <summary>Create a system account (at creation).</summary>
    public bool? System { get; init; }
    /// <summary>Create the home directory (at creation; default true).</summary>
    public bool? CreateHome { get; init; }
    /// <summary>With state absent, also delete the home directory and mail spool.</summary>
    public bool? RemoveHome { get; init; }
    /// <summary>GECOS comment.</summary>
    public string? Comment { get; init; }
}

/// <summary>Result of <see cref="User.Account"/>: the account afterwards (members other than name/changed/exists are null when it does not exist).</summary>
public sealed record UserResult
{
    /// <summary>True when anything changed.</summary>
    public bool Changed { get; init; }
    /// <summary>Login name.</summary>
    public string Name { get; init; } = "";
    /// <summary>Whether the account exists.</summary>
    public bool Exists { get; init; }
    /// <summary>User id.</summary>
    public int? Uid { get; init; }
    /// <summary>Primary group id.</summary>
    public int? Gid { get; init; }
    /// <summary>Primary group name.</summary>
    public string? Group { get; init; }
    /// <summary>Supplementary groups, sorted.</summary>
    public IReadOnlyList<string>? Groups { get; init; }
    /// <summary>Home directory.</summary>
    public string? Home { get; init; }
    /// <summary>Login shell.</summary>
    public string? Shell { get; init; }
    /// <summary>GECOS comment.</summary>
    public string? Comment { get; init; }
}

/// <summary>Arguments of <see cref="User.Group"/>.</summary>
public sealed record GroupOptions
{
    /// <summary>Creates the options for group <paramref name="name"/>.</summary>
    [SetsRequiredMembers]
    public GroupOptions(string name) => Name = name;

    /// <summary>Group name.</summary>
    public required string Name { get; init; }
    /// <summary>Present (default) or absent.</summary>
    public Presence? State { get; init; }
    /// <summary>Group id.</summary>
    public int? Gid { get; init; }
    /// <summary>Create a system group.</summary>
    public bool? System { get; init; }
}

/// <summary>Arguments of <see cref="User.AuthorizedKey"/>.</summary>
public sealed record AuthorizedKeyOptions
{
    /// <summary>Creates the options for <paramref name="key"/> of <paramref name="user"/>.</summary>
    [SetsRequiredMembers]
    public AuthorizedKeyOptions(string user, string key) => (User, Key) = (user, key);

    /// <summary>The account (must exist).</summary>
    public required string User { get; init; }
    /// <summary>One or more lines <c>[options] type base64 [comment]</c>.</summary>
    public required string Key { get; init; }
    /// <summary>Present (default) or absent.</summary>
    public Presence? State { get; init; }
    /// <summary>Remove every other key (state present).</summary>
    public bool? Exclusive { get; init; }
    /// <summary>authorized_keys path (default <c>~user/.ssh/authorized_keys</c>).</summary>
    public string? Path { get; init; }
}

/// <summary>Arguments of <see cref="User.Sudoer"/>: the drop-in <c>/etc/sudoers.d/&lt;name&gt;</c> (0440, root-owned).</summary>
public sealed record SudoerOptions
{
    /// <summary>Creates the options for drop-in <paramref name="name"/> with <paramref name="content"/>.</summary>
    [SetsRequiredMembers]
    public SudoerOptions(string name, string content) => (Name, Content) = (name, content);

    /// <summary>File name (letters, digits, '_', '-': sudo ignores names with '.').</summary>
    public required string Name { get; init; }
    /// <summary>sudoers text (ignored for state absent, but Python requires it).</summary>
    public required string Content { get; init; }
    /// <summary>Present (default) or absent.</summary>
    public Presence? State { get; init; }
    /// <summary>Drop-in folder (default <c>/etc/sudoers.d</c>).</summary>
    public string? Directory { get; init; }
}
