using System.Net.Sockets;
using DnsClient;
using Moat.Analysis.Domains.Generation;

namespace Moat.Cli.Commands;

/// <summary>
/// The real resolver behind <c>moat domains generate --resolve</c>: addresses from the system resolver
/// (<see cref="System.Net.Dns"/>, which honours /etc/hosts and the local configuration), mail exchangers from DnsClient
/// (System.Net.Dns has no MX query). A name that does not exist is an empty answer, not an error.
/// </summary>
public sealed class SystemDnsResolver : IDomainResolver
{
    private readonly LookupClient _client = new(new LookupClientOptions { UseCache = true, Timeout = TimeSpan.FromSeconds(3), Retries = 1, ThrowDnsErrors = false });

    public async Task<DnsRecords> ResolveAsync(string host, CancellationToken cancellationToken)
    {
        string[] addresses;
        try
        {
            addresses = [.. (await System.Net.Dns.GetHostAddressesAsync(host, cancellationToken).ConfigureAwait(false)).Select(a => a.ToString())];
        }
        catch (SocketException)
        {
            addresses = [];
        }
        var mx = await _client.QueryAsync(host, QueryType.MX, cancellationToken: cancellationToken).ConfigureAwait(false);
        var exchangers = mx.HasError ? [] : mx.Answers.MxRecords().Select(r => r.Exchange.Value.TrimEnd('.')).ToArray();
        return new DnsRecords(addresses, exchangers);
    }
}
