import CharterGovernance
import Foundation

/// Why saving or creating a proposal failed.
public enum ProposalStoreError: Error, Sendable, CustomStringConvertible {
    /// Someone saved the proposal since it was read (optimistic concurrency): read it again, redo
    /// the change and save again.
    case stale(proposal: ProposalID, expected: Int, stored: Int)
    /// No proposal has this id.
    case notFound(ProposalID)
    /// The proposal cannot be saved as given: an immutable field differs from the stored one, or
    /// its history or votes were rewritten instead of extended.
    case invalid(proposal: ProposalID, message: String)
    /// The database failed.
    case store(StoreError)

    /// A sentence for people.
    public var description: String {
        switch self {
        case .stale(let id, let expected, let stored):
            return
                "proposal \(id) was saved by someone else since it was read (version \(stored), expected \(expected)); read it again and retry"
        case .notFound(let id):
            return "no proposal \(id)"
        case .invalid(let id, let message):
            return "cannot save proposal \(id): \(message)"
        case .store(let error):
            return error.description
        }
    }
}

/// Proposals and their votes, in the same database (and the same transactions) as the actual
/// state and the event log.
///
/// Tables (migration `v2-proposals`):
/// - `proposal`: one row per proposal: `id` (`P-0007`), `number`, `state`, `change_set_hash`,
///   `base`, `head`, `source` (``ProposalSource/key``), `created_at`, `updated_at`, `version`,
///   `document` (the canonical JSON of the ``Proposal``) and `change_set` (the canonical JSON of
///   the full change set, kept apart so listing proposals never parses large change sets). At most
///   one proposal per source is open.
/// - `proposal_vote`: every vote recorded, accepted or refused, with its reason and signature.
/// - `proposal_counter`: the last number allocated, so a number is never reused.
///
/// Every transition and every vote writes an event in the same transaction: `proposal.created`,
/// `proposal.<state>` (approved, rejected, superseded, applied, failed), `vote.accepted`,
/// `vote.refused`, and `vote.file-refused` for a vote file that is no vote document (it is kept in
/// the proposal's document, ``Proposal/refusedVoteFiles``).
