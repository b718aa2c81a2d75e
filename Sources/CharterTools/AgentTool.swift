import CharterModel
import Foundation

/// What running a tool call does to the world, which decides what happens when the controller
/// dies while the call is in flight (docs/AGENTS.md, "Durability").
public enum ToolEffect: String, Sendable, Hashable, Codable {
    /// Reads only: an interrupted call is simply run again.
    case readOnly = "read-only"
    /// Changes things, but running it twice with the same arguments leaves the same result (a
    /// whole-file write): an interrupted call is run again.
    case idempotent
    /// Changes things in ways a repeat would repeat (a command, an HTTP POST, a proposal): an
    /// interrupted call is never run again; the model is told it was interrupted.
    case sideEffecting = "side-effecting"

    /// Whether an interrupted call may be run again.
    public var mayRepeat: Bool { self != .sideEffecting }
}

/// A tool an agent step may be given: built in (`files.read`, `shell.exec`…) or listed by an MCP
/// tool server at run time (`mcp.git.git_status`).
///
/// A tool is a value shared across calls; it keeps no per-call state. It never decides whether it
/// may be called: the loop checks the Role's and the Policies' rules before calling it, and the
/// arguments against ``parameters``.
public protocol AgentTool: Sendable {
    /// The dotted name Role and Policy patterns match (`files.read`).
    var name: String { get }
    /// What it does and when to use it, for the model.
    var summary: String { get }
    /// The JSON Schema of the arguments (an `object` schema).
    var parameters: Value { get }
    /// What calling it does to the world.
    var effect: ToolEffect { get }

    /// Runs one call. Throw ``ToolFailure`` for a failure the model should read (a missing file,
    /// a refused path); any other error is reported to the model as an internal failure.
    func call(_ arguments: [String: Value], context: ToolCallContext) async throws -> ToolOutput
}

/// What a call returned, for the model and the record.
public struct ToolOutput: Sendable, Hashable {
    /// The text the model reads.
    public var text: String
    /// Whether the call failed (the model is told so).
    public var isError: Bool
    /// Facts for the run record (`charter show`), not for the model: bytes written, exit status.
    public var details: [String: Value]

    /// An output.
    public init(_ text: String, isError: Bool = false, details: [String: Value] = [:]) {
        self.text = text
        self.isError = isError
        self.details = details
    }
}

/// A failure the model should read: what went wrong and what it can do instead.
public struct ToolFailure: Error, Sendable, Hashable, CustomStringConvertible {
    /// The message, written for the model.
    public var message: String

    /// A failure.
    public init(_ message: String) { self.message = message }

    public var description: String { message }
}

/// Everything a call may use besides its arguments.
public struct ToolCallContext: Sendable {
    /// The run.
    public var runID: String
    /// The step calling.
    public var step: String
    /// The Role the step's agent acts in.
    public var role: String?
    /// The call's id in the step's transcript (`call-3`).
    public var callID: String
    /// The run's workspace directory on the host.
    public var workspace: URL
    /// The applied Policies' run rules: paths, network, secrets.
    public var rules: RunRules
    /// When the step times out, or nil.
    public var deadline: Date?
    /// The most bytes of result text the model is given; longer results are cut with a note.
    public var resultLimit: Int

    /// A context.
    public init(
        runID: String, step: String, role: String? = nil, callID: String, workspace: URL, rules: RunRules,
        deadline: Date? = nil, resultLimit: Int = ToolCallContext.defaultResultLimit
    ) {
        self.runID = runID
        self.step = step
        self.role = role
        self.callID = callID
        self.workspace = workspace
        self.rules = rules
        self.deadline = deadline
        self.resultLimit = resultLimit
    }

    /// 64 KiB: enough for a source file, small against a model's context.
    public static let defaultResultLimit = 64 * 1024
}
