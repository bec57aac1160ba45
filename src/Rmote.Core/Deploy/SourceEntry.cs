using Rmote.Wire;

namespace Rmote.Deploy;

/// <summary>What a source entry is on the destination.</summary>
internal enum EntryKind : byte { File, Dir, Symlink }

/// <summary>A folder of the source walk, shared by the entries in it: its path is stored once, not per entry.</summary>
internal sealed class SourceFolder(string rel, string local)
{
    /// <summary>Destination-relative path ("" for the destination itself).</summary>
    public string Rel { get; } = rel;

    /// <summary><see cref="Rel"/> as bytes (surrogate escapes undone), to write entry paths without making strings.</summary>
    public byte[] RelBytes { get; } = SurrogateEscape.Encode(rel);

    /// <summary>The local folder its entries are read from.</summary>
    public string Local { get; } = local;
}

/// <summary>
/// One thing a copy puts on the destination. Kept small, since a copy may hold a million of them: the name as
/// UTF-8 bytes under a shared folder, the path and the local file name built when needed.
/// </summary>
internal sealed class SourceEntry
{
    /// <summary>The folder it lies in (a file set's entries: one shared root, the whole path in <see cref="Name"/>).</summary>
    public required SourceFolder Folder { get; init; }

    /// <summary>Its name in <see cref="Folder"/>, UTF-8 (a non-UTF-8 name's bytes as they are).</summary>
    public required byte[] Name { get; init; }

    public required EntryKind Kind { get; init; }

    // What few entries have lives apart: an entry of a plain folder walk is 64 bytes plus its name.
    Extra? extra;
    int mode = -1;

    sealed class Extra
    {
        public string? Source, Link, Sha256;
    }

    /// <summary>The local file to read when it is not <c>Folder.Local/Name</c> (file sets, followed symlinks).</summary>
    public string? Source { get => extra?.Source; init { if (value != null) (extra ??= new()).Source = value; } }

    public long Size { get; init; }
    public long MtimeNs { get; init; }
    public int? Mode { get => mode < 0 ? null : mode; init => mode = value ?? -1; }
    public string? Link { get => extra?.Link; init { if (value != null) (extra ??= new()).Link = value; } }
    public string? Sha256 { get => extra?.Sha256; set { if (value != null || extra != null) (extra ??= new()).Sha256 = value; } }

    /// <summary>Destination-relative, '/'-separated; a non-UTF-8 byte as a lone surrogate (<see cref="SurrogateEscape"/>).</summary>
    public string Path => Folder.Rel.Length == 0 ? SurrogateEscape.Decode(Name) : Folder.Rel + "/" + SurrogateEscape.Decode(Name);

    public string Type => Kind switch { EntryKind.File => "file", EntryKind.Dir => "dir", _ => "symlink" };

    public string LocalPath => Source ?? System.IO.Path.Join(Folder.Local, SurrogateEscape.Decode(Name));

    /// <summary>
    /// This entry's share of a sync_plan frame and of its answer, whichever is larger: in the compact form a file is its
    /// name and three numbers (about 35 bytes; its folder's path once per group), in the answer its whole path (a file to
    /// send) and a delta candidate's host version.
    /// </summary>
    public long WireBytes(bool delta)
    {
        long n = 48 + Folder.RelBytes.Length + 1 + Name.Length + (Link?.Length ?? 0) + (Sha256 is null ? 0 : 80);
        if (delta && Kind == EntryKind.File && Size >= FileSender.DeltaMinSize)
            n += Folder.RelBytes.Length + Name.Length + 80;
        return n;
    }

    /// <summary>Writes <see cref="Path"/>'s bytes into <paramref name="buffer"/> (grown as needed); returns their length.</summary>
    public int PathBytes(ref byte[] buffer)
    {
        var rel = Folder.RelBytes;
        var length = rel.Length == 0 ? Name.Length : rel.Length + 1 + Name.Length;
        if (buffer.Length < length) buffer = new byte[Math.Max(length, buffer.Length * 2)];
        if (rel.Length == 0)
        {
            Name.CopyTo(buffer, 0);
        }
        else
        {
            rel.CopyTo(buffer, 0);
            buffer[rel.Length] = (byte)'/';
            Name.CopyTo(buffer, rel.Length + 1);
        }
        return length;
    }
}
