using System.Globalization;

namespace Rmote;

/// <summary>How bounds and sizes appear in error messages: "60 s", "0.001 s", "16.0 MiB", "512 bytes".</summary>
internal static class Units
{
    public static string Seconds(TimeSpan t) => t.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture) + " s";

    public static string Size(long bytes) => bytes >= 1 << 20
        ? (bytes / 1048576.0).ToString("0.0", CultureInfo.InvariantCulture) + " MiB"
        : bytes.ToString(CultureInfo.InvariantCulture) + " bytes";
}
