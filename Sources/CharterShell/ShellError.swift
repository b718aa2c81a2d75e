import Foundation

/// Why a shell step could not be started. A step that starts and then fails is not an error: its
/// ``ShellResult`` says how it ended.
///
/// Messages name paths and variable names, never the command or variable values, which may hold
/// secrets.
public struct ShellError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The kind of failure.
    public enum Kind: Sendable, Hashable {
        /// The workspace is missing, not a directory or not absolute.
        case invalidWorkspace
        /// A step variable name is empty or contains `=` or NUL, or a value contains NUL.
        case invalidEnvironment
        /// The command contains a NUL byte, which no `exec` can carry.
        case invalidCommand
        /// An output file could not be opened.
        case outputFile
        /// `.required` sandboxing was asked for and bubblewrap does not work here.
        case sandboxUnavailable
        /// A system call needed to start the process failed.
        case spawnFailed
    }

    /// The kind of failure.
    public var kind: Kind
    /// A sentence saying what went wrong and what to do.
    public var message: String

    /// An error of `kind` with `message`.
    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    /// An error for a failed system call, with the `errno` text.
    static func system(_ kind: Kind, _ what: String, errno code: Int32) -> ShellError {
        ShellError(kind, "\(what): \(String(cString: strerror(code))) (errno \(code))")
    }

    public var description: String { message }
}
