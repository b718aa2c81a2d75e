import CharterModel
import CharterStore
import Foundation
import GRDB

/// An event waiting for its transaction: its hash is computed when it is written, after the one
/// before it in the same run's chain.
struct PendingEvent: Sendable {
    var run: String
    var sequence: Int
    var type: String
    var time: Date
    var actor: String
    var step: String?
    var data: Value

    init(run: String, sequence: Int, type: String, time: Date, actor: String, step: String? = nil, data: Value) {
        self.run = run
        self.sequence = sequence
        self.type = type
        self.time = time
        self.actor = actor
        self.step = step
        self.data = data
    }
}

/// The mutable columns of a step row, written whole on every transition.
struct StepRow: Sendable {
    var state: StepState
    var attempt: Int
    var nextAttemptAt: Date?
    var startedAt: Date?
    var finishedAt: Date?
    var output: String?
    var reason: String?
    var artifacts: [String: ArtifactRecord]
}

/// One row change of a transition.
enum JournalWrite: Sendable {
    case runStarted(run: String, at: Date)
    case runFinished(run: String, state: RunState, at: Date, error: String?)
    case cancelRequested(run: String)
    case step(run: String, index: Int, row: StepRow)
}

/// Transitions of many steps and runs, written in one transaction (group commit).
struct JournalBatch: Sendable {
    var writes: [JournalWrite] = []
    var events: [PendingEvent] = []
    /// Workspace directories to create before the commit that starts their runs.
    var workspaces: [URL] = []

    var isEmpty: Bool { writes.isEmpty && events.isEmpty }
}

/// The last event hash of each run, by run id.
typealias ChainHeads = [String: String]

/// Writes journal batches into the run store.
enum RunJournal {
    /// Writes `batch` in one transaction; `heads` holds the last hash of each run with events in the
    /// batch, and the updated heads are returned.
    static func commit(_ batch: JournalBatch, heads: ChainHeads, to store: RunStore) async throws -> ChainHeads {
        for url in batch.workspaces {
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        }
        return try await store.pool.write { db in
            var heads = heads
            for write in batch.writes { try apply(write, db) }
            for event in batch.events {
                heads[event.run] = try append(event, previousHash: heads[event.run] ?? Event.genesisHash, db)
            }
            return heads
        }
    }

    /// Inserts one event chained after `previousHash`; returns its hash.
    static func append(_ e: PendingEvent, previousHash: String, _ db: Database) throws -> String {
        let event = Event.chained(
            sequence: e.sequence, type: e.type, time: e.time, actor: e.actor, data: e.data, previousHash: previousHash)
        let statement = try db.cachedStatement(
            sql: """
                INSERT INTO run_event (run, seq, id, type, time, actor, step, data, prev, hash)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
        try statement.execute(arguments: [
            e.run, e.sequence, event.id, e.type, Event.timestamp(e.time), e.actor, e.step,
            CanonicalJSON.string(e.data), previousHash, event.hash,
        ])
        return event.hash
    }

    private static func apply(_ write: JournalWrite, _ db: Database) throws {
        switch write {
        case .runStarted(let run, let at):
            try db.cachedStatement(sql: "UPDATE run SET state = 'running', started_at = ? WHERE id = ?")
                .execute(arguments: [at.timeIntervalSince1970, run])
        case .runFinished(let run, let state, let at, let error):
            try db.cachedStatement(sql: "UPDATE run SET state = ?, finished_at = ?, error = ? WHERE id = ?")
                .execute(arguments: [state.rawValue, at.timeIntervalSince1970, error, run])
        case .cancelRequested(let run):
            try db.cachedStatement(sql: "UPDATE run SET cancel_requested = 1 WHERE id = ?").execute(arguments: [run])
        case .step(let run, let index, let row):
            let artifacts =
                row.artifacts.isEmpty ? nil : CanonicalJSON.string(.object(row.artifacts.mapValues(\.value)))
            try db.cachedStatement(
                sql: """
                    UPDATE step SET state = ?, attempt = ?, next_attempt_at = ?, started_at = ?, finished_at = ?,
                    output = ?, reason = ?, artifacts = ? WHERE run = ? AND idx = ?
                    """
            ).execute(arguments: [
                row.state.rawValue, row.attempt, row.nextAttemptAt?.timeIntervalSince1970,
                row.startedAt?.timeIntervalSince1970, row.finishedAt?.timeIntervalSince1970, row.output, row.reason,
                artifacts, run, index,
            ])
        }
    }
}

/// Verification of a run's event chain.
public enum RunChain {
    /// Why `events` (one run's, in order) are not a valid chain, or nil when they are: sequence numbers
    /// run 1, 2, 3… without gaps, each `prev` is the hash of the event before (64 zeros for the
    /// first), each hash matches the event's content and each id matches its hash.
    public static func problem(in events: [Event]) -> String? {
        var previous = Event.genesisHash
        for (i, e) in events.enumerated() {
            if e.sequence != i + 1 { return "event \(i + 1) has sequence number \(e.sequence)" }
            if e.previousHash != previous { return "event \(e.sequence) does not link to the event before it" }
            let hash = Event.chainHash(
                sequence: e.sequence, type: e.type, timestamp: Event.timestamp(e.time), actor: e.actor, data: e.data,
                previousHash: previous)
            if e.hash != hash { return "event \(e.sequence) does not match its hash" }
            if e.id != Event.identifier(forHash: hash) { return "event \(e.sequence) has id \(e.id), not its hash's" }
            previous = hash
        }
        return nil
    }
}
