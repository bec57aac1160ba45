using System.Reflection;
using Microsoft.Build.Framework;

namespace Rmote.Operations.Tests;

/// <summary>
/// The MSBuild build server carries a task's parameters and outputs by type (strings, string arrays, booleans,
/// integers, item arrays). Every parameter and output of every task the package ships must be one of those, or a
/// build that uses the server would fail where the same build inside MSBuild works.
/// </summary>
public sealed class BuildServerParameterTests
{
    static readonly Type[] Carried = [typeof(string), typeof(string[]), typeof(bool), typeof(int), typeof(ITaskItem[])];

    [Fact]
    public void Every_parameter_and_output_of_the_shipped_tasks_is_a_type_the_build_server_carries()
    {
        var tasks = typeof(MSBuild.RmoteCopy).Assembly.GetExportedTypes().Where(t => typeof(ITask).IsAssignableFrom(t) && !t.IsAbstract).ToList();
        Assert.True(tasks.Count >= 10, string.Join(", ", tasks.Select(t => t.Name)));
        var properties = tasks.SelectMany(t => t.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.DeclaringType != typeof(Microsoft.Build.Utilities.Task) && (p.SetMethod is { IsPublic: true } || p.IsDefined(typeof(OutputAttribute))))
            .Select(p => (Task: t.Name, Property: p))).ToList();
        Assert.Contains(properties, p => p.Property.Name == "HostSummary");
        Assert.All(properties, p => Assert.True(Carried.Contains(p.Property.PropertyType), $"{p.Task}.{p.Property.Name} is a {p.Property.PropertyType.Name}"));
    }
}
