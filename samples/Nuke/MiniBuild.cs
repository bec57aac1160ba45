using System.Diagnostics;
using System.Linq.Expressions;
using System.Reflection;
using Serilog;
using Serilog.Core;
using Serilog.Events;

// The few pieces of Nuke's NukeBuild this sample needs: targets as properties, DependsOn/Executes, [Parameter]
// fields from --name value arguments, a Serilog console logger. With Nuke.Common, delete this file and derive from
// NukeBuild: Build.cs stays as it is.

/// <summary>A target definition, as in Nuke: <c>Target Compile => _ => _.DependsOn(Restore).Executes(...)</c>.</summary>
public delegate TargetDefinition Target(TargetDefinition definition);

/// <summary>What a target depends on and what it does.</summary>
public sealed class TargetDefinition
{
    internal List<Target> Dependencies { get; } = [];
    internal List<Action> Actions { get; } = [];

    public TargetDefinition DependsOn(params Target[] targets) { Dependencies.AddRange(targets); return this; }

    public TargetDefinition Executes(Action action) { Actions.Add(action); return this; }
}

/// <summary>Marks a field set from <c>--name value</c> (or <c>--name=value</c>) on the command line.</summary>
[AttributeUsage(AttributeTargets.Field)]
public sealed class ParameterAttribute(string? description = null) : Attribute
{
    public string? Description { get; } = description;
}

public abstract class MiniBuild
{
    public static int Execute<T>(string[] args, Expression<Func<T, Target>> defaultTarget) where T : MiniBuild, new()
    {
        Log.Logger = new LoggerConfiguration().MinimumLevel.Debug().WriteTo.Sink(new ConsoleSink()).CreateLogger();
        var build = new T();
        var named = Parse(args);
        var targets = typeof(T).GetProperties(BindingFlags.Instance | BindingFlags.NonPublic | BindingFlags.Public)
            .Where(p => p.PropertyType == typeof(Target)).ToDictionary(p => p.Name, p => (Target)p.GetValue(build)!, StringComparer.OrdinalIgnoreCase);
        foreach (var f in typeof(T).GetFields(BindingFlags.Instance | BindingFlags.NonPublic | BindingFlags.Public).Where(f => f.IsDefined(typeof(ParameterAttribute))))
            if (named.TryGetValue(f.Name, out var v)) f.SetValue(build, v);
        var start = named.TryGetValue("target", out var t) ? t : ((MemberExpression)defaultTarget.Body).Member.Name;
        if (!targets.TryGetValue(start, out var first)) { Log.Error("No target {Target}; targets: {All}", start, string.Join(", ", targets.Keys)); return 2; }

        // Targets are compared by name: a Target property returns a new delegate on every read.
        var names = targets.ToDictionary(kv => kv.Value.Method, kv => kv.Key);
        var order = new List<string>();
        void Visit(string name)
        {
            if (order.Contains(name)) return;
            var def = targets[name](new TargetDefinition());
            foreach (var d in def.Dependencies) Visit(names[d.Method]);
            order.Add(name);
        }
        Visit(targets.First(kv => kv.Key.Equals(start, StringComparison.OrdinalIgnoreCase)).Key);
        var clock = Stopwatch.StartNew();
        foreach (var name in order)
        {
            Log.Information("═══ {Target}", name);
            try
            {
                foreach (var action in targets[name](new TargetDefinition()).Actions) action();
            }
            catch (Exception e)
            {
                Log.Error("Target {Target} failed: {Message}", name, e.Message);
                return 1;
            }
        }
        Log.Information("Build succeeded: {Targets} in {Seconds:0.0} s", string.Join(" → ", order), clock.Elapsed.TotalSeconds);
        return 0;
    }

    static Dictionary<string, string> Parse(string[] args)
    {
        var named = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < args.Length; i++)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal)) { named["target"] = args[i]; continue; }
            var arg = args[i][2..];
            var eq = arg.IndexOf('=');
            var (key, value) = eq >= 0 ? (arg[..eq], arg[(eq + 1)..]) : (arg, i + 1 < args.Length ? args[++i] : "true");
            named[key.Replace("-", "", StringComparison.Ordinal)] = value;
        }
        return named;
    }

    /// <summary>Runs a local program (Nuke's ProcessTasks.StartProcess), logging its output; a non-zero exit throws.</summary>
    protected static void Run(string program, params string[] arguments)
    {
        var psi = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in arguments) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        p.OutputDataReceived += (_, e) => { if (e.Data != null) Log.Debug("{Line}", e.Data); };
        p.ErrorDataReceived += (_, e) => { if (e.Data != null) Log.Warning("{Line}", e.Data); };
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException($"{program} exited with code {p.ExitCode}");
    }

    sealed class ConsoleSink : ILogEventSink
    {
        public void Emit(LogEvent e)
        {
            var level = e.Level switch
            {
                LogEventLevel.Verbose => "VRB", LogEventLevel.Debug => "DBG", LogEventLevel.Information => "INF",
                LogEventLevel.Warning => "WRN", LogEventLevel.Error => "ERR", _ => "FTL",
            };
            lock (this) Console.Out.WriteLine($"{e.Timestamp:HH:mm:ss} [{level}] {Render(e)}");
        }

        // Strings unquoted, as Nuke's console shows them (Serilog's default rendering quotes them).
        static string Render(LogEvent e)
        {
            var sb = new System.Text.StringBuilder();
            foreach (var token in e.MessageTemplate.Tokens)
            {
                if (token is Serilog.Parsing.PropertyToken p && e.Properties.TryGetValue(p.PropertyName, out var v) && v is ScalarValue { Value: string text })
                    sb.Append(text);
                else
                {
                    using var w = new StringWriter();
                    token.Render(e.Properties, w);
                    sb.Append(w);
                }
            }
            return sb.ToString();
        }
    }
}
