/// Why a ToolServer could not be opened or used: which server, what went wrong, what to do.
///
/// Messages never hold a credential's value. Failures of a single tool call reach the model as
/// `ToolFailure`s instead.
public struct ToolServerError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The ToolServer's name.
    public var server: String
    /// What went wrong and what to do, as a sentence.
    public var message: String

    /// An error of the ToolServer `server`.
    public init(server: String, _ message: String) {
        self.server = server
        self.message = message
    }

    public var description: String { "ToolServer `\(server)`: \(message)" }
}
