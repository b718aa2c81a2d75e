/// Governance: who must approve a change, whether a board's votes decide it, and whether a vote
/// is genuine. Everything here is evaluated against the **actual** (applied) state only, so a
/// pending change can never grant itself rights.
public enum Governance {
    /// The SSHSIG namespace of Charter votes (`ssh-keygen -Y sign -n charter-vote`). A signature made
    /// for another purpose (git commits use `git`) can never count as a vote.
    public static let voteNamespace = "charter-vote"
}
