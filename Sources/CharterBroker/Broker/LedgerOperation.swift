import Foundation
import GRDB

/// One write to the ledger, applied inside a group commit.
enum LedgerOperation: Sendable {
    /// A new row: an open reservation, or a settled refusal.
    case insert(UsageRecord)
    /// Closes an open reservation with what really happened.
    case settle(
        id: Int64, finishedAt: Date, model: String?, usage: TokenUsage, costMicros: Int64, outcome: UsageOutcome,
        estimated: Bool, error: String?)

    func apply(_ db: Database) throws {
        switch self {
        case .insert(let r):
            // Cached statements: under load a group commit applies hundreds of these, and parsing the
            // SQL each time would cost more than the insert.
            try db.cachedStatement(
                sql: """
                    INSERT INTO usage (id, started_at, finished_at, day, run, step, role, routine, person, attempt,
                        failover, source, model, reserved_input_tokens, reserved_output_tokens, reserved_cost_micros,
                        input_tokens, output_tokens, cached_input_tokens, reasoning_tokens, cost_micros, state,
                        outcome, estimated, error)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """
            ).execute(
                arguments: [
                    r.id, r.startedAt.timeIntervalSince1970, r.finishedAt?.timeIntervalSince1970, r.day, r.run, r.step,
                    r.role, r.routine, r.person, r.attempt, r.failover, r.source, r.model, r.reservedInputTokens,
                    r.reservedOutputTokens, r.reservedCostMicros, r.usage.input, r.usage.output, r.usage.cachedInput,
                    r.usage.reasoning, r.costMicros, r.state.rawValue, r.outcome?.rawValue, r.estimated, r.error,
                ])
        case .settle(let id, let finishedAt, let model, let usage, let cost, let outcome, let estimated, let error):
            try db.cachedStatement(
                sql: """
                    UPDATE usage SET state = 'settled', finished_at = ?, model = COALESCE(?, model), input_tokens = ?,
                        output_tokens = ?, cached_input_tokens = ?, reasoning_tokens = ?, cost_micros = ?,
                        outcome = ?, estimated = ?, error = ?
                    WHERE id = ? AND state = 'reserved'
                    """
            ).execute(
                arguments: [
                    finishedAt.timeIntervalSince1970, model, usage.input, usage.output, usage.cachedInput,
                    usage.reasoning, cost, outcome.rawValue, estimated, error, id,
                ])
        }
    }
}
