import Foundation

/// One apply recorded in the store: which revision, how, by whom.
public struct AppliedRevision: Sendable, Hashable {
    /// How the revision was applied.
    public enum Method: String, Sendable {
        /// The first apply into an empty state, authorized by the operator, not by a board.
        case bootstrap
        /// An apply approved through governance.
        case governed
    }
    /// Increasing number of the apply.
    public var sequence: Int
    /// The commit id applied.
    public var revision: String
    public var method: Method
    /// Who applied it (for a bootstrap, the operator).
    public var actor: String
    /// Where the revision came from (a path or URL).
    public var source: String
    public var changeSetHash: String
    public var changeCount: Int
    public var appliedAt: Date

    public init(
        sequence: Int, revision: String, method: Method, actor: String, source: String, changeSetHash: String,
        changeCount: Int, appliedAt: Date
    ) {
        self.sequence = sequence
        self.revision = revision
        self.method = method
        self.actor = actor
        self.source = source
        self.changeSetHash = changeSetHash
        self.changeCount = changeCount
        self.appliedAt = appliedAt
    }
}
