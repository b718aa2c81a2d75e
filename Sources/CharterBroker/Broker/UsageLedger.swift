import CharterFoundation
import CharterSQLite
import Foundation
import GRDB

/// Every broker call in `usage.sqlite` (GRDB `DatabasePool`, WAL): the reservation is written
/// before the provider is called and settled after it, so nothing is spent without a record.
///
/// Writes are group-committed: rows submitted while a transaction is running go into the next one,
/// so hundreds of concurrent calls cost a handful of transactions instead of one each.
///
/// A reservation still open when a process dies stays in the file and keeps counting against
/// budgets; ``reconcileOpenReservations(at:)`` (the broker calls it when it starts) settles each
/// at its reservation — the most the call could have cost — with outcome `reconciled`.
/// One controller process owns the ledger for writing; other processes (`charter cost`) only read.
public final class UsageLedger: Sendable {
    /// The database file's name inside the directory.
    public static let fileName = "usage.sqlite"

    let pool: DatabasePool
    /// The database file.
    public let path: String
    private let nextID: Locked<Int64>
    private let writer: Locked<WriterState>
    /// A second connection that only checkpoints the WAL into the database file.
    private let checkpointer: DatabaseQueue

    private struct WriterState {
        var pending: [(op: LedgerOperation, done: CheckedContinuation<Void, any Error>)] = []
        var flushing = false
        /// Rows written since the last checkpoint started.
        var sinceCheckpoint = 0
        /// The checkpoint running now, if any.
        var checkpoint: Task<Void, Never>?
    }

    /// Rows between checkpoints: about a megabyte of WAL.
    static let checkpointEvery = 2_000

    /// Opens (creating if needed) `usage.sqlite` in `directory` and brings its schema up to date.
    public init(directory: URL) throws(UsageLedgerError) {
        let file = directory.appendingPathComponent(Self.fileName)
        path = file.path
        do {
            // Commits never checkpoint: that is the checkpointer's job, off the callers' path (see
            // `checkpointIfDue`).
            pool = try SQLiteDatabase.openPool(
                at: file, extraPragmas: ["PRAGMA wal_autocheckpoint = 0"], migrator: Self.migrator)
        } catch {
            switch error {
            case .directory(let error):
                throw UsageLedgerError("create the ledger directory", path: directory.path, error)
            case .database(let error):
                throw UsageLedgerError("open the usage ledger", path: file.path, error)
            }
        }
        do {
            checkpointer = try DatabaseQueue(path: file.path, configuration: SQLiteDatabase.configuration())
            let maxID = try pool.read { db in try Int64.fetchOne(db, sql: "SELECT MAX(id) FROM usage") } ?? 0
            nextID = Locked(maxID + 1)
        } catch {
            throw UsageLedgerError("open the usage ledger", path: file.path, error)
        }
        writer = Locked(WriterState())
    }

    static var migrator: DatabaseMigrator {
        var m = DatabaseMigrator()
        m.registerMigration("v1-usage") { db in
            try db.execute(
                sql: """
                    CREATE TABLE usage (
                        id INTEGER PRIMARY KEY,
                        started_at REAL NOT NULL,
                        finished_at REAL,
                        day TEXT NOT NULL,
                        run TEXT,
                        step TEXT,
                        role TEXT,
                        routine TEXT,
                        person TEXT,
                        attempt INTEGER NOT NULL,
                        failover INTEGER NOT NULL,
                        source TEXT,
                        model TEXT,
                        reserved_input_tokens INTEGER NOT NULL,
                        reserved_output_tokens INTEGER NOT NULL,
                        reserved_cost_micros INTEGER NOT NULL,
                        input_tokens INTEGER NOT NULL DEFAULT 0,
                        output_tokens INTEGER NOT NULL DEFAULT 0,
                        cached_input_tokens INTEGER NOT NULL DEFAULT 0,
                        reasoning_tokens INTEGER NOT NULL DEFAULT 0,
                        cost_micros INTEGER NOT NULL DEFAULT 0,
                        state TEXT NOT NULL,
                        outcome TEXT,
                        estimated INTEGER NOT NULL DEFAULT 0,
                        error TEXT
                    );
                    CREATE INDEX usage_by_day ON usage(day);
                    CREATE INDEX usage_by_start ON usage(started_at);
                    CREATE INDEX usage_open ON usage(state) WHERE state = 'reserved';
                    """)
        }
        return m
    }

