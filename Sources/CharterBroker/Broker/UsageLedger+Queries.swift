import Foundation
import GRDB

extension UsageLedger {
    /// Rows started at or after `since` (all when nil), oldest first.
    public func records(since: Date? = nil) throws(UsageLedgerError) -> [UsageRecord] {
        do {
            return try pool.read { db in
                try Row.fetchAll(
                    db, sql: "SELECT * FROM usage WHERE started_at >= ? ORDER BY id",
                    arguments: [since?.timeIntervalSince1970 ?? -Double.greatestFiniteMagnitude]
                ).map(Self.record)
            }
        } catch {
            throw UsageLedgerError("read the usage ledger", path: path, error)
        }
    }

    /// Totals per role, routine, source, day, model or run over rows started in `[since, until)`,
    /// largest cost first, then by key: what `charter cost` prints. Open reservations count at
    /// their reservation (and as estimated), as they do against budgets.
    public func totals(
        by grouping: UsageGrouping, since: Date, until: Date? = nil
    ) throws(UsageLedgerError)
        -> [UsageTotal]
    {
        // The column name comes from the enum, never from user text.
        let column = grouping.rawValue
        let refusal = "outcome IN ('budget_exceeded', 'saturated', 'no_source', 'too_large')"
        let sql = """
            SELECT COALESCE(\(column), '-') AS key,
                SUM(CASE WHEN \(refusal) THEN 0 ELSE 1 END) AS calls,
                SUM(CASE WHEN \(refusal) OR outcome = 'ok' THEN 0 ELSE 1 END) AS failures,
                SUM(CASE WHEN \(refusal) THEN 1 ELSE 0 END) AS refused,
                SUM(CASE WHEN state = 'reserved' THEN reserved_input_tokens ELSE input_tokens END) AS input,
                SUM(CASE WHEN state = 'reserved' THEN reserved_output_tokens ELSE output_tokens END) AS output,
                SUM(cached_input_tokens) AS cached, SUM(reasoning_tokens) AS reasoning,
                SUM(CASE WHEN state = 'reserved' THEN reserved_cost_micros ELSE cost_micros END) AS cost,
                SUM(CASE WHEN state = 'reserved' OR estimated = 1 THEN 1 ELSE 0 END) AS estimated
            FROM usage WHERE started_at >= ? AND started_at < ?
            GROUP BY key ORDER BY cost DESC, key
            """
        do {
            return try pool.read { db in
                try Row.fetchAll(
                    db, sql: sql,
                    arguments: [
                        since.timeIntervalSince1970, until?.timeIntervalSince1970 ?? Double.greatestFiniteMagnitude,
                    ]
                ).map { row in
                    UsageTotal(
                        key: row["key"], calls: row["calls"], failures: row["failures"], refused: row["refused"],
                        usage: TokenUsage(
                            input: row["input"], output: row["output"], cachedInput: row["cached"],
                            reasoning: row["reasoning"]),
                        costMicros: row["cost"], estimated: row["estimated"])
                }
            }
        } catch {
            throw UsageLedgerError("read the usage ledger", path: path, error)
        }
    }

    /// Settled tokens and cost of `day` per (role, routine): the broker's budget meters after a restart.
    func budgetUsage(day: String) throws -> [(role: String?, routine: String?, tokens: Int64, cost: Int64)] {
        try pool.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT role, routine, SUM(input_tokens + output_tokens) AS tokens, SUM(cost_micros) AS cost
                    FROM usage WHERE day = ? GROUP BY role, routine
                    """, arguments: [day]
            ).map { ($0["role"], $0["routine"], $0["tokens"], $0["cost"]) }
        }
    }

    /// Per-source attempts started after `since`, oldest first: the broker's rate windows after a restart.
    func windowEntries(since: Date) throws -> [(source: String, startedAt: Date, tokens: Int)] {
        try pool.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT source, started_at, input_tokens + output_tokens AS tokens FROM usage
                    WHERE source IS NOT NULL AND started_at > ? ORDER BY started_at, id
                    """, arguments: [since.timeIntervalSince1970]
            ).map { ($0["source"], Date(timeIntervalSince1970: $0["started_at"]), $0["tokens"]) }
        }
    }

    private static func record(_ row: Row) -> UsageRecord {
        UsageRecord(
            id: row["id"], startedAt: Date(timeIntervalSince1970: row["started_at"]),
            finishedAt: (row["finished_at"] as Double?).map(Date.init(timeIntervalSince1970:)), day: row["day"],
            run: row["run"], step: row["step"], role: row["role"], routine: row["routine"], person: row["person"],
            attempt: row["attempt"], failover: row["failover"], source: row["source"], model: row["model"],
            reservedInputTokens: row["reserved_input_tokens"], reservedOutputTokens: row["reserved_output_tokens"],
            reservedCostMicros: row["reserved_cost_micros"],
            usage: TokenUsage(
                input: row["input_tokens"], output: row["output_tokens"], cachedInput: row["cached_input_tokens"],
                reasoning: row["reasoning_tokens"]),
            costMicros: row["cost_micros"], state: UsageRecord.State(rawValue: row["state"]) ?? .reserved,
            outcome: (row["outcome"] as String?).flatMap(UsageOutcome.init(rawValue:)), estimated: row["estimated"],
            error: row["error"])
    }
}
