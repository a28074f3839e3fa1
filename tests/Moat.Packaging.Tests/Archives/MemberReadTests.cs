using Moat.Packaging.Archives;

namespace Moat.Packaging.Tests.Archives;

/// <summary><see cref="ArchiveMember.ReadAllBytes"/> returns every byte whatever the member's size against its buffer steps.</summary>
public class MemberReadTests
{
    private static readonly int[] Sizes = [0, 1, 4095, 4097, 1 << 20, (1 << 20) + 1, 3 * (1 << 20) + 7];

    [Fact]
    public void Every_byte_of_every_size_is_read_from_tar_and_zip()
    {
        var random = new Random(7);
        var entries = Sizes.Select(size =>
        {
            var data = new byte[size];
            random.NextBytes(data);
            return new Entry($"pkg/m{size}.bin", data);
        }).ToArray();
        foreach (var (bytes, name) in new[] { (ArchiveFactory.Tar(entries), "p.tar"), (ArchiveFactory.Zip(entries), "p.zip") })
        {
            var read = new Dictionary<string, byte[]>();
            SafeArchive.Read(new MemoryStream(bytes), name, m =>
            {
                if (m.Kind == ArchiveMemberKind.File) read[m.Path] = m.ReadAllBytes();
            });
            foreach (var entry in entries) Assert.Equal(entry.Data, read[entry.Name]);
        }
    }
}
