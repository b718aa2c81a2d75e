import CharterModel
import Foundation

/// Runs steps of one type (`agent`, `shell`, `approval`…). Register one per type with the engine.
///
/// The engine cancels the calling task when the run is cancelled or the attempt times out: an
/// executor must stop promptly then (a shell executor kills its process group) and may throw
/// `CancellationError`. Throwing any other error is a retryable failure with the error as reason.
public protocol StepExecutor: Sendable {
    /// Executes one attempt of a step.
    func execute(_ context: StepContext) async throws -> StepResult
}

/// Everything an attempt may use.
public struct StepContext: Sendable {
    /// The run id.
    public var runID: String
    /// The run's template.
    public var template: String
    /// The routine that fired the run, if any.
    public var routine: String?
    /// The step to execute.
    public var step: StepSpec
    /// 1 for the first attempt.
    public var attempt: Int
    /// `RUN/STEP/ATTEMPT`: the same for a retry of nothing else, so side effects (an LLM call, a
    /// proposal) can be deduplicated downstream.
    public var idempotencyKey: String
    /// The run's template arguments.
    public var parameters: [String: Value]
    /// The finished steps this one depends on, directly or transitively through `needs`, by name.
    public var upstream: [String: UpstreamResult]
    /// `<data-dir>/workspaces/<run>/`, created before the run's first step; shared by its steps.
    public var workspace: URL
    /// When the attempt times out, or nil without a timeout.
    public var deadline: Date?
    /// Every step of the run, this one included: what could run alongside it.
    public var runSteps: [StepSpec]
    /// The step's durable record, for executors of resumable step types; nil in executor tests
    /// that do not give one.
    public var journal: StepJournal?

    /// A context; the engine builds these, tests of executors may too.
    public init(
        runID: String, template: String, routine: String?, step: StepSpec, attempt: Int,
        parameters: [String: Value], upstream: [String: UpstreamResult], workspace: URL, deadline: Date?,
        runSteps: [StepSpec] = []
    ) {
        self.runSteps = runSteps
        self.runID = runID
        self.template = template
        self.routine = routine
        self.step = step
        self.attempt = attempt
        self.idempotencyKey = "\(runID)/\(step.name)/\(attempt)"
        self.parameters = parameters
        self.upstream = upstream
        self.workspace = workspace
        self.deadline = deadline
    }

    /// Whether another step of type `type` could be running at the same time as this one: one
    /// that is neither upstream nor downstream of it through `needs`.
    public func mayRunAlongside(type: String) -> Bool {
        var needs: [String: [String]] = [:]
        for spec in runSteps { needs[spec.name] = spec.needs }
        func ancestors(of name: String) -> Set<String> {
            var seen: Set<String> = []
            var stack = needs[name] ?? []
            while let next = stack.popLast() {
                if seen.insert(next).inserted { stack += needs[next] ?? [] }
            }
            return seen
        }
        let upstream = ancestors(of: step.name)
        for other in runSteps where other.name != step.name && other.type == type && !upstream.contains(other.name) {
            if !ancestors(of: other.name).contains(step.name) { return true }
        }
        return false
    }
}

/// How a finished step ended, as seen by the steps that need it.
public enum StepOutcome: String, Sendable, Hashable {
    case succeeded, failed, skipped, cancelled
}

/// A finished upstream step.
public struct UpstreamResult: Sendable, Hashable {
    /// How it ended.
    public var outcome: StepOutcome
    /// The output when it succeeded.
    public var output: String?
    /// Why it failed or was skipped.
    public var reason: String?

    /// An upstream result.
    public init(outcome: StepOutcome, output: String? = nil, reason: String? = nil) {
        self.outcome = outcome
        self.output = output
        self.reason = reason
    }
}

/// An artifact a step produced: bytes, or a file (for instance in the workspace) to copy.
public enum Artifact: Sendable, Hashable {
    case data(Data)
    case file(URL)
}

/// What an attempt returns.
///
/// `details` go into the attempt's `step.succeeded` or `step.failed` event, next to the engine's
/// own fields (which win on a clash): what an agent step's call used and cost, which budget refused
/// it.
public enum StepResult: Sendable {
    /// Done: dependents may start. Artifacts are stored content-addressed before the step is recorded.
    case succeeded(output: String, artifacts: [String: Artifact] = [:], details: [String: Value] = [:])
    /// The attempt failed; retried under the step's policy only when `retryable`. The artifacts of
    /// the last attempt are kept with the failed step (what it printed, its record), like a
    /// success's.
    case failed(
        reason: String, retryable: Bool = true, details: [String: Value] = [:], artifacts: [String: Artifact] = [:])
    /// The step waits, durably, for ``WorkflowEngine/resolve(run:step:approved:detail:)`` (an approval).
    case suspended(detail: String? = nil)
}

/// The decision of a `when` condition.
public enum GateDecision: Sendable, Hashable {
    case run, skip
}

/// Decides `when` conditions. The expression language lives elsewhere; the engine only asks.
public protocol StepGate: Sendable {
    /// Whether `step` (whose `when` is `condition`) runs, given its finished needs and the run's
    /// parameters. A thrown error fails the step with the error as reason.
    func evaluate(
        _ condition: String, step: StepSpec, upstream: [String: UpstreamResult], parameters: [String: Value]
    ) throws -> GateDecision
}

/// A gate that runs every step: the default until a condition language is injected.
public struct AlwaysRunGate: StepGate {
    /// The gate.
    public init() {}

    /// Always ``GateDecision/run``.
    public func evaluate(
        _ condition: String, step: StepSpec, upstream: [String: UpstreamResult], parameters: [String: Value]
    ) throws -> GateDecision { .run }
}
