using Rmote.Fleet;

namespace Rmote.Deploy.Tests;

public sealed class HostSpecTests
{
    [Theory]
    [InlineData("web01", "web01", null, null)]
    [InlineData("deploy@web01", "web01", "deploy", null)]
    [InlineData("web01:2222", "web01", null, 2222)]
    [InlineData("deploy@web01:2222", "web01", "deploy", 2222)]
    [InlineData("[::1]:22", "::1", null, 22)]
    [InlineData("root@[::1]:2200", "::1", "root", 2200)]
    [InlineData("[fe80::1]", "fe80::1", null, null)]
    [InlineData("::1", "::1", null, null)]
    [InlineData("ssh://u@h.example.com:23", "h.example.com", "u", 23)]
    public void Parses(string text, string host, string? user, int? port)
    {
        var s = HostSpec.Parse(text);
        Assert.Equal(host, s.Host);
        Assert.Equal(user, s.User);
        Assert.Equal(port, s.Port);
        Assert.False(s.IsLocal);
    }

    [Fact]
    public void Local_and_defaults()
    {
        Assert.True(HostSpec.Parse("local").IsLocal);
        Assert.True(HostSpec.Parse("LOCAL").IsLocal);
        var d = new HostSpec { Host = "x", User = "deploy", Port = 2222, Identity = "~/.ssh/k" };
        var s = HostSpec.Parse("web02", d);
        Assert.Equal(("web02", "deploy", 2222, "~/.ssh/k"), (s.Host, s.User, s.Port, s.Identity));
        Assert.Equal("deploy@web02:2222", s.Label);
        Assert.Equal("root@[::1]:22", HostSpec.Parse("root@[::1]:22").ToString());
    }

    [Theory]
    [InlineData("")]
    [InlineData("web01:0")]
    [InlineData("web01:70000")]
    [InlineData("web01:ab")]
    [InlineData("@web01")]
    [InlineData("-oProxyCommand=touch /tmp/x")]
    [InlineData("-oProxyCommand=x")]
    [InlineData("user@-oProxyCommand=x")]
    [InlineData("-x@host")]
    [InlineData("[::1")]
    [InlineData("[::1]x")]
    [InlineData("a b")]
    public void Rejects(string text)
    {
        var e = Assert.Throws<FormatException>(() => HostSpec.Parse(text));
        Assert.False(string.IsNullOrEmpty(e.Message));
    }

    [Fact]
    public void Batch_sizes()
    {
        Assert.Equal(2, BatchSize.Parse("2").For(10));
        Assert.Equal(2, BatchSize.Parse("25%").For(8));
        Assert.Equal(1, BatchSize.Parse("25%").For(3));
        Assert.Equal(10, BatchSize.Parse("100%").For(10));
        BatchSize fromInt = 3, fromString = "50%";
        Assert.Equal((3, 5), (fromInt.For(10), fromString.For(10)));
        Assert.Throws<FormatException>(() => BatchSize.Parse("0"));
        Assert.Throws<FormatException>(() => BatchSize.Parse("150%"));
        Assert.Throws<FormatException>(() => BatchSize.Parse("x"));
    }
}

public sealed class DestinationPathTests
{
    [Theory]
    [InlineData("a/b.txt", "a/b.txt")]
    [InlineData("./a//b", "a/b")]
    [InlineData(@"bin\app.dll", "bin/app.dll")]
    public void Normalizes(string input, string expected) => Assert.Equal(expected, DestinationPath.Normalize(input));

    [Theory]
    [InlineData("/etc/passwd")]
    [InlineData("../x")]
    [InlineData("a/../../x")]
    [InlineData(@"..\x")]
    [InlineData("C:/x")]
    [InlineData("")]
    [InlineData("./")]
    [InlineData("a\0b")]
    public void Refuses(string input)
    {
        var e = Assert.Throws<ArgumentException>(() => DestinationPath.Normalize(input));
        Assert.Contains("Destination path", e.Message);
    }

    [Fact]
    public void File_set_refuses_traversal_before_anything()
    {
        Assert.Throws<ArgumentException>(() => CopySource.FromFiles([new CopyItem("/etc/hostname", "../../etc/evil")]));
        Assert.Throws<ArgumentException>(() => CopySource.FromFiles([new CopyItem("/etc/hostname", "/etc/evil")]));
    }

    [Fact]
    public async Task File_set_refuses_paths_below_a_file_or_link_of_the_same_set()
    {
        using var src = new TestRig.TempDir();
        Rig.Write(src, "f", "x");
        File.CreateSymbolicLink(src.Combine("l"), "/etc");
        var copier = new Copier(CopySource.FromFiles([new CopyItem(src.Combine("l"), "conf"), new CopyItem(src.Combine("f"), "conf/passwd")]),
            new CopyOptions { DestinationFolder = "/srv/x" });
        var e = await Assert.ThrowsAsync<ArgumentException>(() => copier.PrepareAsync());
        Assert.Contains("conf/passwd", e.Message);
        var dup = new Copier(CopySource.FromFiles([new CopyItem(src.Combine("f"), "a"), new CopyItem(src.Combine("f"), "./a")]),
            new CopyOptions { DestinationFolder = "/srv/x" });
        await Assert.ThrowsAsync<ArgumentException>(() => dup.PrepareAsync());
    }

    [Fact]
    public void Options_validated()
    {
        using var src = new TestRig.TempDir();
        Assert.Throws<ArgumentException>(() => new Copier(CopySource.FromFolder(src), new CopyOptions { DestinationFolder = "relative/dir" }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Copier(CopySource.FromFolder(src), new CopyOptions { DestinationFolder = "/x", MaxFilesInFlight = 0 }));
        Assert.Throws<ArgumentException>(() => Releases.ValidateId(".."));
        Assert.Throws<ArgumentException>(() => Releases.ValidateId("a/b"));
        Assert.Equal(17, Releases.NewId().Length);
    }
}
