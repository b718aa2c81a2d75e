/// A typed template parameter.
public struct TemplateParameter: Sendable, Hashable {
    public enum ParameterType: String, Sendable { case string, int, bool, `enum`, list }
    public var name: String
    public var type: ParameterType
    public var description: String?
    public var required: Bool
    public var defaultValue: Value?
    public var pattern: String?
    public var values: [String]

    public init(_ v: Value) {
        name = v["name"]?.string ?? ""
        type = ParameterType(rawValue: v["type"]?.string ?? "string") ?? .string
        description = v["description"]?.string
        required = v["required"]?.bool ?? false
        defaultValue = v["default"]
        pattern = v["pattern"]?.string
        values = v["values"]?.strings ?? []
    }

    /// Why `value` does not fit this parameter, or nil when it does.
    public func problem(with value: Value) -> String? {
        problem(with: value, pattern: pattern.flatMap { try? ParameterPattern($0) })
    }

    /// Why `value` does not fit this parameter, with `pattern` already compiled (callers checking
    /// many values compile each pattern once). `compiled` is nil when the pattern does not compile,
    /// which is reported on the template itself; then no value is checked against it.
    public func problem(with value: Value, pattern compiled: ParameterPattern?) -> String? {
        switch type {
        case .string:
            guard let s = value.string else { return "expected a string, found a \(value.typeName)" }
            return patternProblem(s, compiled)
        case .int:
            if value.int == nil { return "expected an integer, found a \(value.typeName)" }
        case .bool:
            if value.bool == nil { return "expected true or false, found a \(value.typeName)" }
        case .enum:
            guard let s = value.string else {
                return "expected one of \(values.joined(separator: ", ")), found a \(value.typeName)"
            }
            if !values.contains(s) {
                let list = values.map { "`\($0)`" }.joined(separator: ", ")
                return "`\(Excerpt.cut(s))` is not one of \(Excerpt.cut(list, limit: 2 * Excerpt.valueLimit))"
            }
        case .list:
            guard value.array != nil else { return "expected a list, found a \(value.typeName)" }
            return refusedListItems(in: value, pattern: compiled).first?.problem
        }
        return nil
    }

    /// Why the string `s` does not match this parameter's pattern (compiled as `compiled`), or nil.
    func patternProblem(_ s: String, _ compiled: ParameterPattern?) -> String? {
        guard let pattern, let compiled, !compiled.matches(s) else { return nil }
        if s.utf8.count > ParameterPattern.maxInputLength, s.unicodeScalars.count > ParameterPattern.maxInputLength {
            return "the value is longer than \(ParameterPattern.maxInputLength) characters"
        }
        return "`\(Excerpt.cut(s))` does not match the pattern `\(pattern)`"
    }

    /// Each element of `value` that this `list` parameter cannot hold (a list holds strings only,
    /// each matching the pattern when there is one), with why; empty for other types and fitting
    /// lists. A diagnostic points at each.
    public func refusedListItems(
        in value: Value, pattern compiled: ParameterPattern?
    ) -> [(index: Int, problem: String)] {
        guard type == .list, let items = value.array else { return [] }
        return items.enumerated().compactMap { index, item in
            guard let s = item.string else { return (index, Self.listItemProblem(name, index, item)) }
            return patternProblem(s, compiled).map { (index, "element \(index) (`\(name)[\(index)]`): \($0)") }
        }
    }

    /// The fields that mean something for this parameter's type only, set on a parameter of another
    /// type (where they would do nothing), with the types they belong to.
    public var fieldsForOtherTypes: [(field: String, types: String)] {
        var fields: [(String, String)] = []
        if pattern != nil, type != .string, type != .list { fields.append(("pattern", "`string` and `list`")) }
        if !values.isEmpty, type != .enum { fields.append(("values", "`enum`")) }
        return fields
    }

    /// What is wrong with element `index` of list parameter `name`, which is `item`.
    static func listItemProblem(_ name: String, _ index: Int, _ item: Value) -> String {
        let type = item.typeName
        let found = item == .null ? "null" : ("aeiou".contains(type.first ?? "x") ? "an " : "a ") + type
        return "element \(index) (`\(name)[\(index)]`) is \(found); a list holds strings only"
    }
}

/// Retry policy of a step.
public struct RetryPolicy: Sendable, Hashable {
    public var maxAttempts: Int
    public var initialBackoffMilliseconds: Int
    public var multiplier: Double
    public var maxBackoffMilliseconds: Int
    public var jitter: Bool

    public init(_ v: Value?) {
        maxAttempts = v?["maxAttempts"]?.int ?? 1
        // Durations are clamped: an applied state from before the schema bounded them may hold any value.
        initialBackoffMilliseconds = DurationRange.retryBackoff.clamp(
            DurationText.parse(v?["initialBackoff"]?.string ?? "1s") ?? 1000)
        multiplier = v?["multiplier"]?.double ?? 2
        maxBackoffMilliseconds = DurationRange.retryBackoff.clamp(
            DurationText.parse(v?["maxBackoff"]?.string ?? "5m") ?? 300_000)
        jitter = v?["jitter"]?.bool ?? true
    }
}

/// One step of a template.
public struct TemplateStep: Sendable, Hashable {
    public enum StepType: String, Sendable { case agent, shell, approval }
    public var name: String
    public var type: StepType
    public var needs: [String]
    public var when: String?
    public var timeoutMilliseconds: Int
    public var retry: RetryPolicy
    public var continueOnFailure: Bool
    public var role: String?
    public var prompt: String?
    public var run: String?
    public var env: [String: String]
    /// `host:port` patterns a shell step needs to reach (``NetworkRule`` text); a Policy must allow them too.
    public var network: [String]
    /// Secrets a shell step asks for: environment variable name → secret name.
    public var secrets: [String: String]
    public var board: String?
    public var message: String?
    /// The most model turns of an agent step's tool loop.
    public var maxTurns: Int
    /// The most tokens an agent step's loop may use, all turns together.
    public var maxTokens: Int

