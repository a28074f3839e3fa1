using System.Collections.Frozen;

namespace Moat.Analysis.Domains;

/// <summary>
/// A host split around its registrable domain (eTLD+1): <c>upload.pypi.org</c> → subdomain <c>upload</c>, label
/// <c>pypi</c>, suffix <c>org</c>; <c>shop.example.co.uk</c> → <c>shop</c>, <c>example</c>, <c>co.uk</c>.
/// </summary>
public readonly record struct DomainParts(string Subdomain, string Label, string Suffix)
{
    /// <summary>The registrable domain: label and suffix.</summary>
    public string Registrable => Suffix.Length == 0 ? Label : $"{Label}.{Suffix}";
}

/// <summary>
/// A compact subset of the Public Suffix List: the multi-label public suffixes people meet most (country second
/// levels such as <c>co.uk</c> and <c>com.au</c>) and the hosting suffixes where anyone can get a subdomain and where
/// phishing pages live (<c>github.io</c>, <c>netlify.app</c>, <c>pages.dev</c>…). Any other host's suffix is its last
/// label. The full list (~10,000 rules, changing weekly) is not embedded: a missed multi-label suffix only makes the
/// registrable label one level too short (<c>example.ac.xx</c> reads as label <c>ac</c>), which at worst costs a missed
/// brand token, never a false alarm on a protected domain (those are matched by their full name first).
/// </summary>
public static class PublicSuffixes
{
    private static readonly string[] MultiLabel =
    [
        // Country second levels (ICANN section of the PSL).
        "co.uk", "org.uk", "me.uk", "ltd.uk", "plc.uk", "net.uk", "ac.uk", "gov.uk", "nhs.uk", "sch.uk",
        "com.au", "net.au", "org.au", "edu.au", "gov.au", "asn.au", "id.au",
        "co.nz", "net.nz", "org.nz", "ac.nz", "govt.nz", "geek.nz",
        "co.jp", "ne.jp", "or.jp", "ac.jp", "go.jp", "gr.jp", "ed.jp",
        "co.kr", "or.kr", "ne.kr", "ac.kr", "go.kr",
        "com.cn", "net.cn", "org.cn", "gov.cn", "edu.cn", "ac.cn",
        "com.hk", "net.hk", "org.hk", "edu.hk", "gov.hk",
        "com.tw", "net.tw", "org.tw", "edu.tw", "gov.tw",
        "com.sg", "net.sg", "org.sg", "edu.sg", "gov.sg",
        "com.my", "net.my", "org.my", "edu.my", "gov.my",
        "co.in", "net.in", "org.in", "firm.in", "gen.in", "ind.in", "ac.in", "edu.in", "gov.in", "res.in",
        "co.id", "or.id", "ac.id", "go.id", "web.id", "my.id",
        "co.th", "in.th", "ac.th", "go.th", "or.th",
        "com.vn", "net.vn", "org.vn", "edu.vn", "gov.vn",
        "com.ph", "net.ph", "org.ph", "edu.ph", "gov.ph",
        "com.pk", "net.pk", "org.pk", "edu.pk", "gov.pk",
        "co.za", "org.za", "net.za", "web.za", "gov.za", "ac.za",
        "co.ke", "or.ke", "ac.ke", "go.ke",
        "com.ng", "org.ng", "edu.ng", "gov.ng",
        "com.eg", "org.eg", "edu.eg", "gov.eg",
        "com.sa", "net.sa", "org.sa", "edu.sa", "gov.sa",
        "co.il", "org.il", "net.il", "ac.il", "gov.il",
        "com.tr", "net.tr", "org.tr", "edu.tr", "gov.tr", "gen.tr",
        "com.ua", "net.ua", "org.ua", "in.ua", "kiev.ua",
        "com.ru", "net.ru", "org.ru", "msk.ru", "spb.ru",
        "com.pl", "net.pl", "org.pl", "edu.pl", "gov.pl",
        "com.br", "net.br", "org.br", "edu.br", "gov.br", "art.br",
        "com.ar", "net.ar", "org.ar", "edu.ar", "gob.ar",
        "com.mx", "net.mx", "org.mx", "edu.mx", "gob.mx",
        "com.co", "net.co", "org.co", "edu.co", "gov.co",
        "com.pe", "net.pe", "org.pe", "edu.pe", "gob.pe",
        "com.ve", "co.ve", "net.ve", "org.ve",
        "com.es", "org.es", "nom.es", "edu.es", "gob.es",
        "co.at", "or.at", "ac.at", "gv.at",
        "com.gr", "net.gr", "org.gr", "edu.gr", "gov.gr",
        "com.cy", "com.mt", "com.lb", "com.kw", "com.qa", "com.bh", "com.om",
        "co.ae", "net.ae", "org.ae", "ac.ae", "gov.ae",
        // Hosting and dynamic-DNS suffixes (PSL private section): anyone can own a name directly under them.
        "github.io", "gitlab.io", "readthedocs.io", "herokuapp.com", "netlify.app", "vercel.app", "pages.dev",
        "workers.dev", "web.app", "firebaseapp.com", "appspot.com", "blogspot.com", "azurewebsites.net",
        "cloudfront.net", "s3.amazonaws.com", "ngrok.io", "ngrok-free.app", "ngrok.app", "glitch.me", "repl.co",
        "onrender.com", "fly.dev", "surge.sh", "duckdns.org", "no-ip.org", "ddns.net", "000webhostapp.com",
        "r2.dev", "trycloudflare.com", "myshopify.com", "wixsite.com", "weebly.com", "wordpress.com",
    ];

    private static readonly FrozenSet<string> Suffixes = MultiLabel.ToFrozenSet(StringComparer.Ordinal);
    private static readonly FrozenSet<string>.AlternateLookup<ReadOnlySpan<char>> SuffixLookup =
        Suffixes.GetAlternateLookup<ReadOnlySpan<char>>();

    /// <summary>The number of multi-label suffixes known (for tests and the docs).</summary>
    public static int Count => Suffixes.Count;

    /// <summary>True when <paramref name="suffix"/> is one of the embedded multi-label public suffixes.</summary>
    public static bool IsMultiLabelSuffix(ReadOnlySpan<char> suffix) => SuffixLookup.Contains(suffix);

    /// <summary>
    /// Splits a lower-case ASCII host around its registrable domain. A host that is itself a public suffix
    /// (<c>github.io</c>, <c>co.uk</c>) is its own registrable domain: it has a label and a one-label suffix.
    /// </summary>
    public static DomainParts Split(string host)
    {
        var lastDot = host.LastIndexOf('.');
        if (lastDot < 0) return new DomainParts("", host, "");

        // The longest embedded suffix that leaves at least one label in front (suffixes have at most 3 labels).
        var suffixStart = lastDot + 1;
        var dot = lastDot;
        for (var labels = 2; labels <= 3; labels++)
        {
            var previous = dot == 0 ? -1 : host.LastIndexOf('.', dot - 1);
            if (previous < 0) break;
            if (SuffixLookup.Contains(host.AsSpan(previous + 1))) suffixStart = previous + 1;
            dot = previous;
        }

        var labelEnd = suffixStart - 1;
        var labelStart = host.LastIndexOf('.', labelEnd - 1) + 1;
        return new DomainParts(
            labelStart == 0 ? "" : host[..(labelStart - 1)],
            host[labelStart..labelEnd],
            host[suffixStart..]);
    }
}
