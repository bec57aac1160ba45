using Rmote.TestRig;
using Rmote.Tools;
using Rmote.Transport;

namespace Rmote.Core.Tests;

/// <summary>The cipher a new SSH connection negotiates, read where a user would: ssh's own debug lines (LogLevel=DEBUG1),
/// which Rmote's debug log carries as "transport:" lines.</summary>
[Collection("ssh")]
public sealed class SshCipherPreferenceTests(SshFleetFixture rig)
{
    const string Chacha = "chacha20-poly1305@openssh.com";
    const string AesGcm = "aes128-gcm@openssh.com";

    static async Task<string> NegotiatedCipherAsync(SshHost host, SshOptions options)
    {
        var log = new CapturingLogger();
        // No sharing: every connection makes its own key exchange, whatever other tests left behind.
        await using (var proto = await Protocol.FromSshAsync(host.HostName, options with { Logger = log, ConnectionPersist = TimeSpan.Zero, Options = ["-o", "LogLevel=DEBUG1"] }))
            Assert.Equal("hi", await proto.CallAsync(Diag.EchoString, "hi"));
        var line = log.Entries.Select(e => e.Message).FirstOrDefault(m => m.Contains("kex: client->server cipher: ", StringComparison.Ordinal));
        Assert.True(line != null, "ssh printed no kex line:\n" + log.AllText);
        return line!.Split("cipher: ")[1].Split(' ')[0];
    }

    [Fact]
    public async Task A_new_connection_puts_AES_GCM_first_when_nothing_configures_the_ciphers()
    {
        Assert.True(SshCipherPreference.LocalCpuHasAes, "this test needs a CPU with AES instructions (x86 AES-NI or the Arm crypto extension)");
        var host = rig.Hosts[0];
        var config = Path.Combine(host.HostDirectory, "client-no-ciphers.conf");
        await File.WriteAllTextAsync(config, "# sets nothing: the cipher list is OpenSSH's default\n");
        Assert.Equal(AesGcm, await NegotiatedCipherAsync(host, SshProtocolTests.OptionsFor(host) with { ConfigFile = config }));
    }

    [Fact]
    public async Task A_cipher_list_in_ssh_config_is_left_as_the_user_ordered_it()
    {
        var host = rig.Hosts[0];
        var config = Path.Combine(host.HostDirectory, "client-chacha-first.conf");
        await File.WriteAllTextAsync(config, $"Host *\n    Ciphers {Chacha},{AesGcm}\n");
        Assert.Equal(Chacha, await NegotiatedCipherAsync(host, SshProtocolTests.OptionsFor(host) with { ConfigFile = config }));
    }

    [Fact]
    public void Reordering_keeps_every_cipher_and_moves_only_the_GCM_ones_forward()
    {
        Assert.Equal("aes128-gcm@openssh.com,aes256-gcm@openssh.com,chacha20-poly1305@openssh.com,aes128-ctr,aes192-ctr,aes256-ctr",
            SshCipherPreference.Reorder("chacha20-poly1305@openssh.com,aes128-ctr,aes192-ctr,aes256-ctr,aes128-gcm@openssh.com,aes256-gcm@openssh.com"));
        Assert.Equal("aes256-gcm@openssh.com,aes128-ctr", SshCipherPreference.Reorder("aes128-ctr,aes256-gcm@openssh.com"));
    }
}
