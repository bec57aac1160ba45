namespace Rmote.Wire;

/// <summary>A received frame with decompressed bodies.</summary>
internal sealed record Frame(FrameType Type, uint Id, byte[] Json, byte[] Binary);
