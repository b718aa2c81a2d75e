import CharterModel
import Foundation

/// Where a run is in its life. `pending` runs wait for an engine to start them.
public enum RunState: String, Sendable, Hashable, CaseIterable {
    case pending, running, succeeded, failed, cancelled

    /// Whether the run is over: nothing of it will execute again.
    public var isTerminal: Bool { self == .succeeded || self == .failed || self == .cancelled }
}

/// Where a step is in its life; see docs/ENGINE.md for the transitions.
public enum StepState: String, Sendable, Hashable, CaseIterable {
    /// Not started yet: waiting for its needs, or for a free slot.
    case pending
    /// An attempt is executing (or was, when the controller stopped).
    case running
    /// An attempt failed and the next one waits for its backoff (`nextAttemptAt`).
    case retrying
    /// Suspended by its executor (an approval) until ``WorkflowEngine/resolve(run:step:approved:detail:)``.
    case waiting
    case succeeded, failed, skipped, cancelled

    /// Whether the step is over.
    public var isTerminal: Bool {
        self == .succeeded || self == .failed || self == .skipped || self == .cancelled
    }
}

/// A run as stored.
public struct RunRecord: Sendable, Hashable {
    /// The run id (see ``RunSpec/id``).
    public var id: String
    /// The template the run was made from.
    public var template: String
    /// The routine that fired it; nil for an on-demand run.
    public var routine: String?
    /// The tick that fired it, for a scheduled run.
    public var scheduledAt: Date?
    /// The template arguments.
    public var parameters: [String: Value]
    /// Higher runs first.
    public var priority: Int
    /// Where the run is.
    public var state: RunState
    /// When the run was created.
    public var createdAt: Date
    /// When an engine took it.
    public var startedAt: Date?
    /// When it ended.
    public var finishedAt: Date?
    /// Set by ``RunStore/requestCancel(run:)`` or ``WorkflowEngine/cancel(run:)``.
    public var cancelRequested: Bool
    /// Why the run failed: the first step that failed without `continueOnFailure`.
    public var error: String?
}

/// A step as stored.
public struct StepRecord: Sendable, Hashable {
    /// The run id.
    public var run: String
    /// The step name.
    public var name: String
    /// Declaration order within the run.
    public var index: Int
    /// The step as submitted.
    public var spec: StepSpec
    /// Where the step is.
    public var state: StepState
    /// The number of the current (or last) attempt; 0 before the first.
    public var attempt: Int
    /// When the next attempt may start, while `retrying`.
    public var nextAttemptAt: Date?
    /// When the current (or last) attempt started.
    public var startedAt: Date?
    /// When the step finished, or when the last attempt failed while retrying.
    public var finishedAt: Date?
    /// The output of a succeeded step (or the detail of an approval).
    public var output: String?
    /// Why the step failed, was skipped or cancelled, or why the last attempt failed while retrying.
    public var reason: String?
    /// The artifacts of a succeeded step, by name.
    public var artifacts: [String: ArtifactRecord]
}

/// A run with its steps in declaration order.
public struct RunDetail: Sendable, Hashable {
    /// The run.
    public var run: RunRecord
    /// Its steps, in declaration order.
    public var steps: [StepRecord]
}

/// An artifact of a succeeded step, stored content-addressed under `<data-dir>/artifacts/`.
public struct ArtifactRecord: Sendable, Hashable {
    /// Lowercase hex SHA-256 of the bytes.
    public var sha256: String
    /// Bytes.
    public var size: Int
    /// Where the bytes are.
    public var path: String

    /// An artifact record.
    public init(sha256: String, size: Int, path: String) {
        self.sha256 = sha256
        self.size = size
        self.path = path
    }

    var value: Value { ["sha256": .string(sha256), "size": .int(size), "path": .string(path)] }

    init?(_ v: Value) {
        guard let sha = v["sha256"]?.string, let size = v["size"]?.int, let path = v["path"]?.string else { return nil }
        self.init(sha256: sha, size: size, path: path)
    }
}
