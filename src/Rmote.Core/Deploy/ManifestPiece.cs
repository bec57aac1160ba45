using System.Text.Json;
using System.Text.Json.Serialization;
using Rmote.Wire;

namespace Rmote.Deploy;

/// <summary>
/// Entries of one <c>sync_plan</c> call in its compact form, grouped by folder (<c>folders</c>, docs/DEPLOY.md):
/// <c>[{dir, entry?, mode?, files?: [name, size, mtime_ns, mode, ...], links?: [name, target, ...], sha256?: [...]}]</c>.
/// Written straight from the source entries (a path's bytes, no string per entry): a million entries would otherwise
/// be a million short-lived strings and records that the GC reclaims late. A folder's path is written once per group,
/// not once per file, and the host decodes no object per file: a no-change plan of 100k files is mostly its lstats.
/// </summary>
[JsonConverter(typeof(ManifestPieceConverter))]
internal sealed class ManifestPiece(IReadOnlyList<SourceEntry> entries)
{
    public IReadOnlyList<SourceEntry> Entries { get; } = entries;
}

internal sealed class ManifestPieceConverter : JsonConverter<ManifestPiece>
{
    [ThreadStatic] static byte[]? pathBuffer;

    public override ManifestPiece Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        throw new NotSupportedException("a manifest piece is only ever sent");

    public override void Write(Utf8JsonWriter writer, ManifestPiece value, JsonSerializerOptions options)
    {
        var buffer = pathBuffer ??= new byte[512];
        var group = new GroupWriter(writer);
        writer.WriteStartArray();
        foreach (var e in value.Entries)
        {
            var n = e.PathBytes(ref buffer);
            var path = buffer.AsSpan(0, n);
            if (e.Kind == EntryKind.Dir)
            {
                group.StartFolder(path, e.Mode);
                continue;
            }
            var slash = path.LastIndexOf((byte)'/');
            var head = slash < 0 ? [] : path[..slash];
            var name = path[(slash + 1)..];
            if (e.Kind == EntryKind.File)
            {
                group.Files(head);
                Text(writer, name);
                writer.WriteNumberValue(e.Size);
                writer.WriteNumberValue(e.MtimeNs);
                if (e.Mode is { } mode) writer.WriteNumberValue(mode);
                else writer.WriteNullValue();
                group.Sha256(e.Sha256);
            }
            else
            {
                group.Links(head);
                Text(writer, name);
                WireStringConverter.WriteText(writer, e.Link!);
            }
        }
        group.End();
        writer.WriteEndArray();
        pathBuffer = buffer;
    }

    /// <summary>A name or path as a JSON string; a non-UTF-8 byte travels as a <c>\udcXX</c> escape.</summary>
    internal static void Text(Utf8JsonWriter writer, ReadOnlySpan<byte> bytes)
    {
        if (System.Text.Unicode.Utf8.IsValid(bytes)) writer.WriteStringValue(bytes);
        else WireStringConverter.WriteText(writer, SurrogateEscape.Decode(bytes));
    }

    /// <summary>
    /// The group being written: its folder, and whether its files or its links are open. A group lists one kind, so
    /// a folder whose files and links interleave (or whose files come before and after a sub-folder) is several groups.
    /// </summary>
    sealed class GroupWriter(Utf8JsonWriter writer)
    {
        byte[] dir = new byte[256];
        int dirLength = -1;   // -1: no group open
        bool files, links;
        List<string?>? shas;

        public void StartFolder(ReadOnlySpan<byte> path, int? mode)
        {
            End();
            Open(path);
            writer.WriteBoolean("entry"u8, true);
            if (mode is { } m) writer.WriteNumber("mode"u8, m);
        }

        public void Files(ReadOnlySpan<byte> head) => List(head, link: false);

        public void Links(ReadOnlySpan<byte> head) => List(head, link: true);

        // Opens the group's list of files (or links) in folder head, in a new group unless the open one is that.
        void List(ReadOnlySpan<byte> head, bool link)
        {
            var same = Same(head);
            if (same && (link ? links : files)) return;
            if (!same || (link ? files : links)) { End(); Open(head); }
            writer.WritePropertyName(link ? "links"u8 : "files"u8);
            writer.WriteStartArray();
            (files, links) = (!link, link);
        }

        /// <summary>A file's SHA-256, kept until its group's files end (checksum mode only: every file has one then).</summary>
        public void Sha256(string? sha)
        {
            if (sha is null && shas is null) return;
            (shas ??= []).Add(sha);
        }

        public void End()
        {
            if (dirLength < 0) return;
            if (files || links) writer.WriteEndArray();
            if (shas is { Count: > 0 })
            {
                writer.WriteStartArray("sha256"u8);
                foreach (var s in shas) writer.WriteStringValue(s);
                writer.WriteEndArray();
                shas.Clear();
            }
            writer.WriteEndObject();
            (dirLength, files, links) = (-1, false, false);
        }

        bool Same(ReadOnlySpan<byte> head) => dirLength >= 0 && dir.AsSpan(0, dirLength).SequenceEqual(head);

        void Open(ReadOnlySpan<byte> path)
        {
            if (dir.Length < path.Length) dir = new byte[Math.Max(path.Length, dir.Length * 2)];
            path.CopyTo(dir);
            dirLength = path.Length;
            writer.WriteStartObject();
            writer.WritePropertyName("dir"u8);
            Text(writer, path);
        }
    }
}
