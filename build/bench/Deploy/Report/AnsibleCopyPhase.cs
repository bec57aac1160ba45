using System.Diagnostics;
using Rmote.TestRig;

/// <summary>--ansible: the workload to 4 empty hosts with Ansible's copy module, once, against rmote's cold deploy.</summary>
static class AnsibleCopyPhase
{
    public static async Task RunAsync(Bench bench, ResultTable table, Ansible ansible, IReadOnlyList<ColdPhase.Round> cold)
    {
        var inv4 = bench.Combine("inventory4.ini");
        File.WriteAllText(inv4, string.Join('\n', File.ReadAllLines(ansible.Inventory).Take(1 + bench.Hosts.Count)) + "\n");
        var playbook = bench.Combine("copy.yml");
        File.WriteAllText(playbook, $"- hosts: all\n  gather_facts: false\n  tasks:\n    - copy:\n        src: {bench.Src}/\n        dest: /srv/b-ansible/\n        mode: preserve\n");
        bench.Clean("b-ansible");
        var env4 = new Dictionary<string, string>(ansible.Env) { ["ANSIBLE_FORKS"] = "4" };
        var sw = Stopwatch.StartNew();
        (await ProcessRunner.RunAsync("ansible-playbook", ["-i", inv4, playbook, "-f", "4"], env: env4, timeout: TimeSpan.FromMinutes(30))).EnsureSuccess();
        var ansibleCold = sw.Elapsed.TotalSeconds;
        table.Row("cold deploy, 4 hosts", Rounds.Median(cold.Select(x => x.Rmote)), ansibleCold, "ansible copy", "(report)");
    }
}
