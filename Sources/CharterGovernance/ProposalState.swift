/// Where a proposal is in its life. The transitions form a strict table:
///
/// ```
/// open ──► approved ──► applied
///   │          └──────► failed
///   ├────► rejected
///   └────► superseded
/// ```
///
/// `rejected`, `superseded`, `applied` and `failed` are final.
public enum ProposalState: String, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
    /// Waiting for the votes of its required boards.
    case open
    /// Every required board approved (or a rule auto-approved it); waiting to be applied.
    case approved
    /// A board rejected it, or routing refused it at creation. Final.
    case rejected
    /// The desired state moved to a different change set; its votes lapsed. Final.
    case superseded
    /// Applied to the actual state. Final.
    case applied
    /// Applying it failed (the state moved, or the result did not validate). Final.
    case failed

    /// The states this state may move to.
    public var successors: Set<ProposalState> {
        switch self {
        case .open: [.approved, .rejected, .superseded]
        case .approved: [.applied, .failed]
        case .rejected, .superseded, .applied, .failed: []
        }
    }

    /// Whether the state is final: no transition leaves it.
    public var isFinal: Bool { successors.isEmpty }

    /// Whether the table allows moving from this state to `next`.
    public func canMove(to next: ProposalState) -> Bool { successors.contains(next) }

    /// The state's name, such as `open`.
    public var description: String { rawValue }
}

/// Why a proposal refused an operation.
public enum ProposalError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The transition is not in the table of ``ProposalState``.
    case invalidTransition(proposal: ProposalID, from: ProposalState, to: ProposalState)
    /// `open → approved` was asked for, but neither the boards nor an auto-approving rule approved.
    case notApproved(proposal: ProposalID, explanation: String)
    /// Re-planning a proposal that is final.
    case closed(proposal: ProposalID, state: ProposalState)

    /// A sentence for people.
    public var description: String {
        switch self {
        case .invalidTransition(let id, let from, let to):
            return "proposal \(id) cannot move from \(from) to \(to)"
                + (from.isFinal
                    ? " (\(from) is final)"
                    : " (\(from) may only move to \(from.successors.map(\.rawValue).sorted().joined(separator: ", ")))")
        case .notApproved(let id, let explanation):
            return "proposal \(id) cannot be approved: its boards have not approved it (\(explanation))"
        case .closed(let id, let state):
            return "proposal \(id) is \(state) and cannot be re-planned"
        }
    }
}
