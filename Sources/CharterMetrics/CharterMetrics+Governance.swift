/// How a reconcile pass ended, for ``MetricName/reconcilePasses``.
public enum ReconcileResult: String, Sendable, CaseIterable {
    /// Ready or Reconciling: the pass made the progress it could.
    case success
    /// The pass completed but needs a person (the Stalled condition).
    case stalled
    /// The pass threw (an unreachable repository, a store error…).
    case failure
}

/// Why a vote was refused, for ``MetricName/votesRefused``: a bounded set, never the sentence
/// recorded with the vote (which names voters and hashes).
public enum VoteRefusalReason: String, Sendable, CaseIterable {
    /// The signature is missing or does not verify, or the voter or key is unknown.
    case signature
    /// The vote names another proposal.
    case otherProposal = "other_proposal"
    /// The proposal takes no votes in its state.
    case notOpen = "not_open"
    /// The vote names another change set.
    case otherChange = "other_change"
    /// The voter is on none of the required boards.
    case notMember = "not_member"
    /// The voter may not vote (a quorum rule).
    case ineligible
    /// The voter already voted.
    case duplicate
    /// The board or the proposal was already decided.
    case decided
}

extension CharterMetrics {
    /// One reconcile pass ended after `duration` with `result`, at `endedAt` Unix seconds.
    public func reconcilePass(_ result: ReconcileResult, duration: Duration, endedAt: Double) {
        count(MetricName.reconcilePasses, [("result", result.rawValue)])
        time(MetricName.reconcilePassDuration, [], duration)
        set(MetricName.reconcileLastPass, [], endedAt)
    }

    /// A pass recorded a vote that counts.
    public func voteCounted() { count(MetricName.votesCounted) }

    /// A pass recorded a vote as refused.
    public func voteRefused(_ reason: VoteRefusalReason) {
        count(MetricName.votesRefused, [("reason", reason.rawValue)])
    }

    /// The proposals in each state now: every state in `states` is set, 0 when `counts` lacks it,
    /// so a state that emptied does not keep its last value.
    public func proposals(_ counts: [String: Int], states: [String]) {
        for state in Set(states).union(counts.keys).sorted() {
            set(MetricName.proposals, [("state", state)], Double(counts[state] ?? 0))
        }
    }
}
