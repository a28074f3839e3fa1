namespace Moat.Index.Accounts;

/// <summary>How a throttle key slows down: <paramref name="FreeAttempts"/> failures in a row cost nothing, then each
/// further one blocks the key for <paramref name="First"/>, then twice that, and so on up to <paramref name="Longest"/>;
/// a quiet <paramref name="ForgetAfter"/> starts over.</summary>
public sealed record Backoff(int FreeAttempts, TimeSpan First, TimeSpan Longest, TimeSpan ForgetAfter);

/// <summary>
/// Sign-in throttling, in the database (atomic conditional upserts in <see cref="AccountStore"/>: right under
/// parallel requests and across nodes). Every attempt is counted before the password or code is checked and given
/// back on success, so a burst of parallel guesses is admitted no further than a sequence would be.
/// <list type="bullet">
/// <item>Password guesses per account AND client address back off exponentially (bounded) instead of locking the
/// account: someone who only knows a username cannot lock its owner out from elsewhere.</item>
/// <item>Second-factor guesses (TOTP, recovery code, security key) back off per account: whoever makes them already
/// has the password.</item>
/// <item>Attempts per client address, across usernames (credential stuffing), are capped per window.</item>
/// </list>
/// </summary>
public sealed class LoginThrottle(AccountStore store, SecurityOptions options, TimeProvider time)
{
    private long _nextPruneMs;

    private Backoff Backoff => new(options.FailuresBeforeBackoff, options.BackoffFirst, options.BackoffLongest, options.FailureWindow);

    private static string PasswordKey(string userId, string address) => $"password:{userId}:{address}";
    private static string SecondFactorKey(string userId) => $"second-factor:{userId}";

    /// <summary>False when the address used up its attempts for this window.</summary>
    public async Task<bool> TryAddressAttemptAsync(string address)
    {
        await PruneNowAndThenAsync();
        return await store.TryAddressAttemptAsync(address, options.FailuresPerAddress, options.FailureWindow, time.GetUtcNow());
    }

    /// <summary>
    /// Counts a password-reset request from the address in a budget of its own (as large as the failed-sign-in one):
    /// false when it is used up. Resets mail people, so a single address cannot make the index mail without end.
    /// </summary>
    public async Task<bool> TryResetRequestAsync(string address)
    {
        await PruneNowAndThenAsync();
        return await store.TryAddressAttemptAsync("password-reset " + address, options.FailuresPerAddress, options.FailureWindow, time.GetUtcNow());
    }

    /// <summary>False while this account is in back-off for this address.</summary>
    public async Task<bool> TryPasswordAttemptAsync(string userId, string address) =>
        await store.TryAttemptAsync(PasswordKey(userId, address), Backoff, time.GetUtcNow()) is not null;

    public Task PasswordSucceededAsync(string userId, string address) => store.ForgetAttemptsAsync(PasswordKey(userId, address));

    /// <summary>Gives back the attempt <see cref="TryAddressAttemptAsync"/> counted, when it succeeded.</summary>
    public Task AddressSucceededAsync(string address) => store.ReturnAddressAttemptAsync(address);

    /// <summary>False while this account's second factor is in back-off.</summary>
    public async Task<bool> TrySecondFactorAttemptAsync(string userId) =>
        await store.TryAttemptAsync(SecondFactorKey(userId), Backoff, time.GetUtcNow()) is not null;

    public Task SecondFactorSucceededAsync(string userId) => store.ForgetAttemptsAsync(SecondFactorKey(userId));

    /// <summary>At most once a minute per process: delete rows untouched for a day.</summary>
    private async Task PruneNowAndThenAsync()
    {
        var now = time.GetUtcNow();
        var due = Interlocked.Read(ref _nextPruneMs);
        if (now.ToUnixTimeMilliseconds() < due || Interlocked.CompareExchange(ref _nextPruneMs, now.ToUnixTimeMilliseconds() + 60_000, due) != due) return;
        await store.PruneThrottleAsync(now, TimeSpan.FromDays(1) + options.BackoffLongest);
    }
}
