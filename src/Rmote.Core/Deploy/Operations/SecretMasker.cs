namespace Rmote.Deploy;

/// <summary>Replaces secret values with <c>***</c> in text that may reach a log.</summary>
internal sealed class SecretMasker
{
    readonly string[] secrets;

    public SecretMasker(IEnumerable<string?> secrets) =>
        // Longest first, so a secret containing another is masked whole; very short values would mask noise.
        this.secrets = secrets.OfType<string>().Where(s => s.Length >= 3).Distinct().OrderByDescending(s => s.Length).ToArray();

    public static SecretMasker For(ExecRequest r) => new(r.SecretEnvironmentNames
        .Select(n => r.Environment != null && r.Environment.TryGetValue(n, out var v) ? v : null));

    public bool IsEmpty => secrets.Length == 0;

    public string Mask(string text)
    {
        foreach (var s in secrets)
            if (text.Contains(s, StringComparison.Ordinal)) text = text.Replace(s, "***", StringComparison.Ordinal);
        return text;
    }
}
