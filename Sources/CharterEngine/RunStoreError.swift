import CharterSQLite

/// A failure of the run store: which operation, on which file, and SQLite's own code.
public struct RunStoreError: Error, Sendable, CustomStringConvertible {
    /// What the store was doing, such as "create run".
    public var operation: String
    /// The database file.
    public var path: String
    /// SQLite's extended result code, when SQLite reported the failure.
    public var sqliteCode: Int32?
    /// What went wrong.
    public var message: String

    /// An error; `sqliteCode` only when SQLite reported it.
    public init(operation: String, path: String, sqliteCode: Int32? = nil, message: String) {
        self.operation = operation
        self.path = path
        self.sqliteCode = sqliteCode
        self.message = message
    }

    init(_ operation: String, path: String, _ error: any Error) {
        if let e = error as? RunStoreError {
            self = e
        } else {
            let failure = SQLiteFailure(error)
            self.init(operation: operation, path: path, sqliteCode: failure.code, message: failure.message)
        }
    }

    /// The operation, the file and the message.
    public var description: String {
        var s = "\(operation) failed (\(path)): \(message)"
        if let sqliteCode { s += " [SQLite \(sqliteCode)]" }
        return s
    }
}

/// A request the engine refuses: an invalid run spec, an unknown run or step, a step in the wrong state.
public struct EngineError: Error, Sendable, CustomStringConvertible, Equatable {
    /// What is wrong.
    public var message: String
    /// An error with its message.
    public init(_ message: String) { self.message = message }
    /// The message.
    public var description: String { message }
}
