namespace Rmote.Wire;

/// <summary>Frame types of protocol version 1 (docs/PROTOCOL.md §2).</summary>
internal enum FrameType : byte
{
    Hello = 1,
    Sync = 2,
    Call = 3,
    Result = 4,
    Error = 5,
    Chunk = 6,
    Cancel = 7,
    Log = 8,
    Credit = 9,
    Need = 10,
}
