using Moat.Analysis.Domains.Generation;

namespace Moat.Analysis.Tests.Domains;

public class DomainResolutionTests
{
    /// <summary>A scripted resolver: the network is out of reach in tests, and these faults cannot be made on demand.</summary>
    private sealed class FakeResolver(Func<string, CancellationToken, Task<DnsRecords>> answer) : IDomainResolver
    {
        private int _inFlight;
        public int MaxInFlight;

        public async Task<DnsRecords> ResolveAsync(string host, CancellationToken cancellationToken)
        {
            var now = Interlocked.Increment(ref _inFlight);
            InterlockedMax(ref MaxInFlight, now);
            try
            {
                return await answer(host, cancellationToken);
            }
            finally
            {
                Interlocked.Decrement(ref _inFlight);
            }
        }

        private static void InterlockedMax(ref int target, int value)
        {
            int current;
            while ((current = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, current) != current) { }
        }
    }

    private static async Task<DnsRecords> Hang(CancellationToken token)
    {
        await Task.Delay(Timeout.Infinite, token);
        return DnsRecords.None;
    }

    [Fact]
    public async Task Resolves_in_order_with_bounded_concurrency_and_records_failures()
    {
        var permutations = LookalikeGenerator.Generate("pypi.org").Take(200).ToList();
        var resolver = new FakeResolver(async (host, token) =>
        {
            await Task.Delay(1, token);
            return host switch
            {
                "pypia.org" => new DnsRecords(["192.0.2.1"], ["mx.pypia.org"]),
                "pypib.org" => throw new InvalidOperationException("SERVFAIL"),
                "pypic.org" => await Hang(token),
                _ => DnsRecords.None,
            };
        });

        var resolved = await DomainResolution.ResolveAllAsync(permutations, resolver, concurrency: 4, perHost: TimeSpan.FromSeconds(2)); // generous: only the hanging host should ever time out, even on a loaded CI machine

        Assert.Equal(permutations.Select(p => p.Host), resolved.Select(r => r.Permutation.Host));
        Assert.True(resolver.MaxInFlight <= 4);
        var registered = Assert.Single(resolved, r => r.Records.Resolves);
        Assert.Equal("pypia.org", registered.Permutation.Host);
        Assert.Equal(["mx.pypia.org"], registered.Records.MailExchangers);
        Assert.Equal("SERVFAIL", resolved.Single(r => r.Permutation.Host == "pypib.org").Records.Error);
        Assert.Equal("timed out", resolved.Single(r => r.Permutation.Host == "pypic.org").Records.Error);
    }
}
