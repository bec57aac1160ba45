/// <summary>Ansible's inventory of the 32 fan-out connections (over the 4 hosts) and its environment.</summary>
sealed class Ansible
{
    Ansible(string inventory, Dictionary<string, string> env)
    {
        Inventory = inventory;
        Env = env;
    }

    /// <summary>The inventory file: c00..c31, host i on fleet host i mod 4.</summary>
    public string Inventory { get; }

    /// <summary>Ansible with its default ssh arguments (-C -o ControlMaster=auto -o ControlPersist=60s): it shares connections as Rmote does.</summary>
    public Dictionary<string, string> Env { get; }

    /// <summary><see cref="Env"/> with ssh connection sharing off.</summary>
    public Dictionary<string, string> UnsharedEnv => new(Env) { ["ANSIBLE_SSH_ARGS"] = "-o ControlMaster=no -o ControlPath=none" };

    public static Ansible Write(Bench bench, int connections)
    {
        var inventory = bench.Combine("inventory.ini");
        File.WriteAllText(inventory, "[all]\n" + string.Concat(Enumerable.Range(0, connections).Select(i =>
        {
            var h = bench.Hosts[i % bench.Hosts.Count];
            return $"c{i:00} ansible_host={h.HostName} ansible_port={h.Port} ansible_user={h.User} ansible_ssh_private_key_file={h.IdentityFile} " +
                   $"ansible_ssh_common_args='-o UserKnownHostsFile={h.KnownHostsFile} -o StrictHostKeyChecking=yes -o IdentitiesOnly=yes' ansible_python_interpreter=/usr/bin/python3\n";
        })));
        return new Ansible(inventory, new Dictionary<string, string>
        {
            ["ANSIBLE_PIPELINING"] = "True", ["ANSIBLE_HOST_KEY_CHECKING"] = "True", ["ANSIBLE_FORKS"] = "32",
            ["ANSIBLE_LOCAL_TEMP"] = bench.Combine("ansible-tmp"),
            ["ANSIBLE_STDOUT_CALLBACK"] = "minimal", ["ANSIBLE_LOAD_CALLBACK_PLUGINS"] = "1", ["ANSIBLE_GATHERING"] = "explicit",
        });
    }
}