    /// Turns of an agent loop when the step says nothing.
    public static let defaultMaxTurns = 20
    /// The largest `maxTurns` accepted.
    public static let maxTurnsLimit = 500
    /// Tokens of an agent loop when the step says nothing.
    public static let defaultMaxTokens = 200_000
    /// The largest `maxTokens` accepted.
    public static let maxTokensLimit = 50_000_000

    public init(_ v: Value) {
        name = v["name"]?.string ?? ""
        type = StepType(rawValue: v["type"]?.string ?? "agent") ?? .agent
        needs = v["needs"]?.strings ?? []
        when = v["when"]?.string
        timeoutMilliseconds = DurationRange.stepTimeout.clamp(
            DurationText.parse(v["timeout"]?.string ?? "10m") ?? 600_000)
        retry = RetryPolicy(v["retry"])
        continueOnFailure = v["continueOnFailure"]?.bool ?? false
        role = v["role"]?.string
        prompt = v["prompt"]?.string
        run = v["run"]?.string
        env = v["env"]?.stringMap ?? [:]
        network = v["network"]?.strings ?? []
        secrets = v["secrets"]?.stringMap ?? [:]
        board = v["board"]?.string
        message = v["message"]?.string
        maxTurns = min(max(1, v["maxTurns"]?.int ?? Self.defaultMaxTurns), Self.maxTurnsLimit)
        maxTokens = min(max(1, v["maxTokens"]?.int ?? Self.defaultMaxTokens), Self.maxTokensLimit)
    }
}

/// A parameterized workflow.
public struct Template: Sendable, Hashable {
    public var name: String
    public var description: String?
    public var parameters: [TemplateParameter]
    public var steps: [TemplateStep]

    public init(name: String, spec s: Value) {
        self.name = name
        description = s["description"]?.string
        parameters = (s["parameters"]?.array ?? []).map(TemplateParameter.init)
        steps = (s["steps"]?.array ?? []).map(TemplateStep.init)
    }
}

/// A template on a cron schedule.
public struct Routine: Sendable, Hashable {
    public enum ConcurrencyPolicy: String, Sendable { case allow, forbid, replace }
    public var name: String
    public var description: String?
    public var schedule: String
    /// The routine's own zone; nil means the Organization's.
    public var timeZone: String?
    public var template: String
    public var arguments: [String: Value]
    public var enabled: Bool
    public var concurrencyPolicy: ConcurrencyPolicy
    public var startingDeadlineMilliseconds: Int?
    public var priority: Int
    /// Daily limits on what this routine's agent steps spend, over all its runs.
    public var budget: Budget?

    public init(name: String, spec s: Value) {
        self.name = name
        description = s["description"]?.string
        schedule = s["schedule"]?.string ?? ""
        budget = Budget(s["budget"])
        timeZone = s["timeZone"]?.string
        template = s["template"]?.string ?? ""
        arguments = s["arguments"]?.object ?? [:]
        enabled = s["enabled"]?.bool ?? true
        concurrencyPolicy = ConcurrencyPolicy(rawValue: s["concurrencyPolicy"]?.string ?? "allow") ?? .allow
        startingDeadlineMilliseconds = s["startingDeadline"]?.string.flatMap(DurationText.parse).map(
            DurationRange.startingDeadline.clamp)
        priority = s["priority"]?.int ?? 0
    }
}

/// An LLM endpoint with limits and prices.
public struct CapacitySource: Sendable, Hashable {
    public enum Provider: String, Sendable { case openai, anthropic, offline }
    /// Where the API key is found; never the key itself.
    public enum Credential: Sendable, Hashable {
        case environment(String)
        case file(String)
    }
    public var name: String
    public var provider: Provider
    public var capacityClass: String
    public var endpoint: String?
    public var model: String
    public var credential: Credential?
    public var requestsPerMinute: Int?
    public var tokensPerMinute: Int?
    public var requestsPerDay: Int?
    public var tokensPerDay: Int?
    public var concurrentRequests: Int?
    public var priority: Int
    public var inputPerMillion: Double
    public var outputPerMillion: Double
    public var cachedInputPerMillion: Double

    public init(name: String, spec s: Value) {
        self.name = name
        provider = Provider(rawValue: s["provider"]?.string ?? "offline") ?? .offline
        capacityClass = s["class"]?.string ?? ""
        endpoint = s["endpoint"]?.string
        model = s["model"]?.string ?? "offline"
        if let env = s["credential"]?["env"]?.string {
            credential = .environment(env)
        } else if let file = s["credential"]?["file"]?.string {
            credential = .file(file)
        }
        let l = s["limits"]
        requestsPerMinute = l?["requestsPerMinute"]?.int
        tokensPerMinute = l?["tokensPerMinute"]?.int
        requestsPerDay = l?["requestsPerDay"]?.int
        tokensPerDay = l?["tokensPerDay"]?.int
        concurrentRequests = l?["concurrentRequests"]?.int
        priority = s["priority"]?.int ?? 0
        inputPerMillion = s["pricing"]?["inputPerMillion"]?.double ?? 0
        outputPerMillion = s["pricing"]?["outputPerMillion"]?.double ?? 0
        cachedInputPerMillion = s["pricing"]?["cachedInputPerMillion"]?.double ?? 0
    }
}
