namespace Rmote.Wire;

/// <summary>
/// Python source the remote must hold before a frame that uses it is decoded: a tool, or a module tools import
/// (docs/PROTOCOL.md §4). It is sent once per connection as a SYNC frame, after what it imports
/// (<see cref="Prerequisites"/>). Wire knows code only by this shape, so a placeholder writer (a template argument)
/// names the tool that decodes it on the remote without Wire depending on the tools.
/// </summary>
internal interface IRemoteCode
{
    /// <summary>Name plus content hash, unique per version.</summary>
    string Key { get; }

    /// <summary>The SYNC frame that carries the source.</summary>
    OutgoingFrame SyncFrame { get; }

    /// <summary>The SYNC frame without the source, for a host whose code cache holds it (its HELLO lists the key);
    /// the host answers NEED when its entry turns out unusable, and then gets <see cref="SyncFrame"/>.</summary>
    OutgoingFrame CachedSyncFrame { get; }

    /// <summary>Code to sync before this one (the modules it imports).</summary>
    IReadOnlyList<IRemoteCode> Prerequisites { get; }
}
