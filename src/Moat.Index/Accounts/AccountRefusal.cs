using Moat.Index.Errors;

namespace Moat.Index.Accounts;

/// <summary>An account operation refused: the kind of refusal and the reason the user sees (JSON API and web pages alike).
/// <paramref name="reauthenticate"/>: the change needs a recent password or second factor first (the pages then
/// send the user to the re-authentication form).</summary>
public sealed class AccountRefusal(IndexError error, string message, bool reauthenticate = false) : Exception(message)
{
    public IndexError Error { get; } = error;
    public bool Reauthenticate { get; } = reauthenticate;
}
