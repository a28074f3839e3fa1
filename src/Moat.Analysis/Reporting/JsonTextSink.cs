using System.Buffers;
using System.Text;
using System.Text.Json;

namespace Moat.Analysis.Reporting;

/// <summary>
/// A <see cref="Utf8JsonWriter"/> that writes through to a <see cref="TextWriter"/> as it goes. A report of ten
/// thousand archives is ~50 MB of JSON: gathered whole (a growing buffer, then one string of it) it was the largest
/// allocation of a corpus scan, at its very end. Call <see cref="FlushIfLarge"/> between items.
/// </summary>
internal sealed class JsonTextSink : IDisposable
{
    private const int FlushBytes = 64 * 1024;

    private readonly TextWriterStream _stream;

    public JsonTextSink(TextWriter output, JsonWriterOptions options)
    {
        _stream = new TextWriterStream(output);
        Json = new Utf8JsonWriter(_stream, options);
    }

    public Utf8JsonWriter Json { get; }

    /// <summary>Hands what the writer holds to the text writer once it is more than a small buffer.</summary>
    public void FlushIfLarge()
    {
        if (Json.BytesPending >= FlushBytes) Json.Flush();
    }

    public void Dispose() => Json.Dispose(); // flushes the rest

    /// <summary>Write-only: UTF-8 bytes decoded into characters for the text writer; a sequence cut between two writes is completed by the next.</summary>
    private sealed class TextWriterStream(TextWriter output) : Stream
    {
        private readonly Decoder _decoder = Encoding.UTF8.GetDecoder();

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            // At most three bytes of a cut sequence are carried over from the last write.
            var chars = ArrayPool<char>.Shared.Rent(Encoding.UTF8.GetMaxCharCount(buffer.Length + 3));
            try
            {
                var count = _decoder.GetChars(buffer, chars, flush: false);
                output.Write(chars, 0, count);
            }
            finally { ArrayPool<char>.Shared.Return(chars); }
        }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        // The text writer is flushed by its owner: flushing it on every chunk would write to the file in small pieces.
        public override void Flush() { }

        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
