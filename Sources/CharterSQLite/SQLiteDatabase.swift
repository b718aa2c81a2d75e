import Foundation
import GRDB

/// How Charter opens its SQLite files (`charter.sqlite`, `runs.sqlite`, `usage.sqlite`): one
/// place for the settings their durability and concurrency rest on.
///
/// A `DatabasePool` runs in WAL mode, so readers (the CLI, other processes) never block the writer.
/// With synchronous NORMAL a commit survives a process crash (kill -9); only an OS crash or power
/// loss can lose the last transactions, never corrupt the file.
public enum SQLiteDatabase {
    /// How long, in seconds, a connection waits for another's lock before failing with `SQLITE_BUSY`.
    public static let busyTimeout: TimeInterval = 5

    /// A configuration that waits ``busyTimeout`` for locks and runs `pragmas` on every new connection.
    public static func configuration(pragmas: [String] = []) -> Configuration {
        var config = Configuration()
        config.busyMode = .timeout(busyTimeout)
        if !pragmas.isEmpty {
            let sql = pragmas.joined(separator: "; ")
            config.prepareDatabase { db in try db.execute(sql: sql) }
        }
        return config
    }

    /// Opens `file` (creating it and its directory if needed) as a WAL pool with synchronous NORMAL,
    /// then `extraPragmas` on every connection, and brings its schema up to date with `migrator`.
    ///
    /// Throws ``SQLiteOpenError``: each store reports the two failures its own way.
    public static func openPool(
        at file: URL, extraPragmas: [String] = [], migrator: DatabaseMigrator
    ) throws(SQLiteOpenError) -> DatabasePool {
        do {
            try FileManager.default.createDirectory(
                at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        } catch {
            throw .directory(error)
        }
        do {
            let pool = try DatabasePool(
                path: file.path, configuration: configuration(pragmas: ["PRAGMA synchronous = NORMAL"] + extraPragmas))
            try migrator.migrate(pool)
            return pool
        } catch {
            throw .database(error)
        }
    }
}

/// Why ``SQLiteDatabase/openPool(at:extraPragmas:migrator:)`` failed.
public enum SQLiteOpenError: Error {
    /// The file's directory could not be created: the file system's error.
    case directory(any Error)
    /// The database could not be opened or migrated: SQLite's error (see ``SQLiteFailure``).
    case database(any Error)
}

/// What a store reports of a failed database operation: SQLite's extended result code and message
/// when SQLite reported it, else the error's description.
public struct SQLiteFailure: Sendable {
    /// SQLite's extended result code, when SQLite reported the failure.
    public var code: Int32?
    /// SQLite's message (or its result code's name), else the error's description.
    public var message: String

    /// The code and message of `error`.
    public init(_ error: any Error) {
        if let db = error as? DatabaseError {
            code = db.extendedResultCode.rawValue
            message = db.message ?? "\(db.resultCode)"
        } else {
            code = nil
            message = "\(error)"
        }
    }
}
