using System.Text.Json.Serialization;
using Rmote.Calls;
using Rmote.Deploy;
using Rmote.Tools;

namespace Rmote.Wire;

/// <summary>
/// Compile-time JSON metadata for what every deploy sends and reads (the handshake, copies, exec): a fresh build process
/// (MSBuild, Cake) would otherwise build it by reflection and emit accessor code for each type, work the JIT then
/// compiles on every run. It is metadata only: <see cref="WireJson.Options"/> still decides names, converters, null
/// handling and number handling at run time, so the wire is the same as with reflection; a type not listed here
/// (a user's own tool types) still goes through reflection.
/// </summary>
[JsonSerializable(typeof(RemoteInfo))]
[JsonSerializable(typeof(RemoteLogRecord))]
[JsonSerializable(typeof(RemoteErrorInfo))]
[JsonSerializable(typeof(Dictionary<string, int>))]
[JsonSerializable(typeof(SyncPlanArgs))]
[JsonSerializable(typeof(SyncPlanResult))]
[JsonSerializable(typeof(PutManyArgs))]
[JsonSerializable(typeof(PutManyResult))]
[JsonSerializable(typeof(BlockSumsArgs))]
[JsonSerializable(typeof(BlockSumsPage))]
[JsonSerializable(typeof(OpenFileArgs))]
[JsonSerializable(typeof(List<long[]>))]
[JsonSerializable(typeof(RemoteEntry[]))]
[JsonSerializable(typeof(ExecOptions))]
[JsonSerializable(typeof(ShellOptions))]
[JsonSerializable(typeof(ExecStreamOptions))]
[JsonSerializable(typeof(ShellStreamOptions))]
[JsonSerializable(typeof(CommandResult))]
[JsonSerializable(typeof(OutputLine))]
[JsonSerializable(typeof(KeepStarted))]
[JsonSerializable(typeof(byte[]))]
[JsonSerializable(typeof(string[]))]
[JsonSerializable(typeof(long))]
[JsonSerializable(typeof(int))]
[JsonSerializable(typeof(bool))]
[JsonSerializable(typeof(double))]
internal sealed partial class WireContext : JsonSerializerContext;
