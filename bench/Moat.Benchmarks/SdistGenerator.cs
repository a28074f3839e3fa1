using System.Formats.Tar;
using System.IO.Compression;
using System.Text;

namespace Moat.Benchmarks;

/// <summary>
/// Writes benchmark inputs for the whole-process scripts in bench/:
/// <c>make-sdists DIR N</c> — N small, realistic sdists (PKG-INFO, setup.py or pyproject.toml, README, a package of
/// one to four modules, sometimes tests), deterministic for a given N;
/// <c>make-huge-sdist FILE MB</c> — one sdist with MB megabytes of members (Python modules past every source limit,
/// an over-sized module, data files), to show that memory stays bounded whatever the archive holds.
/// </summary>
public static class SdistGenerator
{
    public static void MakeMany(string directory, int count)
    {
        Directory.CreateDirectory(directory);
        Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = 2 }, i =>
        {
            var name = $"pkg{i:D5}";
            File.WriteAllBytes(Path.Combine(directory, $"{name}-1.{i % 7}.tar.gz"), Small(name, $"1.{i % 7}", i));
        });
    }

    private static byte[] Small(string name, string version, int seed)
    {
        var random = new Random(seed);
        using var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.Fastest, leaveOpen: true))
        using (var tar = new TarWriter(gzip, TarEntryFormat.Ustar))
        {
            void Add(string path, string text) =>
                tar.WriteEntry(new UstarTarEntry(TarEntryType.RegularFile, $"{name}-{version}/{path}") { DataStream = new MemoryStream(Encoding.UTF8.GetBytes(text)) });
            Add("PKG-INFO", $"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\nSummary: Utilities for {name}\nLicense: MIT\n\n# {name}\n\nA small library used in the Moat benchmark.\n");
            Add("README.md", $"# {name}\n\nInstall with `pip install {name}`.\n");
            Add("LICENSE", "MIT License\n\nPermission is hereby granted, free of charge, to any person obtaining a copy...\n");
            if (random.Next(3) == 0)
                Add("pyproject.toml", $"[build-system]\nrequires = [\"setuptools>=61\"]\nbuild-backend = \"setuptools.build_meta\"\n\n[project]\nname = \"{name}\"\nversion = \"{version}\"\n");
            else
                Add("setup.py", $"import os\nfrom setuptools import setup, find_packages\n\nhere = os.path.abspath(os.path.dirname(__file__))\nwith open(os.path.join(here, 'README.md')) as f:\n    long_description = f.read()\n\nsetup(name='{name}', version='{version}', packages=find_packages(), long_description=long_description, install_requires=['requests>=2'])\n");
            Add($"{name}/__init__.py", $"\"\"\"{name}.\"\"\"\nfrom .core import *  # noqa\n__version__ = '{version}'\n");
            var modules = 1 + random.Next(3);
            for (var m = 0; m < modules; m++) Add($"{name}/{(m == 0 ? "core" : $"mod{m}")}.py", CodeScanBenchmarks.LibraryModule(seed * 4 + m));
            if (random.Next(2) == 0) Add("tests/test_core.py", $"import {name}\n\ndef test_version():\n    assert {name}.__version__\n");
        }
        return buffer.ToArray();
    }

    public static void MakeHuge(string path, int megabytes)
    {
        using var file = File.Create(path);
        using var gzip = new GZipStream(file, CompressionLevel.Fastest);
        using var tar = new TarWriter(gzip, TarEntryFormat.Pax);
        var root = Path.GetFileNameWithoutExtension(Path.GetFileNameWithoutExtension(path)) + "/";
        long written = 0;
        void Add(string member, byte[] data)
        {
            tar.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, root + member) { DataStream = new MemoryStream(data) });
            written += data.Length;
        }
        Add("PKG-INFO", Encoding.UTF8.GetBytes("Metadata-Version: 2.1\nName: huge\nVersion: 1.0\nSummary: A very large package\n\nLong description.\n"));
        Add("setup.py", Encoding.UTF8.GetBytes("from setuptools import setup\nsetup(name='huge', version='1.0')\n"));
        // One module over the per-file limit, then ~1 MB modules until the package source limit is passed.
        var module = new StringBuilder();
        for (var i = 0; module.Length < 5 * 1024 * 1024; i++) module.Append(CodeScanBenchmarks.LibraryModule(i));
        Add("huge/oversized.py", Encoding.UTF8.GetBytes(module.ToString()));
        module.Clear();
        for (var i = 0; module.Length < 1024 * 1024; i++) module.Append(CodeScanBenchmarks.LibraryModule(i));
        var megabyteModule = Encoding.UTF8.GetBytes(module.ToString());
        var target = (long)megabytes * 1024 * 1024;
        var data = new byte[8 * 1024 * 1024];
        new Random(200).NextBytes(data.AsSpan(0, data.Length / 8)); // partly incompressible, like real wheels' data
        for (var n = 0; written < target; n++)
        {
            if (n % 3 != 2) Add($"huge/generated/m{n}.py", megabyteModule);
            else Add($"huge/data/blob{n}.bin", data);
        }
    }
}
