import CharterModel
import CharterStore
import Foundation
import GRDB

extension RunStore {
    /// Runs, newest first, optionally only those of `routine` and in one of `states`.
    public func runs(
        routine: String? = nil, states: Set<RunState>? = nil, limit: Int = 100
    ) throws(RunStoreError)
        -> [RunRecord]
    {
        var conditions: [String] = []
        var arguments: [any DatabaseValueConvertible] = []
        if let routine {
            conditions.append("routine = ?")
            arguments.append(routine)
        }
        if let states {
            conditions.append("state IN (\(states.map { _ in "?" }.joined(separator: ", ")))")
            arguments.append(contentsOf: states.sorted { $0.rawValue < $1.rawValue }.map(\.rawValue))
        }
        let filter = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        arguments.append(limit)
        let sql = "SELECT * FROM run \(filter) ORDER BY seq DESC LIMIT ?"
        do {
            return try pool.read { db in
                try Row.fetchAll(db, sql: sql, arguments: StatementArguments(arguments)).map(Self.runRecord)
            }
        } catch {
            throw RunStoreError("list runs", path: path, error)
        }
    }

    /// One run with its steps, or nil when there is no run with this id.
    public func run(_ id: String) throws(RunStoreError) -> RunDetail? {
        do {
            return try pool.read { db in try Self.detail(id, db) }
        } catch {
            throw RunStoreError("read run \(id)", path: path, error)
        }
    }

    /// The events of a run in order, or only those about `step`.
    public func events(run id: String, step: String? = nil) throws(RunStoreError) -> [Event] {
        do {
            return try pool.read { db in
                let rows =
                    if let step {
                        try Row.fetchAll(
                            db, sql: "SELECT * FROM run_event WHERE run = ? AND step = ? ORDER BY seq",
                            arguments: [id, step])
                    } else {
                        try Row.fetchAll(db, sql: "SELECT * FROM run_event WHERE run = ? ORDER BY seq", arguments: [id])
                    }
                return try rows.map(Self.event)
            }
        } catch {
            throw RunStoreError("read events of run \(id)", path: path, error)
        }
    }

    /// Checks a run's event chain (see ``RunChain/problem(in:)``): nil when it verifies.
    public func verifyChain(run id: String) throws(RunStoreError) -> String? {
        RunChain.problem(in: try events(run: id))
    }

    static func detail(_ id: String, _ db: Database) throws -> RunDetail? {
        guard let row = try Row.fetchOne(db, sql: "SELECT * FROM run WHERE id = ?", arguments: [id]) else { return nil }
        let steps = try Row.fetchAll(db, sql: "SELECT * FROM step WHERE run = ? ORDER BY idx", arguments: [id])
        return RunDetail(run: try runRecord(row), steps: try steps.map(stepRecord))
    }

    static func runRecord(_ row: Row) throws -> RunRecord {
        let parameters = try Value(json: row["parameters"] as String).object ?? [:]
        return RunRecord(
            id: row["id"], template: row["template"], routine: row["routine"],
            scheduledAt: date(row["scheduled_at"]), parameters: parameters, priority: row["priority"],
            state: RunState(rawValue: row["state"]) ?? .failed,
            createdAt: Date(timeIntervalSince1970: row["created_at"]),
            startedAt: date(row["started_at"]), finishedAt: date(row["finished_at"]),
            cancelRequested: row["cancel_requested"] as Bool, error: row["error"])
    }

    static func stepRecord(_ row: Row) throws -> StepRecord {
        let name: String = row["name"]
        var artifacts: [String: ArtifactRecord] = [:]
        if let text = row["artifacts"] as String?, let object = try Value(json: text).object {
            for (k, v) in object { artifacts[k] = ArtifactRecord(v) }
        }
        return StepRecord(
            run: row["run"], name: name, index: row["idx"],
            spec: StepSpec(name: name, stored: try Value(json: row["spec"] as String)),
            state: StepState(rawValue: row["state"]) ?? .failed, attempt: row["attempt"],
            nextAttemptAt: date(row["next_attempt_at"]), startedAt: date(row["started_at"]),
            finishedAt: date(row["finished_at"]), output: row["output"], reason: row["reason"], artifacts: artifacts)
    }

    static func event(_ row: Row) throws -> Event {
        let text: String = row["time"]
        guard let time = Event.date(fromTimestamp: text) else {
            throw RunStoreError(operation: "read event", path: "", message: "bad event time `\(text)`")
        }
        return Event.stored(
            sequence: row["seq"], id: row["id"], type: row["type"], time: time, actor: row["actor"],
            data: try Value(json: row["data"] as String), previousHash: row["prev"], hash: row["hash"])
    }

    private static func date(_ seconds: Double?) -> Date? { seconds.map(Date.init(timeIntervalSince1970:)) }

    // MARK: What the engine loads

    /// A run the engine owns, with what it needs to continue: steps and the head of its chain.
    struct LoadedRun: Sendable {
        var detail: RunDetail
        var sequence: Int
        var lastEvent: Int
        var lastHash: String
    }

    /// Runs an engine had started (state `running`), oldest first.
    func loadRunning() throws(RunStoreError) -> [LoadedRun] {
        do {
            return try pool.read { db in
                let ids = try String.fetchAll(db, sql: "SELECT id FROM run WHERE state = 'running' ORDER BY seq")
                return try ids.compactMap { try Self.loaded($0, db) }
            }
        } catch {
            throw RunStoreError("load running runs", path: path, error)
        }
    }

    /// Runs no engine has taken yet, in admission order: priority, then age.
    func pendingRunIDs(limit: Int) throws(RunStoreError) -> [String] {
        do {
            return try pool.read { db in
                try String.fetchAll(
                    db, sql: "SELECT id FROM run WHERE state = 'pending' ORDER BY priority DESC, seq LIMIT ?",
                    arguments: [limit])
            }
        } catch {
            throw RunStoreError("list pending runs", path: path, error)
        }
    }

    /// Unfinished runs whose cancellation another process requested.
    func cancelRequests() throws(RunStoreError) -> [String] {
        do {
            return try pool.read { db in
                try String.fetchAll(
                    db,
                    sql:
                        "SELECT id FROM run WHERE cancel_requested = 1 AND state IN ('pending', 'running') ORDER BY seq"
                )
            }
        } catch {
            throw RunStoreError("poll cancel requests", path: path, error)
        }
    }

    func load(run id: String) throws(RunStoreError) -> LoadedRun? {
        do {
            return try pool.read { db in try Self.loaded(id, db) }
        } catch {
            throw RunStoreError("load run \(id)", path: path, error)
        }
    }

    private static func loaded(_ id: String, _ db: Database) throws -> LoadedRun? {
        guard let detail = try detail(id, db),
            let seq = try Int.fetchOne(db, sql: "SELECT seq FROM run WHERE id = ?", arguments: [id])
        else { return nil }
        let head = try Row.fetchOne(
            db, sql: "SELECT seq, hash FROM run_event WHERE run = ? ORDER BY seq DESC LIMIT 1", arguments: [id])
        return LoadedRun(
            detail: detail, sequence: seq, lastEvent: head?["seq"] ?? 0, lastHash: head?["hash"] ?? Event.genesisHash)
    }
}
