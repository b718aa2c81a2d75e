import CharterModel
import Foundation

/// What the engine needs to start a run: the template's steps, already expanded, and its inputs.
///
/// The id is the run's identity everywhere (store, events, workspace directory, idempotency keys);
/// submitting the same id twice yields the existing run, which is how a scheduler that may fire a
/// tick twice (after a crash) avoids duplicate runs.
public struct RunSpec: Sendable, Hashable {
    /// The run id: letters, digits, `.`, `_` and `-`, at most 200 characters (it names a directory).
    public var id: String
    /// The template the run was made from.
    public var template: String
    /// The routine that fired it, or nil for an on-demand run.
    public var routine: String?
    /// The schedule time of the tick that fired it, if a schedule did.
    public var scheduledAt: Date?
    /// The template arguments.
    public var parameters: [String: Value]
    /// Higher runs first when steps of several runs are ready at once.
    public var priority: Int
    /// The steps in declaration order; the order breaks ties among ready steps of one run.
    public var steps: [StepSpec]

    /// A run spec; see the properties for the meaning of each field.
    public init(
        id: String, template: String, routine: String? = nil, scheduledAt: Date? = nil,
        parameters: [String: Value] = [:], priority: Int = 0, steps: [StepSpec]
    ) {
        self.id = id
        self.template = template
        self.routine = routine
        self.scheduledAt = scheduledAt
        self.parameters = parameters
        self.priority = priority
        self.steps = steps
    }
}

/// One step of a run, as the engine schedules it. What the step does is opaque to the engine: the
/// executor registered for `type` reads `payload`.
public struct StepSpec: Sendable, Hashable {
    /// Unique within the run; letters, digits, `.`, `_` and `-` (it is part of the idempotency key).
    public var name: String
    /// Selects the executor, such as `agent`, `shell` or `approval`.
    public var type: String
    /// Steps that must finish before this one starts.
    public var needs: [String]
    /// Limit of one attempt in milliseconds; nil for none. A timed-out attempt is a retryable failure.
    public var timeoutMilliseconds: Int?
    /// Attempts and backoff between them.
    public var retry: RetryPolicy
    /// When true, this step's failure neither fails the run nor skips its dependents.
    public var continueOnFailure: Bool
    /// A condition for the injected ``StepGate``; nil means always run.
    public var when: String?
    /// Data for the executor (prompt, command, board…).
    public var payload: Value

    /// A step spec; see the properties for the meaning of each field.
    public init(
        name: String, type: String, needs: [String] = [], timeoutMilliseconds: Int? = nil,
        retry: RetryPolicy = RetryPolicy(maxAttempts: 1), continueOnFailure: Bool = false, when: String? = nil,
        payload: Value = .null
    ) {
        self.name = name
        self.type = type
        self.needs = needs
        self.timeoutMilliseconds = timeoutMilliseconds
        self.retry = retry
        self.continueOnFailure = continueOnFailure
        self.when = when
        self.payload = payload
    }

    /// The spec of a template step: its executor-specific fields (role, prompt, run, env, board,
    /// message) go into `payload` under the same names.
    public init(_ step: TemplateStep) {
        var payload: [String: Value] = [:]
        if let role = step.role { payload["role"] = .string(role) }
        if let prompt = step.prompt { payload["prompt"] = .string(prompt) }
        if let run = step.run { payload["run"] = .string(run) }
        if !step.env.isEmpty { payload["env"] = .object(step.env.mapValues { .string($0) }) }
        if !step.network.isEmpty { payload["network"] = .array(step.network.map { .string($0) }) }
        if !step.secrets.isEmpty { payload["secrets"] = .object(step.secrets.mapValues { .string($0) }) }
        if let board = step.board { payload["board"] = .string(board) }
        if let message = step.message { payload["message"] = .string(message) }
        if step.type == .agent {
            payload["maxTurns"] = .int(step.maxTurns)
            payload["maxTokens"] = .int(step.maxTokens)
        }
        self.init(
            name: step.name, type: step.type.rawValue, needs: step.needs, timeoutMilliseconds: step.timeoutMilliseconds,
            retry: step.retry, continueOnFailure: step.continueOnFailure, when: step.when, payload: .object(payload))
    }
}

