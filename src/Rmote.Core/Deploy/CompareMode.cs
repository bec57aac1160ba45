namespace Rmote.Deploy;

/// <summary>How a copy decides that a destination file is already up to date.</summary>
public enum CompareMode
{
    /// <summary>Same size and same modification time (what rsync does by default). Fast: nothing is read.</summary>
    SizeAndTime,
    /// <summary>Same size and same SHA-256 of the content (reads every file on both sides; rsync -c).</summary>
    Checksum,
}