    /// A fresh row id; ids increase in admission order.
    func allocateID() -> Int64 {
        nextID.withLock { id in
            defer { id += 1 }
            return id
        }
    }

    /// Writes `op` in the next group commit and returns once it is committed.
    func submit(_ op: LedgerOperation) async throws {
        try await withCheckedThrowingContinuation { (c: CheckedContinuation<Void, any Error>) in
            let start = writer.withLock { state in
                state.pending.append((op, c))
                if state.flushing { return false }
                state.flushing = true
                return true
            }
            if start { Task { await self.drain() } }
        }
    }

    private func drain() async {
        while true {
            let batch = writer.withLock { state in
                let batch = state.pending
                state.pending = []
                if batch.isEmpty { state.flushing = false }
                return batch
            }
            if batch.isEmpty { return }
            let ops = batch.map(\.op)
            do {
                try await pool.write { db in for op in ops { try op.apply(db) } }
                for item in batch { item.done.resume() }
            } catch {
                for item in batch { item.done.resume(throwing: error) }
            }
            checkpointIfDue(written: ops.count)
        }
    }

    /// Copies the WAL into the database file every ``checkpointEvery`` rows, on the checkpointer's
    /// connection: a PASSIVE checkpoint runs beside the writer instead of inside a commit, so no
    /// caller waits for its fsync (a commit that checkpointed itself held up every call queued
    /// behind it for milliseconds). The WAL restarts from its beginning once a checkpoint caught up.
    private func checkpointIfDue(written: Int) {
        writer.withLock { state in
            state.sinceCheckpoint += written
            guard state.sinceCheckpoint >= Self.checkpointEvery, state.checkpoint == nil else { return }
            state.sinceCheckpoint = 0
            state.checkpoint = Task {
                // A failed checkpoint loses nothing: the rows are in the WAL, and the next one retries.
                _ = try? await checkpointer.writeWithoutTransaction { db in try db.checkpoint(.passive) }
                writer.withLock { $0.checkpoint = nil }
            }
        }
    }

    /// Returns once the checkpoint running now, if any, has finished (for tests).
    func checkpointFinished() async {
        await writer.withLock { $0.checkpoint }?.value
    }

    /// Settles every reservation left open (by a crash between reserving and settling) at its
    /// reservation, the most it could have cost, with outcome `reconciled` and `estimated` set.
    /// Returns how many rows it settled.
    @discardableResult
    public func reconcileOpenReservations(at now: Date) throws(UsageLedgerError) -> Int {
        do {
            return try pool.write { db in
                try db.execute(
                    sql: """
                        UPDATE usage SET state = 'settled', finished_at = ?, outcome = 'reconciled', estimated = 1,
                            input_tokens = reserved_input_tokens, output_tokens = reserved_output_tokens,
                            cost_micros = reserved_cost_micros
                        WHERE state = 'reserved'
                        """, arguments: [now.timeIntervalSince1970])
                return db.changesCount
            }
        } catch {
            throw UsageLedgerError("reconcile open reservations", path: path, error)
        }
    }
}

/// A ledger that could not be opened, read or written.
public struct UsageLedgerError: Error, Sendable, CustomStringConvertible {
    /// What was being done.
    public var operation: String
    /// The file or directory.
    public var path: String
    /// The underlying error.
    public var message: String

    init(_ operation: String, path: String, _ error: any Error) {
        self.operation = operation
        self.path = path
        message = String(describing: error)
    }

    public var description: String { "cannot \(operation) at \(path): \(message)" }
}
