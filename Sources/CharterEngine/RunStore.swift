import CharterModel
import CharterSQLite
import CharterStore
import Foundation
import GRDB

/// A run as `createRun` returns it: `created` is false when a run with its id already existed.
public typealias CreatedRun = (run: RunRecord, created: Bool)

/// Runs, their steps and their hash-chained events in `runs.sqlite` (WAL) in the data directory.
///
/// The engine is the only writer of steps and events; other processes (the CLI) read, create runs
/// and request cancellation, which the engine picks up in ``WorkflowEngine/poll()``. All engine
/// state lives in this file, so a controller killed at any instant resumes from it.
public final class RunStore: Sendable {
    /// The database file's name inside the data directory.
    public static let fileName = "runs.sqlite"

    let pool: DatabasePool
    /// The database file.
    public let path: String
    /// The data directory: `runs.sqlite`, `workspaces/<run>/`, `artifacts/`.
    public let directory: URL

    /// Opens (creating if needed) the store in `directory` and brings its schema up to date.
    public init(directory: URL) throws(RunStoreError) {
        self.directory = directory
        let file = directory.appendingPathComponent(Self.fileName)
        path = file.path
        do {
            pool = try SQLiteDatabase.openPool(at: file, migrator: Self.migrator)
        } catch {
            switch error {
            case .directory(let error):
                throw RunStoreError(
                    operation: "create data directory", path: directory.path,
                    message: "\(error.localizedDescription); pass a writable --data-dir")
            case .database(let error):
                throw RunStoreError("open run database", path: file.path, error)
            }
        }
    }

    /// The per-run workspace directory handed to executors.
    public func workspace(run: String) -> URL {
        workspacesDirectory.appendingPathComponent(run, isDirectory: true)
    }

    /// `<data-dir>/workspaces/`: every run's workspace, and the shell steps' captured output.
    public var workspacesDirectory: URL { directory.appendingPathComponent("workspaces", isDirectory: true) }

    /// Where step artifacts are stored, content-addressed.
    public var artifactsDirectory: URL { directory.appendingPathComponent("artifacts", isDirectory: true) }

    static var migrator: DatabaseMigrator {
        var m = DatabaseMigrator()
        m.registerMigration("v1-runs") { db in
            // `seq` orders runs by creation, which breaks ties in the ready order across restarts.
            try db.execute(
                sql: """
                    CREATE TABLE run (
                        seq INTEGER PRIMARY KEY AUTOINCREMENT,
                        id TEXT NOT NULL UNIQUE,
                        template TEXT NOT NULL,
                        routine TEXT,
                        scheduled_at REAL,
                        parameters TEXT NOT NULL,
                        priority INTEGER NOT NULL,
                        state TEXT NOT NULL,
                        created_at REAL NOT NULL,
                        started_at REAL,
                        finished_at REAL,
                        cancel_requested INTEGER NOT NULL DEFAULT 0,
                        error TEXT
                    );
                    CREATE INDEX run_by_state ON run(state, priority DESC, seq);
                    CREATE INDEX run_by_routine ON run(routine, seq);
                    CREATE TABLE step (
                        run TEXT NOT NULL,
                        idx INTEGER NOT NULL,
                        name TEXT NOT NULL,
                        spec TEXT NOT NULL,
                        state TEXT NOT NULL,
                        attempt INTEGER NOT NULL DEFAULT 0,
                        next_attempt_at REAL,
                        started_at REAL,
                        finished_at REAL,
                        output TEXT,
                        reason TEXT,
                        artifacts TEXT,
                        PRIMARY KEY (run, idx)
                    ) WITHOUT ROWID;
                    CREATE TABLE run_event (
                        run TEXT NOT NULL,
                        seq INTEGER NOT NULL,
                        id TEXT NOT NULL,
                        type TEXT NOT NULL,
                        time TEXT NOT NULL,
                        actor TEXT NOT NULL,
                        step TEXT,
                        data TEXT NOT NULL,
                        prev TEXT NOT NULL,
                        hash TEXT NOT NULL,
                        PRIMARY KEY (run, seq)
                    ) WITHOUT ROWID;
                    """)
        }
        m.registerMigration("v2-schedules") { db in
            // Each routine's scheduler state (the last tick started or skipped), as JSON.
            try db.execute(sql: "CREATE TABLE schedule (routine TEXT PRIMARY KEY, state TEXT NOT NULL) WITHOUT ROWID")
        }
        return m
    }

