using Cake.Core;

namespace Rmote.Cake;

/// <summary>Settings of <see cref="RmoteAliases.RmoteWaitForHealthy(ICakeContext, IEnumerable{string}, string, RmoteWaitForHealthySettings)"/>.</summary>
public sealed class RmoteWaitForHealthySettings : RmoteSettings
{
    /// <summary>HTTP status codes that count as healthy (default 200).</summary>
    public IList<int> ExpectedStatusCodes { get; set; } = [200];

    /// <summary>Pause between attempts (default 1 s).</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How long to keep trying (default 60 s).</summary>
    public new TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Time limit of one attempt (default 5 s).</summary>
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(5);
}
