namespace Moat.Packaging.Archives;

/// <summary>
/// A private copy of bytes that must be re-read or seeked (a nested archive, a non-seekable zip): memory while
/// small, a delete-on-close temporary file beyond that, so large nested archives never sit in memory.
/// </summary>
internal sealed class Spool : IDisposable
{
    private const int MemoryThreshold = 4 * 1024 * 1024;
    private readonly MemoryStream? _memory;
    private readonly FileStream? _file;
    private readonly string? _filePath;

    private Spool(MemoryStream memory) => _memory = memory;

    private Spool(FileStream file, string filePath)
    {
        _file = file;
        _filePath = filePath;
    }

    /// <summary>Copies <paramref name="source"/>; null when it holds more than <paramref name="maxBytes"/>.</summary>
    public static Spool? TryCreate(Stream source, long maxBytes)
    {
        var buffer = new byte[81920];
        var memory = new MemoryStream();
        long total = 0;
        int n;
        while ((n = source.Read(buffer)) > 0)
        {
            total += n;
            if (total > maxBytes) return null;
            memory.Write(buffer, 0, n);
            if (memory.Length > MemoryThreshold) return ContinueOnDisk(memory, source, buffer, total, maxBytes);
        }
        memory.Position = 0;
        return new Spool(memory);
    }

    private static Spool? ContinueOnDisk(MemoryStream head, Stream source, byte[] buffer, long total, long maxBytes)
    {
        var path = Path.Combine(Path.GetTempPath(), "moat-spool-" + Guid.NewGuid().ToString("N"));
        var file = new FileStream(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.Read | FileShare.Delete,
            1 << 16, FileOptions.DeleteOnClose);
        try
        {
            head.Position = 0;
            head.CopyTo(file);
            int n;
            while ((n = source.Read(buffer)) > 0)
            {
                total += n;
                if (total > maxBytes)
                {
                    file.Dispose();
                    return null;
                }
                file.Write(buffer, 0, n);
            }
            file.Flush();
            return new Spool(file, path);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>A new independent, seekable, read-only view from the start.</summary>
    public Stream OpenView() => _memory is not null
        ? new MemoryStream(_memory.GetBuffer(), 0, (int)_memory.Length, writable: false)
        : new FileStream(_filePath!, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1 << 16);

    public void Dispose()
    {
        _memory?.Dispose();
        _file?.Dispose();
    }
}
