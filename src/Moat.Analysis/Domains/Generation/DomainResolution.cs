namespace Moat.Analysis.Domains.Generation;

/// <summary>What DNS says about a host: its addresses (A/AAAA) and mail exchangers (MX). Empty lists: not registered
/// or not in use.</summary>
public sealed record DnsRecords(IReadOnlyList<string> Addresses, IReadOnlyList<string> MailExchangers, string? Error = null)
{
    public static readonly DnsRecords None = new([], []);

    /// <summary>True when the name answers at all: a registered lookalike worth a look.</summary>
    public bool Resolves => Addresses.Count > 0 || MailExchangers.Count > 0;
}

/// <summary>
/// The DNS seam: the command line passes a real resolver, tests a fake one (the network is out of reach there, and
/// a real answer would change from day to day).
/// </summary>
public interface IDomainResolver
{
    Task<DnsRecords> ResolveAsync(string host, CancellationToken cancellationToken);
}

/// <summary>A permutation with its DNS answer.</summary>
public sealed record ResolvedPermutation(DomainPermutation Permutation, DnsRecords Records);

public static class DomainResolution
{
    /// <summary>
    /// Resolves every permutation with at most <paramref name="concurrency"/> look-ups in flight and a time limit per
    /// host, so thousands of names finish in bounded time. A failed or timed-out look-up is recorded, not thrown.
    /// Results come back in the permutations' order.
    /// </summary>
    public static async Task<IReadOnlyList<ResolvedPermutation>> ResolveAllAsync(
        IReadOnlyList<DomainPermutation> permutations, IDomainResolver resolver, int concurrency, TimeSpan perHost,
        CancellationToken cancellationToken = default)
    {
        var answers = new DnsRecords[permutations.Count];
        var options = new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, concurrency), CancellationToken = cancellationToken };
        await Parallel.ForEachAsync(Enumerable.Range(0, permutations.Count), options, async (index, token) =>
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(token);
            timeout.CancelAfter(perHost);
            try
            {
                answers[index] = await resolver.ResolveAsync(permutations[index].Host, timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!token.IsCancellationRequested)
            {
                answers[index] = DnsRecords.None with { Error = "timed out" };
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                answers[index] = DnsRecords.None with { Error = ex.Message };
            }
        }).ConfigureAwait(false);
        return [.. permutations.Select((p, i) => new ResolvedPermutation(p, answers[i]))];
    }
}
