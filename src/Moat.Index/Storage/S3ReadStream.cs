using Amazon.S3;
using Amazon.S3.Model;

namespace Moat.Index.Storage;

/// <summary>
/// A read-only, seekable stream over one S3 object of known length, for ASP.NET's Range support (which seeks to the
/// range's start, then copies the range's length). Nothing is fetched until the first read; each read after a seek
/// opens one GET from the current position to the end (<c>Range: bytes=N-</c>), consumed sequentially, so a whole
/// download is one GET and a ranged one is one GET of its tail. A range in the middle closes its GET early, which costs
/// the connection but never more bytes than the transfer buffers hold.
/// </summary>
internal sealed class S3ReadStream(IAmazonS3 s3, string bucket, string key, long length) : Stream
{
    private GetObjectResponse? _response;
    private Stream? _body;
    private long _position;

    public override bool CanRead => true;
    public override bool CanSeek => true;
    public override bool CanWrite => false;
    public override long Length => length;

    public override long Position
    {
        get => _position;
        set => Seek(value, SeekOrigin.Begin);
    }

    public override long Seek(long offset, SeekOrigin origin)
    {
        var target = origin switch
        {
            SeekOrigin.Begin => offset,
            SeekOrigin.Current => _position + offset,
            _ => length + offset,
        };
        if (target < 0) throw new IOException("Seek before the start of the object.");
        if (target != _position) CloseBody();
        _position = target;
        return _position;
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default)
    {
        if (_position >= length || buffer.Length == 0) return 0;
        if (_body is null)
        {
            var request = new GetObjectRequest { BucketName = bucket, Key = key };
            if (_position > 0) request.ByteRange = new ByteRange($"bytes={_position}-");
            _response = await s3.GetObjectAsync(request, ct);
            _body = _response.ResponseStream;
        }
        var read = await _body.ReadAsync(buffer, ct);
        if (read == 0 && _position < length)
            throw new IOException($"s3://{bucket}/{key} ended at {_position} of {length} bytes.");
        _position += read;
        return read;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken ct) =>
        ReadAsync(buffer.AsMemory(offset, count), ct).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override void Flush() { }
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    private void CloseBody()
    {
        _body?.Dispose();
        _response?.Dispose();
        _body = null;
        _response = null;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) CloseBody();
        base.Dispose(disposing);
    }
}
