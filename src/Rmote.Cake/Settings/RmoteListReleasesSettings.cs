using Cake.Core;

namespace Rmote.Cake;

/// <summary>Settings of <see cref="RmoteAliases.RmoteListReleases(ICakeContext, IEnumerable{string}, string, RmoteListReleasesSettings)"/> (connection and fan-out only).</summary>
public sealed class RmoteListReleasesSettings : RmoteSettings
{
}
