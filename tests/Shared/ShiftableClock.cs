namespace Moat.Testing;

/// <summary>The real clock plus an offset a test moves forward: time-dependent rules (back-off, re-authentication
/// windows) are tested without sleeping. TOTP codes must be computed from it too.</summary>
public sealed class ShiftableClock : TimeProvider
{
    private long _offsetTicks;

    public override DateTimeOffset GetUtcNow() => base.GetUtcNow().AddTicks(Interlocked.Read(ref _offsetTicks));

    public void Advance(TimeSpan by) => Interlocked.Add(ref _offsetTicks, by.Ticks);
}
