using System.Reflection;

namespace Rmote.Operations;

/// <summary>
/// Reads a step record (<see cref="CopyStep"/>, <see cref="ExecStep"/>...) from a front end's settings object by
/// name: each property of the step takes the value of the settings property of the same name, so a front end whose
/// settings use the names of docs/FRONT-ENDS.md (Cake's and Nuke's do) has no list of assignments to keep in step
/// with the others. A null value leaves the step's default. The step's name for a parameter is the one name.
/// </summary>
public static class StepParameters
{
    /// <summary>The step <typeparamref name="TStep"/> as <paramref name="settings"/> states it; <paramref name="except"/> names parameters the caller sets itself.</summary>
    /// <exception cref="InvalidOperationException">A settings property has the step's name but a type the step cannot take (a front end bug, named).</exception>
    public static TStep From<TStep>(object settings, params string[] except) where TStep : new()
    {
        ArgumentNullException.ThrowIfNull(settings);
        var step = new TStep();
        foreach (var target in typeof(TStep).GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (!target.CanWrite || except.Contains(target.Name) || Find(settings.GetType(), target.Name) is not { } source) continue;
            var value = source.GetValue(settings);
            if (value is null) continue;
            if (!target.PropertyType.IsInstanceOfType(value))
                throw new InvalidOperationException($"{settings.GetType().Name}.{source.Name} is a {source.PropertyType.Name}, "
                    + $"but {typeof(TStep).Name}.{target.Name} takes a {target.PropertyType.Name}.");
            target.SetValue(step, value);
        }
        return step;
    }

    // The most derived property of that name: settings may hide a base property (a service's Timeout is its wait).
    static PropertyInfo? Find(Type type, string name)
    {
        for (var t = type; t != null; t = t.BaseType)
            if (t.GetProperty(name, BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly) is { CanRead: true } p) return p;
        return null;
    }
}