    /// Creates a run with its steps and its first event (`run.created`), unless a run with the same id
    /// exists: then nothing is written and the existing run is returned with `created == false`.
    @discardableResult
    public func createRun(
        _ spec: RunSpec, at time: Date, actor: String = "charter"
    ) throws(RunStoreError)
        -> CreatedRun
    {
        let results = try createRuns([spec], at: time, actor: actor)
        return results[0]
    }

    /// ``createRun(_:at:actor:)`` for many specs in one transaction; results in the order of `specs`.
    public func createRuns(
        _ specs: [RunSpec], at time: Date, actor: String = "charter"
    ) throws(RunStoreError)
        -> [CreatedRun]
    {
        for spec in specs {
            if let problem = spec.problem() {
                throw RunStoreError(operation: "create run \(spec.id)", path: path, message: problem)
            }
        }
        // The time as it reads back from the REAL column, so the record returned now equals the stored one.
        let time = Date(timeIntervalSince1970: time.timeIntervalSince1970)
        do {
            return try pool.write { db in try specs.map { spec in try Self.insert(spec, at: time, actor: actor, db) } }
        } catch {
            throw RunStoreError("create run", path: path, error)
        }
    }

    private static func insert(_ spec: RunSpec, at time: Date, actor: String, _ db: Database) throws -> CreatedRun {
        if let row = try Row.fetchOne(db, sql: "SELECT * FROM run WHERE id = ?", arguments: [spec.id]) {
            return (try runRecord(row), false)
        }
        let parameters = CanonicalJSON.string(.object(spec.parameters))
        try db.execute(
            sql: """
                INSERT INTO run (id, template, routine, scheduled_at, parameters, priority, state, created_at)
                VALUES (?, ?, ?, ?, ?, ?, 'pending', ?)
                """,
            arguments: [
                spec.id, spec.template, spec.routine, spec.scheduledAt?.timeIntervalSince1970, parameters,
                spec.priority, time.timeIntervalSince1970,
            ])
        let insertStep = try db.cachedStatement(
            sql: "INSERT INTO step (run, idx, name, spec, state) VALUES (?, ?, ?, ?, 'pending')")
        for (i, step) in spec.steps.enumerated() {
            try insertStep.execute(arguments: [spec.id, i, step.name, CanonicalJSON.string(step.storedValue)])
        }
        var data: [String: Value] = [
            "template": .string(spec.template), "priority": .int(spec.priority), "parameters": .object(spec.parameters),
            "steps": .array(spec.steps.map { .string($0.name) }),
        ]
        if let routine = spec.routine { data["routine"] = .string(routine) }
        if let at = spec.scheduledAt { data["scheduledAt"] = .string(Event.timestamp(at)) }
        _ = try RunJournal.append(
            PendingEvent(run: spec.id, sequence: 1, type: "run.created", time: time, actor: actor, data: .object(data)),
            previousHash: Event.genesisHash, db)
        let record = RunRecord(
            id: spec.id, template: spec.template, routine: spec.routine, scheduledAt: spec.scheduledAt,
            parameters: spec.parameters, priority: spec.priority, state: .pending, createdAt: time, startedAt: nil,
            finishedAt: nil, cancelRequested: false, error: nil)
        return (record, true)
    }

    /// Asks the engine that owns the run to cancel it; usable from any process (the engine picks the
    /// request up in ``WorkflowEngine/poll()``). False when the run is unknown or already over.
    @discardableResult
    public func requestCancel(run id: String) throws(RunStoreError) -> Bool {
        do {
            return try pool.write { db in
                try db.execute(
                    sql: "UPDATE run SET cancel_requested = 1 WHERE id = ? AND state IN ('pending', 'running')",
                    arguments: [id])
                return db.changesCount > 0
            }
        } catch {
            throw RunStoreError("request cancellation of run \(id)", path: path, error)
        }
    }
}
