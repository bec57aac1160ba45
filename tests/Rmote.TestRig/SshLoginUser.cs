namespace Rmote.TestRig;

/// <summary>
/// A <see cref="LocalUser"/> that logs in to a rig host over SSH with the fleet's client key (sshd reads one
/// absolute AuthorizedKeysFile for every user), optionally allowed to run <c>/usr/bin/python3</c> as root with
/// <c>sudo -n</c>: the deploy user of a real server, for Sudo and Owner tests. Needs root.
/// </summary>
public static class SshLoginUser
{
    const string SudoersPrefix = "/etc/sudoers.d/rmote-test-";

    /// <summary>
    /// Returns the user <paramref name="name"/>, able to log in to <paramref name="fleet"/>'s hosts; with
    /// <paramref name="sudoPython"/> a sudoers drop-in lets it start python3 as root without a password
    /// (<see cref="RemoveSudo"/> takes it away again).
    /// </summary>
    public static async Task<LocalUser> EnsureAsync(SshFleet fleet, string name, bool sudoPython, CancellationToken ct = default)
    {
        RequiresTools.Ensure("usermod", "visudo", "sudo");
        var user = await LocalUser.EnsureAsync(name, ct).ConfigureAwait(false);
        // useradd leaves the password field "!" (locked), and sshd without PAM refuses a locked account even with a key; "*": no password, not locked.
        (await ProcessRunner.RunAsync("usermod", ["-p", "*", name], timeout: TimeSpan.FromSeconds(30), ct: ct).ConfigureAwait(false)).EnsureSuccess();
        // sshd reads authorized_keys as the user: the fleet's folder (0700, it holds the client's private key in a 0700
        // subfolder) becomes traversable and the public-key list readable; no private key becomes readable.
        File.SetUnixFileMode(fleet.Root, (UnixFileMode)0b111_001_001);
        File.SetUnixFileMode(fleet.AuthorizedKeysFile, (UnixFileMode)0b110_100_100);
        if (sudoPython)
        {
            var dropIn = SudoersPrefix + name;
            var tmp = dropIn + ".tmp";
            File.WriteAllText(tmp, $"{name} ALL=(root) NOPASSWD: /usr/bin/python3\n");
            File.SetUnixFileMode(tmp, (UnixFileMode)0b100_100_000);
            (await ProcessRunner.RunAsync("visudo", ["-cf", tmp], timeout: TimeSpan.FromSeconds(30), ct: ct).ConfigureAwait(false)).EnsureSuccess();
            File.Move(tmp, dropIn, overwrite: true);
        }
        return user;
    }

    /// <summary>Removes the sudoers drop-in <see cref="EnsureAsync"/> wrote for <paramref name="name"/> (if any).</summary>
    public static void RemoveSudo(string name) => File.Delete(SudoersPrefix + name);
}
