using Cake.Core;

namespace Rmote.Cake;

/// <summary>Settings of <see cref="RmoteAliases.RmoteServiceRestart(ICakeContext, IEnumerable{string}, string, RmoteServiceRestartSettings)"/>.</summary>
public sealed class RmoteServiceRestartSettings : RmoteSettings
{
    /// <summary>Reload the unit's configuration instead of restarting it.</summary>
    public bool Reload { get; set; }

    /// <summary>How long the unit may take to become active (default 30 s).</summary>
    public new TimeSpan Timeout { get; set; } = Operations.StepDefaults.ServiceTimeout;

    /// <summary>Journal lines quoted in the error when the unit does not come up (default 20).</summary>
    public int JournalLines { get; set; } = Operations.StepDefaults.JournalLines;

    /// <summary>
    /// Run only <c>systemctl restart UNIT</c> through <c>sudo -n</c>, for a deploy user whose sudoers allows just that line
    /// (unlike <see cref="RmoteSettings.Sudo"/>, which runs the whole remote interpreter through sudo).
    /// </summary>
    public bool SystemctlSudo { get; set; }
}
