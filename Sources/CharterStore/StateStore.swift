import CharterFoundation
import CharterGovernance
import CharterModel
import CharterPlan
import CharterSQLite
import Foundation
import GRDB

/// The actual (applied) state in SQLite: resources, applied revisions and events.
///
/// SQLite is an index that can be rebuilt from git; it is opened in WAL mode so readers (the CLI,
/// later the HTTP API) never block the controller's writes.
public final class StateStore: Sendable {
    /// The database file's name inside the data directory.
    public static let fileName = "charter.sqlite"

    let pool: DatabasePool
    /// The database file.
    public let path: String
    /// The last state read, stamped with the applied-revision key it was read at.
    let stateCache = StampedCache<OrgState>(limit: 1)
    /// Proposals as last decoded, by id, stamped with their row's version and times: every save
    /// bumps the version, so each version of a proposal is decoded once however often the API, the
    /// dashboard and the passes read it. A decoded proposal is a few kB (its change set stays in its
    /// own column), so thousands fit.
    let proposalCache = StampedCache<Proposal>(limit: 4096)

    /// Opens (creating if needed) the store in `directory` and brings its schema up to date.
    public init(directory: URL) throws(StoreError) {
        let file = directory.appendingPathComponent(Self.fileName)
        path = file.path
        do {
            pool = try SQLiteDatabase.openPool(at: file, migrator: Self.migrator)
        } catch {
            switch error {
            case .directory(let error):
                throw StoreError(
                    operation: "create data directory", path: directory.path,
                    message: "\(error.localizedDescription); pass a writable --data-dir")
            case .database(let error):
                throw StoreError("open state database", path: file.path, error)
            }
        }
    }

    static var migrator: DatabaseMigrator {
        var m = DatabaseMigrator()
        m.registerMigration("v1-resources") { db in
            try db.create(table: "resource") { t in
                t.column("kind", .text).notNull()
                t.column("name", .text).notNull()
                t.column("document", .text).notNull()
                t.column("hash", .text).notNull()
                t.column("revision", .text).notNull()
                t.primaryKey(["kind", "name"])
            }
            try db.create(table: "applied_revision") { t in
                t.autoIncrementedPrimaryKey("sequence")
                t.column("revision", .text).notNull()
                t.column("method", .text).notNull()
                t.column("actor", .text).notNull()
                t.column("source", .text).notNull()
                t.column("change_set_hash", .text).notNull()
                t.column("change_count", .integer).notNull()
                t.column("applied_at", .double).notNull()
            }
            try db.create(table: "event") { t in
                t.primaryKey("sequence", .integer)
                t.column("id", .text).notNull().unique()
                t.column("type", .text).notNull()
                t.column("time", .double).notNull()
                t.column("actor", .text).notNull()
                t.column("data", .text).notNull()
                t.column("previous_hash", .text).notNull()
                t.column("hash", .text).notNull()
            }
        }
        m.registerMigration("v2-proposals", migrate: createProposalTables)
        m.registerMigration("v3-blobs") { db in
            // Content-addressed documents the events refer to (change sets), published to the status
            // branch's blobs/ so the store can be rebuilt from git alone.
            try db.create(table: "blob") { t in
                t.primaryKey("hash", .text)
                t.column("data", .blob).notNull()
            }
        }
        // What the controller remembers of its notifications: one row per delivery, so a restart
        // neither loses nor repeats them (docs/OPERATIONS.md, "Notifications").
        m.registerMigration("v4-notifications", migrate: createNotificationTables)
        return m
    }

