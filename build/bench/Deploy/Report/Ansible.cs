using Rmote.TestRig;

/// <summary>An Ansible inventory of the bench's hosts (one line per connection) and its environment.</summary>
sealed class Ansible
{
    Ansible(string inventory, Dictionary<string, string> env)
    {
        Inventory = inventory;
        Env = env;
    }

    /// <summary>The inventory file: one line per connection.</summary>
    public string Inventory { get; }

    /// <summary>Ansible with its default ssh arguments (-C -o ControlMaster=auto -o ControlPersist=60s): it shares connections as Rmote does.</summary>
    public Dictionary<string, string> Env { get; }

    /// <summary><see cref="Env"/> with ssh connection sharing off.</summary>
    public Dictionary<string, string> UnsharedEnv => new(Env) { ["ANSIBLE_SSH_ARGS"] = "-o ControlMaster=no -o ControlPath=none" };

    /// <summary>The inventory of the 32 fan-out connections: c00..c31, connection i on bench host i mod 4.</summary>
    public static Ansible Write(Bench bench, int connections) =>
        Write(bench, Enumerable.Range(0, connections).Select(i => bench.Hosts[i % bench.Hosts.Count]).ToList(), "inventory.ini", connections);

    /// <summary>An inventory of one connection per entry of <paramref name="hosts"/> (c000..), Ansible forking <paramref name="forks"/>.</summary>
    public static Ansible Write(Bench bench, IReadOnlyList<SshHost> hosts, string fileName, int forks)
    {
        var inventory = bench.Combine(fileName);
        File.WriteAllText(inventory, "[all]\n" + string.Concat(hosts.Select((h, i) =>
            $"c{i:000} ansible_host={h.HostName} ansible_port={h.Port} ansible_user={h.User} ansible_ssh_private_key_file={h.IdentityFile} "
                   + $"ansible_ssh_common_args='-o UserKnownHostsFile={h.KnownHostsFile} -o StrictHostKeyChecking=yes -o IdentitiesOnly=yes' ansible_python_interpreter=/usr/bin/python3\n")));
        return new Ansible(inventory, new Dictionary<string, string>
        {
            ["ANSIBLE_PIPELINING"] = "True", ["ANSIBLE_HOST_KEY_CHECKING"] = "True", ["ANSIBLE_FORKS"] = forks.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["ANSIBLE_LOCAL_TEMP"] = bench.Combine("ansible-tmp"),
            ["ANSIBLE_STDOUT_CALLBACK"] = "minimal", ["ANSIBLE_LOAD_CALLBACK_PLUGINS"] = "1", ["ANSIBLE_GATHERING"] = "explicit",
        });
    }
}
