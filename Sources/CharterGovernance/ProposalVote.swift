import CharterModel
import CharterPlan
import Foundation

/// A vote handed to a proposal, after the caller verified its signature (if it has one) against
/// the voter's keys in the **actual** state.
public struct ProposalVote: Sendable, Hashable, Codable {
    /// The proposal the vote names (`P-0007`), or `nil` when the caller matched it already.
    public var proposal: String?
    /// The voting Person's name.
    public var voter: String
    /// Approve, reject or abstain.
    public var decision: VoteDecision
    /// The change set the vote names: `sha256:…`.
    public var changeSetHash: String
    /// When the vote was cast (as signed).
    public var time: Date
    /// The voter's comment.
    public var comment: String?
    /// The armored SSH signature, if the vote was signed.
    public var signature: String?

    /// A vote from its parts.
    public init(
        proposal: String? = nil, voter: String, decision: VoteDecision, changeSetHash: String, time: Date,
        comment: String? = nil, signature: String? = nil
    ) {
        self.proposal = proposal
        self.voter = voter
        self.decision = decision
        self.changeSetHash = changeSetHash
        self.time = time
        self.comment = comment
        self.signature = signature
    }

    /// The vote of an unsigned document (only where the Organization allows unsigned votes).
    public init(_ document: VoteDocument) {
        self.init(
            proposal: document.proposal, voter: document.voter,
            decision: VoteDecision(rawValue: document.decision) ?? .abstain, changeSetHash: document.changeSetHash,
            time: document.date, comment: document.comment)
    }

    /// The vote of a signed vote file. Verify it first with ``SignedVote/verify(allowedKeys:)``;
    /// a vote whose signature fails goes to ``Proposal/refuse(_:because:at:)`` instead.
    public init(_ signed: SignedVote) {
        self.init(signed.document)
        signature = signed.signature
    }
}

/// A vote as a proposal keeps it: accepted or refused, with the reason. Refused votes never count
/// but are kept so they can be shown.
public struct RecordedVote: Sendable, Hashable, Codable {
    /// 1, 2, … in the order the proposal recorded its votes.
    public var sequence: Int
    /// The vote.
    public var vote: ProposalVote
    /// When the proposal recorded it.
    public var recordedAt: Date
    /// Whether it counts.
    public var accepted: Bool
    /// Why it was refused (`nil` when accepted).
    public var reason: String?

    /// A recorded vote.
    public init(sequence: Int, vote: ProposalVote, recordedAt: Date, accepted: Bool, reason: String?) {
        self.sequence = sequence
        self.vote = vote
        self.recordedAt = recordedAt
        self.accepted = accepted
        self.reason = reason
    }
}

/// A vote file the vote rule (``VoteVerifier``) refuses before it is a vote at all — it does not
/// parse as a vote document (an unknown field, a missing one, not JSON) — so there is no voter or
/// decision to record. The proposal keeps it, so every view shows it instead of "no votes".
public struct RefusedVoteFile: Sendable, Hashable, Codable {
    /// The file's path on the status branch: `votes/P-0007/NAME.json`.
    public var path: String
    /// `sha256:` of the file's bytes: the same file is recorded once, a changed one again.
    public var digest: String
    /// The verifier's reason.
    public var reason: String
    /// When the proposal recorded it.
    public var recordedAt: Date

    /// A refused vote file.
    public init(path: String, digest: String, reason: String, recordedAt: Date) {
        self.path = path
        self.digest = digest
        self.reason = reason
        self.recordedAt = recordedAt
    }
}

/// Why a proposal refused a vote. `description` is the sentence recorded with the vote.
public enum ProposalVoteRefusal: Sendable, Hashable, CustomStringConvertible {
    /// The vote names another proposal.
    case otherProposal(voted: String, proposal: ProposalID)
    /// The proposal takes no votes in its state.
    case notOpen(proposal: ProposalID, state: ProposalState)
    /// The vote names another change set (a replayed or stale vote).
    case otherChange(voted: String, proposal: String)
    /// The quorum rules refuse it: not a member, ineligible, duplicate, board or proposal decided.
    case tally(VoteRefusal)
    /// The signature is missing or does not verify (decided by the caller before recording).
    case signature(String)
    /// The vote rule (``VoteVerifier``) refuses the vote file; its reason, word for word, so what a
    /// proposal records is what `charter verify` says.
    case verifier(String)

    /// A sentence for people.
    public var description: String {
        switch self {
        case .otherProposal(let voted, let id):
            return "vote is for proposal \(voted), not \(id)"
        case .notOpen(let id, let state):
            return "proposal \(id) is \(state); it takes no more votes"
        case .otherChange(let voted, let proposal):
            return "vote is for another change: \(voted) ≠ \(proposal)"
        case .tally(let refusal):
            return refusal.description
        case .signature(let reason):
            return "signature refused: \(reason)"
        case .verifier(let reason):
            return reason
        }
    }
}

/// What ``Proposal/record(_:at:)`` did with a vote.
public enum ProposalVoteResult: Sendable, Hashable {
    /// The vote counts.
    case accepted
    /// The vote was recorded as refused and never counts.
    case refused(ProposalVoteRefusal)

    /// `true` for ``accepted``.
    public var isAccepted: Bool { self == .accepted }
}
