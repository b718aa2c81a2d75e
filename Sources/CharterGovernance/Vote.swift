/// A board member's decision on a proposal. Only the latest decision of each voter counts.
public enum VoteDecision: String, Sendable, Codable, CaseIterable {
    /// Counts toward the board's requirement.
    case approve
    /// Never counts as an approval; with a veto board, a single reject rejects.
    case reject
    /// Takes part without approving: never counts as an approval, so an abstention can make the
    /// requirement unreachable (a unanimous board with one abstention is rejected at once).
    case abstain
}

/// Whether a vote counts, and if not, why. The caller records refused votes with their reason;
/// a refused vote never changes a tally.
public enum VoteCheck: Sendable, Hashable {
    /// The vote counts (it is recorded as the voter's latest decision).
    case counts
    /// The vote does not count.
    case refused(VoteRefusal)

    /// `true` for ``counts``.
    public var isCounted: Bool { self == .counts }

    /// The reason of a refused vote, `nil` when it counts.
    public var refusal: VoteRefusal? {
        if case .refused(let r) = self { return r }
        return nil
    }
}

/// The reason a vote does not count. `description` is a sentence meant for people.
public enum VoteRefusal: Sendable, Hashable, CustomStringConvertible {
    /// The voter is not on the recorded roster of the board (or of any of the proposal's boards).
    case notAMember(voter: String, boards: [String])
    /// The voter is on the roster but may not vote on this change (separation of duties); `reason`
    /// says why, e.g. "authored a commit in this change".
    case ineligible(voter: String, reason: String)
    /// The board has already decided (the proposal itself may still wait for other boards).
    case boardDecided(board: String, Outcome)
    /// The proposal has already been decided; no vote changes it any more.
    case proposalDecided(Outcome)
    /// The voter's latest vote already has this decision.
    case duplicate(voter: String, VoteDecision)

    public var description: String {
        switch self {
        case .notAMember(let voter, let boards):
            if boards.count == 1 { return "\(voter) is not a member of board \(boards[0])" }
            return "\(voter) is not a member of any required board (\(boards.joined(separator: ", ")))"
        case .ineligible(let voter, let reason):
            return "\(voter) cannot vote on this change: \(reason)"
        case .boardDecided(let board, let outcome):
            return "board \(board) is already \(outcome)"
        case .proposalDecided(let outcome):
            return "the proposal is already \(outcome)"
        case .duplicate(let voter, let decision):
            return "\(voter) already voted \(decision.rawValue)"
        }
    }
}