    /// The applied resources.
    ///
    /// Resources change only in a transaction that also adds an applied revision, so the state read
    /// last is returned again while the newest revision and their count are what they were then
    /// (checked with one small query, so an apply by another process is seen). A pass reads the
    /// state several times; parsing 10,000 stored documents each time cost about 100 ms a read.
    public func actualState() throws(StoreError) -> OrgState {
        do {
            // The key, and the rows when the cache does not hold that key, from one read transaction.
            let (key, cached, rows) = try pool.read { db -> (String, OrgState?, [Row]) in
                let key =
                    try String.fetchOne(
                        db,
                        sql: "SELECT COALESCE(MAX(sequence), 0) || '/' || COUNT(*) FROM applied_revision") ?? ""
                if let cached = stateCache.get("state", stamp: key) { return (key, cached, []) }
                return (key, nil, try Row.fetchAll(db, sql: "SELECT kind, name, document FROM resource"))
            }
            if let cached { return cached }
            var resources: [ResourceID: Resource] = [:]
            resources.reserveCapacity(rows.count)
            for row in rows {
                let kindText: String = row["kind"]
                guard let kind = ResourceKind(rawValue: kindText) else {
                    throw StoreError(
                        operation: "read applied state", path: path,
                        message:
                            "unknown kind \(kindText) in the store; it was written by another Charter version — use a fresh --data-dir and bootstrap again"
                    )
                }
                let id = ResourceID(kind, row["name"])
                let json: String = row["document"]
                resources[id] = Resource(id: id, value: try Value(json: json))
            }
            let state = OrgState(resources: resources)
            stateCache.set("state", stamp: key, state)
            return state
        } catch {
            throw StoreError("read applied state", path: path, error)
        }
    }

    /// The most recent apply, or nil when nothing was applied yet.
    public func appliedRevision() throws(StoreError) -> AppliedRevision? {
        try history(limit: 1).first
    }

    /// Applies, newest first.
    public func history(limit: Int = 50) throws(StoreError) -> [AppliedRevision] {
        do {
            return try pool.read { db in
                try Row.fetchAll(
                    db, sql: "SELECT * FROM applied_revision ORDER BY sequence DESC LIMIT ?", arguments: [limit]
                )
                .map { row in
                    AppliedRevision(
                        sequence: row["sequence"], revision: row["revision"],
                        method: AppliedRevision.Method(rawValue: row["method"]) ?? .governed, actor: row["actor"],
                        source: row["source"], changeSetHash: row["change_set_hash"], changeCount: row["change_count"],
                        appliedAt: Date(timeIntervalSince1970: row["applied_at"]))
                }
            }
        } catch {
            throw StoreError("read applied revisions", path: path, error)
        }
    }

    /// Whether no resource has ever been applied.
    public func isEmpty() throws(StoreError) -> Bool {
        do {
            return try pool.read { db in
                try Int.fetchOne(
                    db, sql: "SELECT (SELECT COUNT(*) FROM resource) + (SELECT COUNT(*) FROM applied_revision)")
                    ?? 0
            } == 0
        } catch {
            throw StoreError("read applied state", path: path, error)
        }
    }