extension RetryPolicy {
    /// A policy from its numbers (the model's own initializer reads YAML values).
    public init(
        maxAttempts: Int, initialBackoffMilliseconds: Int = 1000, multiplier: Double = 2,
        maxBackoffMilliseconds: Int = 300_000, jitter: Bool = false
    ) {
        self.init(nil)
        self.maxAttempts = maxAttempts
        self.initialBackoffMilliseconds = initialBackoffMilliseconds
        self.multiplier = multiplier
        self.maxBackoffMilliseconds = maxBackoffMilliseconds
        self.jitter = jitter
    }
}

extension StepSpec {
    /// The spec as stored in the step row, so a restarted engine schedules exactly what was submitted.
    var storedValue: Value {
        var v: [String: Value] = [
            "type": .string(type), "needs": .array(needs.map { .string($0) }),
            "retry": [
                "maxAttempts": .int(retry.maxAttempts), "initialBackoffMs": .int(retry.initialBackoffMilliseconds),
                "multiplier": .double(retry.multiplier), "maxBackoffMs": .int(retry.maxBackoffMilliseconds),
                "jitter": .bool(retry.jitter),
            ],
            "continueOnFailure": .bool(continueOnFailure), "payload": payload,
        ]
        if let timeoutMilliseconds { v["timeoutMs"] = .int(timeoutMilliseconds) }
        if let when { v["when"] = .string(when) }
        return .object(v)
    }

    init(name: String, stored v: Value) {
        let r = v["retry"]
        self.init(
            name: name, type: v["type"]?.string ?? "", needs: v["needs"]?.strings ?? [],
            timeoutMilliseconds: v["timeoutMs"]?.int,
            retry: RetryPolicy(
                maxAttempts: r?["maxAttempts"]?.int ?? 1, initialBackoffMilliseconds: r?["initialBackoffMs"]?.int ?? 0,
                multiplier: r?["multiplier"]?.double ?? 1, maxBackoffMilliseconds: r?["maxBackoffMs"]?.int ?? 0,
                jitter: r?["jitter"]?.bool ?? false),
            continueOnFailure: v["continueOnFailure"]?.bool ?? false, when: v["when"]?.string,
            payload: v["payload"] ?? .null)
    }
}

extension RunSpec {
    /// Why the spec cannot run, or nil: bad ids or names, duplicate steps, unknown needs, cycles.
    public func problem() -> String? {
        guard Self.isSafeName(id) else {
            return "run id `\(id)` must be 1–200 letters, digits, `.`, `_` or `-`, and not `.` or `..`"
        }
        var index: [String: Int] = [:]
        for (i, s) in steps.enumerated() {
            guard Self.isSafeName(s.name) else {
                return "step name `\(s.name)` must be letters, digits, `.`, `_` or `-`"
            }
            guard index.updateValue(i, forKey: s.name) == nil else { return "step `\(s.name)` is declared twice" }
        }
        for s in steps {
            for n in s.needs where index[n] == nil { return "step `\(s.name)` needs unknown step `\(n)`" }
            if s.retry.maxAttempts < 1 { return "step `\(s.name)` needs maxAttempts of at least 1" }
        }
        // Kahn's algorithm: whatever is left over sits on a cycle.
        var remaining = steps.map { Set($0.needs).count }
        var dependents = Array(repeating: [Int](), count: steps.count)
        for (i, s) in steps.enumerated() { for n in Set(s.needs) { dependents[index[n]!].append(i) } }
        var queue = remaining.indices.filter { remaining[$0] == 0 }
        var done = 0
        while let i = queue.popLast() {
            done += 1
            for d in dependents[i] {
                remaining[d] -= 1
                if remaining[d] == 0 { queue.append(d) }
            }
        }
        if done < steps.count {
            let stuck = remaining.indices.filter { remaining[$0] > 0 }.map { steps[$0].name }
            return "steps form a cycle: \(stuck.joined(separator: ", "))"
        }
        return nil
    }

    static func isSafeName(_ s: String) -> Bool {
        guard !s.isEmpty, s.utf8.count <= 200, s != ".", s != ".." else { return false }
        return s.utf8.allSatisfy { c in
            (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || c == 0x2E || c == 0x5F
                || c == 0x2D
        }
    }
}
