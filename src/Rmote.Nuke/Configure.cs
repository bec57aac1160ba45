namespace Rmote.Nuke;

/// <summary>
/// A settings configurator, the shape of Nuke's own <c>Configure&lt;T&gt;</c> (<c>Nuke.Common.Tooling</c>): every task
/// takes one, so a configurator can be stored and passed like Nuke's
/// (<c>Configure&lt;RmoteCopySettings&gt; publish = s =&gt; s.SetSourceFolder(dir); RmoteTasks.RmoteCopy(publish);</c>).
/// </summary>
/// <typeparam name="T">The settings record.</typeparam>
/// <param name="settings">The settings so far.</param>
/// <returns>The configured settings.</returns>
public delegate T Configure<T>(T settings);