    /// Applies `changes` (desired − actual at `revision`) in one transaction with its event.
    ///
    /// - A bootstrap is refused unless the state is empty.
    /// - Every change's `before` must match the stored document (compare-and-swap), so a change
    ///   planned against another state is refused and nothing is written.
    /// - Applying a change set that is already applied at the same revision is a no-op.
    @discardableResult
    public func apply(
        _ changes: ChangeSet, revision: String, method: AppliedRevision.Method, actor: String, source: String,
        at time: Date
    ) throws(StoreError) -> AppliedRevision {
        do {
            return try pool.write { db in
                if method == .bootstrap {
                    let count =
                        try Int.fetchOne(
                            db, sql: "SELECT (SELECT COUNT(*) FROM resource) + (SELECT COUNT(*) FROM applied_revision)")
                        ?? 0
                    guard count == 0 else {
                        throw StoreError(
                            operation: "bootstrap", path: path,
                            message:
                                "the state is not empty; bootstrap only applies into an empty state (later changes go through governance)"
                        )
                    }
                }
                if let last = try Row.fetchOne(
                    db, sql: "SELECT * FROM applied_revision ORDER BY sequence DESC LIMIT 1"),
                    (last["revision"] as String) == revision, (last["change_set_hash"] as String) == changes.hash
                {
                    return Self.revision(from: last)
                }
                try Self.write(changes, revision: revision, in: db, path: path)
                let sequence = try Self.recordApplied(
                    changes, revision: revision, method: method, actor: actor, source: source, at: time, in: db)
                try EventLog.append(
                    db, type: method == .bootstrap ? "state.bootstrapped" : "state.applied", actor: actor, time: time,
                    data: [
                        "revision": .string(revision), "changeSetHash": .string(changes.hash),
                        "source": .string(source),
                        "create": .int(changes.count(.create)), "update": .int(changes.count(.update)),
                        "delete": .int(changes.count(.delete)), "appliedSequence": .int(sequence),
                        "changeSetBlob": .string(try Self.storeBlob(of: changes, in: db)),
                    ])
                return AppliedRevision(
                    sequence: sequence, revision: revision, method: method, actor: actor, source: source,
                    changeSetHash: changes.hash, changeCount: changes.changes.count, appliedAt: time)
            }
        } catch {
            throw StoreError("apply revision \(String(revision.prefix(12)))", path: path, error)
        }
    }

    /// Writes the resources of `changes` at `revision`, each only if its stored hash is the change's
    /// `before` (compare-and-swap).
    static func write(_ changes: ChangeSet, revision: String, in db: Database, path: String) throws {
        for c in changes.changes {
            let stored = try String.fetchOne(
                db, sql: "SELECT hash FROM resource WHERE kind = ? AND name = ?",
                arguments: [c.id.kind.rawValue, c.id.name])
            guard stored == c.oldHash else {
                throw StoreError(
                    operation: "apply", path: path, message: "\(c.id) changed since the plan was made; plan again")
            }
            switch c.action {
            case .delete:
                try db.execute(
                    sql: "DELETE FROM resource WHERE kind = ? AND name = ?", arguments: [c.id.kind.rawValue, c.id.name])
            case .create, .update:
                try db.execute(
                    sql:
                        "INSERT OR REPLACE INTO resource (kind, name, document, hash, revision) VALUES (?, ?, ?, ?, ?)",
                    arguments: [c.id.kind.rawValue, c.id.name, CanonicalJSON.string(c.new!), c.newHash!, revision])
            }
        }
    }

    /// Adds the applied-revision row; returns its sequence number.
    static func recordApplied(
        _ changes: ChangeSet, revision: String, method: AppliedRevision.Method, actor: String, source: String,
        at time: Date, in db: Database
    ) throws -> Int {
        try db.execute(
            sql: """
                INSERT INTO applied_revision (revision, method, actor, source, change_set_hash, change_count, applied_at)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                revision, method.rawValue, actor, source, changes.hash, changes.changes.count,
                time.timeIntervalSince1970,
            ])
        return Int(db.lastInsertedRowID)
    }

    static func revision(from row: Row) -> AppliedRevision {
        AppliedRevision(
            sequence: row["sequence"], revision: row["revision"],
            method: AppliedRevision.Method(rawValue: row["method"]) ?? .governed, actor: row["actor"],
            source: row["source"],
            changeSetHash: row["change_set_hash"], changeCount: row["change_count"],
            appliedAt: Date(timeIntervalSince1970: row["applied_at"]))
    }

    /// At most `limit` events after sequence number `sequence`, oldest first: a page of the log,
    /// for readers that follow it.
    public func events(after sequence: Int, limit: Int) throws(StoreError) -> [Event] {
        do {
            return try pool.read { db in try EventLog.page(db, after: sequence, limit: limit) }
        } catch {
            throw StoreError("read events", path: path, error)
        }
    }

    /// Every event, oldest first.
    public func events() throws(StoreError) -> [Event] {
        do {
            return try pool.read { db in try EventLog.all(db) }
        } catch {
            throw StoreError("read events", path: path, error)
        }
    }
}
