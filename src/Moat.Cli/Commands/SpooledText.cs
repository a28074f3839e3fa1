using System.Text;

namespace Moat.Cli.Commands;

/// <summary>
/// A report bound for standard output, held until it is complete so that it appears whole or not at all (a scan that
/// fails half-way prints its one error line, not half a JSON document): in memory up to 1 MiB, beyond that in a
/// temporary file that deletes itself, since a directory's report is written while its archives are still scanned and
/// must not be kept in memory whole.
/// </summary>
internal sealed class SpooledText : TextWriter
{
    private const int MemoryLimit = 1 << 20;
    private readonly StringBuilder _memory = new();
    private FileStream? _file;
    private StreamWriter? _fileWriter;
    private bool _memoryOnly;
    private readonly string _temporaryDirectory;

    private SpooledText(string temporaryDirectory) => _temporaryDirectory = temporaryDirectory;

    public override Encoding Encoding => Encoding.UTF8;

    /// <summary>Runs <paramref name="write"/> into a spool and, only when it returns, copies what it wrote to <paramref name="destination"/>.</summary>
    public static void WriteWhole(TextWriter destination, Action<TextWriter> write) => WriteWhole(destination, write, Path.GetTempPath());

    internal static void WriteWhole(TextWriter destination, Action<TextWriter> write, string temporaryDirectory)
    {
        using var spool = new SpooledText(temporaryDirectory);
        write(spool);
        spool.CopyTo(destination);
    }

    public override void Write(char value)
    {
        if (_fileWriter is not null) _fileWriter.Write(value);
        else Append([value]);
    }

    public override void Write(char[] buffer, int index, int count) => Write(buffer.AsSpan(index, count));

    public override void Write(string? value) => Write(value.AsSpan());

    public override void Write(ReadOnlySpan<char> buffer)
    {
        if (_fileWriter is not null) _fileWriter.Write(buffer);
        else Append(buffer);
    }

    private void Append(ReadOnlySpan<char> text)
    {
        _memory.Append(text);
        if (_memory.Length <= MemoryLimit || _memoryOnly) return;
        try
        {
            _file = new FileStream(Path.Combine(_temporaryDirectory, $"moat-report-{Guid.NewGuid():N}.tmp"), FileMode.CreateNew, FileAccess.ReadWrite,
                FileShare.None, 64 * 1024, FileOptions.DeleteOnClose);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            _memoryOnly = true; // no writable temporary directory: the report is held in memory, as it was before spooling
            return;
        }
        _fileWriter = new StreamWriter(_file, new UTF8Encoding(false), 64 * 1024, leaveOpen: true);
        foreach (var chunk in _memory.GetChunks()) _fileWriter.Write(chunk.Span);
        _memory.Clear();
    }

    private void CopyTo(TextWriter destination)
    {
        if (_fileWriter is null || _file is null)
        {
            foreach (var chunk in _memory.GetChunks()) destination.Write(chunk.Span);
            destination.Flush();
            return;
        }
        _fileWriter.Flush();
        _file.Position = 0;
        using var reader = new StreamReader(_file, new UTF8Encoding(false), false, 64 * 1024, leaveOpen: true);
        var buffer = new char[64 * 1024];
        int read;
        while ((read = reader.Read(buffer, 0, buffer.Length)) > 0) destination.Write(buffer, 0, read);
        destination.Flush();
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _fileWriter?.Dispose();
            _file?.Dispose();
        }
        base.Dispose(disposing);
    }
}
