using Rmote.Deploy;
using Rmote.Operations;
using Rmote.TestRig;

namespace Rmote.Core.Tests.Deploy;

/// <summary>
/// A source read started while the hosts connect (<see cref="SourcePrefetch"/>) serves the copy of that same source and
/// options once; any other copy reads afresh, so nothing stale or shared is ever sent.
/// </summary>
public sealed class SourcePrefetchTests
{
    static CopyRequest Request(string folder) =>
        new() { Source = CopySource.FromFolder(folder), Options = new CopyOptions { DestinationFolder = "/srv/app" } };

    [Fact]
    public async Task The_copy_of_the_same_source_takes_the_started_read_once()
    {
        using var dir = new TempDir();
        dir.WriteFile("a.txt", "a");
        var request = Request(dir);
        await SourcePrefetch.Start(request, CancellationToken.None)!;
        dir.WriteFile("b.txt", "b");  // after the early read: the copy that takes it does not see it, the next copy does

        // The copy adds its progress reporting to the options; the read is still its own.
        var copier = new Copier(request.Source, request.Options with { Progress = new Progress<CopyProgress>() });
        var first = await copier.ReadSourceAsync(CancellationToken.None);
        var second = await copier.ReadSourceAsync(CancellationToken.None);
        Assert.Equal(["a.txt"], first.Entries.Select(e => e.Path));
        Assert.Equal(["a.txt", "b.txt"], second.Entries.Select(e => e.Path).Order());
    }

    [Fact]
    public async Task StartReading_serves_the_copiers_next_copy_once()
    {
        using var dir = new TempDir();
        dir.WriteFile("a.txt", "a");
        var copier = new Copier(CopySource.FromFolder(dir), new CopyOptions { DestinationFolder = "/srv/app" });
        await copier.StartReading();   // finished before the copy, as when the logins take longer than the walk
        dir.WriteFile("b.txt", "b");
        var first = await copier.ReadSourceAsync(CancellationToken.None);
        var second = await copier.ReadSourceAsync(CancellationToken.None);
        Assert.Equal(["a.txt"], first.Entries.Select(e => e.Path));
        Assert.Equal(["a.txt", "b.txt"], second.Entries.Select(e => e.Path).Order());
    }

    [Fact]
    public void Another_source_or_other_options_read_afresh()
    {
        using var dir = new TempDir();
        dir.WriteFile("a.txt", "a");
        var request = Request(dir);
        _ = SourcePrefetch.Start(request, CancellationToken.None);
        Assert.Null(SourcePrefetch.Take(CopySource.FromFolder(dir), request.Options));
        Assert.Null(SourcePrefetch.Take(request.Source, request.Options with { ExcludePaths = ["a.txt"] }));
        Assert.NotNull(SourcePrefetch.Take(request.Source, request.Options));
        Assert.Null(SourcePrefetch.Take(request.Source, request.Options));
    }

    [Fact]
    public async Task A_failed_read_fails_the_copy_as_a_fresh_read_would()
    {
        using var dir = new TempDir();
        Directory.CreateDirectory(dir.Combine("gone"));
        var request = Request(dir.Combine("gone"));
        Directory.Delete(dir.Combine("gone"));
        _ = SourcePrefetch.Start(request, CancellationToken.None);
        await Assert.ThrowsAsync<DirectoryNotFoundException>(() => new Copier(request.Source, request.Options).ReadSourceAsync(CancellationToken.None));
    }
}
