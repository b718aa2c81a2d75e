import CharterSQLite

/// A failure of the state store: which operation, on which database, and SQLite's own code.
public struct StoreError: Error, Sendable, CustomStringConvertible {
    /// What the store was doing, such as "open state database".
    public var operation: String
    /// The database file.
    public var path: String
    /// SQLite's extended result code, when SQLite reported the failure.
    public var sqliteCode: Int32?
    public var message: String

    public init(operation: String, path: String, sqliteCode: Int32? = nil, message: String) {
        self.operation = operation
        self.path = path
        self.sqliteCode = sqliteCode
        self.message = message
    }

    init(_ operation: String, path: String, _ error: any Error) {
        if let e = error as? StoreError {
            self = e
        } else {
            let failure = SQLiteFailure(error)
            self.init(operation: operation, path: path, sqliteCode: failure.code, message: failure.message)
        }
    }

    public var description: String {
        var s = "\(operation) failed (\(path)): \(message)"
        if let sqliteCode { s += " [SQLite \(sqliteCode)]" }
        return s
    }
}

/// The state was not empty when a bootstrap was asked for, or moved under an apply.
public struct StateConflict: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(message: String) { self.message = message }
    public var description: String { message }
}
