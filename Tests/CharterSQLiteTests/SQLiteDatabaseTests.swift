import CharterSQLite
import Foundation
import GRDB
import Testing

@Suite struct SQLiteDatabaseTests {
    static func temporaryDirectory() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("charter-sqlite-\(UUID().uuidString)")
    }

    static var migrator: DatabaseMigrator {
        var m = DatabaseMigrator()
        m.registerMigration("v1") { db in try db.execute(sql: "CREATE TABLE t (x INTEGER)") }
        return m
    }

    @Test func opensAMigratedWALPoolWithItsDirectoryAndPragmas() throws {
        let directory = Self.temporaryDirectory().appendingPathComponent("nested")
        defer { try? FileManager.default.removeItem(at: directory.deletingLastPathComponent()) }
        let pool = try SQLiteDatabase.openPool(
            at: directory.appendingPathComponent("a.sqlite"), extraPragmas: ["PRAGMA wal_autocheckpoint = 0"],
            migrator: Self.migrator)
        let settings = try pool.read { db throws -> [String?] in
            try ["PRAGMA journal_mode", "PRAGMA synchronous", "PRAGMA wal_autocheckpoint", "SELECT COUNT(*) FROM t"]
                .map { try String.fetchOne(db, sql: $0) }
        }
        // WAL, synchronous NORMAL (1), no automatic checkpoint, and the migrated table.
        #expect(settings == ["wal", "1", "0", "0"])
    }

    @Test func aDirectoryThatCannotBeMadeIsReportedAsSuch() throws {
        let blocker = Self.temporaryDirectory()
        try Data("a file".utf8).write(to: blocker)
        defer { try? FileManager.default.removeItem(at: blocker) }
        let error = #expect(throws: SQLiteOpenError.self) {
            _ = try SQLiteDatabase.openPool(at: blocker.appendingPathComponent("a.sqlite"), migrator: Self.migrator)
        }
        guard case .directory? = error else {
            Issue.record("expected a directory failure, got \(String(describing: error))")
            return
        }
    }

    @Test func aFileThatIsNotADatabaseGivesSQLitesCodeAndMessage() throws {
        let directory = Self.temporaryDirectory()
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("a.sqlite")
        try Data(repeating: 0x41, count: 4_096).write(to: file)
        let error = #expect(throws: SQLiteOpenError.self) {
            _ = try SQLiteDatabase.openPool(at: file, migrator: Self.migrator)
        }
        guard case .database(let underlying)? = error else {
            Issue.record("expected a database failure, got \(String(describing: error))")
            return
        }
        let failure = SQLiteFailure(underlying)
        #expect(failure.code == 26)  // SQLITE_NOTADB
        #expect(failure.message == "file is not a database")
    }

    @Test func anErrorFromElsewhereIsDescribed() {
        struct Elsewhere: Error, CustomStringConvertible { var description: String { "elsewhere" } }
        let failure = SQLiteFailure(Elsewhere())
        #expect(failure.code == nil)
        #expect(failure.message == "elsewhere")
    }
}
