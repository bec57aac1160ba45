using Cake.Core;

namespace Rmote.Cake;

/// <summary>Settings of <see cref="RmoteAliases.RmoteWaitForHealthy(ICakeContext, IEnumerable{string}, string, RmoteWaitForHealthySettings)"/>.</summary>
public sealed class RmoteWaitForHealthySettings : RmoteSettings
{
    /// <summary>HTTP status codes that count as healthy (default 200).</summary>
    public IList<int> ExpectedStatusCodes { get; set; } = [.. Operations.StepDefaults.ExpectedStatusCodes];

    /// <summary>Pause between attempts (default 1 s).</summary>
    public TimeSpan Interval { get; set; } = Operations.StepDefaults.HealthInterval;

    /// <summary>How long to keep trying (default 60 s).</summary>
    public new TimeSpan Timeout { get; set; } = Operations.StepDefaults.HealthTimeout;

    /// <summary>Time limit of one attempt (default 5 s).</summary>
    public TimeSpan AttemptTimeout { get; set; } = Operations.StepDefaults.HealthAttemptTimeout;
}
