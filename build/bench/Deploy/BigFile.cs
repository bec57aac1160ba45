/// <summary>The 1 GiB file of random bytes that the big-file runs copy to one host.</summary>
static class BigFile
{
    public const int MiB = 1024;

    public static async Task CreateAsync(string path)
    {
        await using var fs = File.Create(path);
        var block = new byte[1 << 20];
        for (var i = 0; i < MiB; i++) { Random.Shared.NextBytes(block); fs.Write(block); }
    }
}
