using System.Text.RegularExpressions;

namespace Rmote;

/// <summary>
/// Finds the tool class of a Python tool file (one written for rmote or for this port): the top-level class deriving,
/// directly or through other classes of the file, from <c>Tool</c> that no other class of the file derives from.
/// </summary>
static partial class ToolFile
{
    /// <summary>A top-level <c>class Name(bases):</c> header (bases may span lines).</summary>
    [GeneratedRegex(@"^class[ \t]+([A-Za-z_]\w*)[ \t]*\(([^)]*)\)[ \t]*:", RegexOptions.Multiline)]
    private static partial Regex ClassPattern();

    /// <summary>The name of the tool class defined in <paramref name="source"/> (read from <paramref name="path"/>).</summary>
    /// <exception cref="ArgumentException">No class derives from Tool, or several unrelated ones do.</exception>
    public static string ToolClassName(string source, string path)
    {
        var bases = new Dictionary<string, string[]>(StringComparer.Ordinal);
        foreach (Match m in ClassPattern().Matches(source))  // a redefined class: the last definition counts, as in Python
            bases[m.Groups[1].Value] = m.Groups[2].Value.Split(',').Select(BaseName).Where(b => b.Length > 0).ToArray();
        var tools = new HashSet<string>(StringComparer.Ordinal);
        bool grew;
        do
        {
            grew = false;
            foreach (var (name, parents) in bases)
                if (!tools.Contains(name) && parents.Any(b => b == "Tool" || tools.Contains(b)))
                    grew |= tools.Add(name);
        } while (grew);
        var leaves = tools.Where(t => !bases.Any(c => c.Key != t && tools.Contains(c.Key) && c.Value.Contains(t))).ToArray();
        return leaves.Length switch
        {
            1 => leaves[0],
            0 => throw new ArgumentException(
                $"'{path}' defines no class deriving from Tool (e.g. `class Nginx(Tool):` with `from rmote.protocol import Tool`).",
                nameof(path)),
            _ => throw new ArgumentException(
                $"'{path}' defines several tool classes ({string.Join(", ", leaves)}): name the one to call with " +
                $"PythonTool.FromFile(\"{leaves[0]}\", path), once per class.", nameof(path)),
        };
    }

    /// <summary>The class name a base expression refers to: <c>rmote.protocol.Tool</c> → <c>Tool</c>; keywords (<c>metaclass=</c>) → empty.</summary>
    static string BaseName(string expression)
    {
        var text = expression.Trim();
        if (text.Contains('=')) return "";
        var dot = text.LastIndexOf('.');
        return dot < 0 ? text : text[(dot + 1)..];
    }
}
