using System.Text;

namespace Rmote.MSBuild;

/// <summary>Text that becomes an item spec or metadata value must be escaped, or MSBuild would expand <c>$(...)</c>, <c>@(...)</c>, <c>%(...)</c> and split on ';'.</summary>
internal static class ItemText
{
    public static string Escape(string text)
    {
        var sb = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            if (c is '%' or '*' or '?' or '@' or '$' or '(' or ')' or ';' or '\'')
                sb.Append('%').Append(((int)c).ToString("x2", System.Globalization.CultureInfo.InvariantCulture));
            else
                sb.Append(c);
        }
        return sb.ToString();
    }
}
