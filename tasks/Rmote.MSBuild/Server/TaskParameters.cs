using System.Collections;
using System.Reflection;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

namespace Rmote.MSBuild.Server;

/// <summary>
/// A task's parameters and outputs across the socket, by property name, as MSBuild itself sets and reads them:
/// strings, string arrays, booleans, integers and item arrays (the only types Rmote's tasks declare).
/// </summary>
internal static class TaskParameters
{
    const byte Null = 0, Text = 1, TextArray = 2, Boolean = 3, Integer = 4, Items = 5;

    // Metadata MSBuild keeps with an item that its spec does not tell: a server-side item returns the values the build
    // saw (the recursive part of a wildcard cannot be found again anywhere else). The rest of the well-known metadata
    // (FullPath, Filename...) the server's item computes as MSBuild does, from the spec and the project's folder, which
    // is the server's working folder.
    static readonly string[] WellKnown =
        ["RecursiveDir", "DefiningProjectFullPath", "DefiningProjectDirectory", "DefiningProjectName", "DefiningProjectExtension"];

    /// <summary>The parameters MSBuild can set: public settable properties declared by the task types, not by <see cref="ITask"/>'s base.</summary>
    public static IEnumerable<PropertyInfo> Inputs(Type type) =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.SetMethod is { IsPublic: true } && p.GetIndexParameters().Length == 0 && p.DeclaringType != typeof(Microsoft.Build.Utilities.Task));

    /// <summary>The <see cref="OutputAttribute"/> properties.</summary>
    public static IEnumerable<PropertyInfo> Outputs(Type type) =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.IsDefined(typeof(OutputAttribute)));

    public static void Write(BinaryWriter w, object task, List<PropertyInfo> properties, bool withWellKnown)
    {
        w.Write(properties.Count);
        foreach (var p in properties)
        {
            w.Write(p.Name);
            WriteValue(w, p.GetValue(task), p, withWellKnown);
        }
    }

    /// <summary>Sets each property read on <paramref name="task"/>; <paramref name="server"/>: items keep the metadata the build computed.</summary>
    public static void Read(BinaryReader r, object task, bool server)
    {
        var type = task.GetType();
        for (var n = r.ReadInt32(); n > 0; n--)
        {
            var name = r.ReadString();
            var value = ReadValue(r, server);
            var property = type.GetProperty(name, BindingFlags.Public | BindingFlags.Instance)
                ?? throw new InvalidDataException($"{type.Name} has no parameter {name}.");
            // An output's private setter is only seen through the type that declares it (HostSummary: RmoteTask).
            if (property.DeclaringType != type) property = property.DeclaringType!.GetProperty(name, BindingFlags.Public | BindingFlags.Instance)!;
            property.SetValue(task, value);
        }
    }

    static void WriteValue(BinaryWriter w, object? value, PropertyInfo p, bool withWellKnown)
    {
        switch (value)
        {
            case null:
                w.Write(Null);
                break;
            case string s:
                w.Write(Text);
                w.Write(s);
                break;
            case string[] a:
                w.Write(TextArray);
                w.Write(a.Length);
                foreach (var s in a) w.WriteNullable(s);
                break;
            case bool b:
                w.Write(Boolean);
                w.Write(b);
                break;
            case int i:
                w.Write(Integer);
                w.Write(i);
                break;
            case ITaskItem[] items:
                w.Write(Items);
                w.Write(items.Length);
                foreach (var item in items) WriteItem(w, item, withWellKnown);
                break;
            default:
                throw new NotSupportedException($"{p.DeclaringType?.Name}.{p.Name} is a {p.PropertyType.Name}, which the build server does not carry.");
        }
    }

    static object? ReadValue(BinaryReader r, bool server)
    {
        switch (r.ReadByte())
        {
            case Null: return null;
            case Text: return r.ReadString();
            case TextArray:
                var a = new string[r.ReadInt32()];
                for (var i = 0; i < a.Length; i++) a[i] = r.ReadNullable()!;
                return a;
            case Boolean: return r.ReadBoolean();
            case Integer: return r.ReadInt32();
            case Items:
                var items = new ITaskItem[r.ReadInt32()];
                for (var i = 0; i < items.Length; i++) items[i] = ReadItem(r, server);
                return items;
            case var other: throw new InvalidDataException($"unknown parameter type {other}");
        }
    }

    static void WriteItem(BinaryWriter w, ITaskItem item, bool withWellKnown)
    {
        var escaped = item as ITaskItem2;
        w.Write(escaped?.EvaluatedIncludeEscaped ?? ItemText.Escape(item.ItemSpec));
        var custom = escaped?.CloneCustomMetadataEscaped() ?? item.CloneCustomMetadata();
        w.Write(custom.Count);
        foreach (DictionaryEntry m in custom)
        {
            w.Write((string)m.Key);
            var value = (string?)m.Value ?? "";
            w.Write(escaped != null ? value : ItemText.Escape(value));
        }
        w.Write(withWellKnown ? WellKnown.Length : 0);
        if (!withWellKnown) return;
        foreach (var name in WellKnown)
        {
            w.Write(name);
            w.Write(item.GetMetadata(name) ?? "");
        }
    }

    static ITaskItem ReadItem(BinaryReader r, bool server)
    {
        var spec = r.ReadString();
        var custom = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        for (var n = r.ReadInt32(); n > 0; n--) custom[r.ReadString()] = r.ReadString();
        var item = new TaskItem(spec, custom);
        var wellKnown = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        for (var n = r.ReadInt32(); n > 0; n--) wellKnown[r.ReadString()] = r.ReadString();
        return server ? new BuildTaskItem(item, wellKnown) : item;
    }
}
