import CharterGovernance
import CharterModel
import CharterPlan
import Foundation
import GRDB

extension StateStore {
    /// Inserts `proposal` and its votes as they are, without events (a rebuild copies the events
    /// verbatim), and raises the id counter past it so a new proposal never reuses its number.
    static func restore(_ proposal: Proposal, changes: ChangeSet, in db: Database) throws {
        var p = proposal
        // The written proposal carries the version it was saved with; keep it so the next save of the
        // rebuilt store continues the same count.
        p.version = max(proposal.version, 1)
        try db.execute(
            sql: """
                INSERT INTO proposal (id, number, state, change_set_hash, base, head, source, created_at,
                                      updated_at, version, document, change_set)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                p.id.description, p.id.number, p.state.rawValue, p.changeSetHash, p.base, p.head, p.source.key,
                p.createdAt.timeIntervalSince1970, p.stateChangedAt.timeIntervalSince1970, p.version,
                try document(p), CanonicalJSON.string(value(of: changes)),
            ])
        for recorded in p.votes {
            let v = recorded.vote
            try db.execute(
                sql: """
                    INSERT INTO proposal_vote (proposal_id, seq, voter, decision, change_set_hash, time, recorded_at,
                                               comment, accepted, reason, signature)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    p.id.description, recorded.sequence, v.voter, v.decision.rawValue, v.changeSetHash,
                    v.time.timeIntervalSince1970, recorded.recordedAt.timeIntervalSince1970, v.comment,
                    recorded.accepted, recorded.reason, v.signature,
                ])
        }
        try db.execute(
            sql: """
                INSERT INTO proposal_counter (name, last) VALUES ('proposal', ?)
                ON CONFLICT(name) DO UPDATE SET last = MAX(last, excluded.last)
                """,
            arguments: [p.id.number])
    }
}
