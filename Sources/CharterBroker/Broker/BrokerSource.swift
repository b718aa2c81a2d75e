import CharterModel

/// One CapacitySource the broker may send calls to: its declaration (class, limits, priority,
/// prices) and the provider that talks to it.
public struct BrokerSource: Sendable {
    /// The declaration from the repository.
    public var source: CapacitySource
    /// The provider for `source` (OpenAI, Anthropic, offline, or a test double).
    public var provider: any CompletionProvider

    /// Pairs a declaration with its provider.
    public init(_ source: CapacitySource, provider: any CompletionProvider) {
        self.source = source
        self.provider = provider
    }

    /// The source's name, as in ledger rows and errors.
    public var name: String { source.name }
}

extension CapacitySource {
    /// A source built in code rather than parsed from YAML: for tests, benchmarks and defaults.
    public static func make(
        name: String, capacityClass: String, model: String = "offline", priority: Int = 0,
        requestsPerMinute: Int? = nil, tokensPerMinute: Int? = nil, requestsPerDay: Int? = nil,
        tokensPerDay: Int? = nil, concurrentRequests: Int? = nil, inputPerMillion: Double = 0,
        outputPerMillion: Double = 0, cachedInputPerMillion: Double = 0
    ) -> CapacitySource {
        var s = CapacitySource(name: name, spec: .object([:]))
        s.capacityClass = capacityClass
        s.model = model
        s.priority = priority
        s.requestsPerMinute = requestsPerMinute
        s.tokensPerMinute = tokensPerMinute
        s.requestsPerDay = requestsPerDay
        s.tokensPerDay = tokensPerDay
        s.concurrentRequests = concurrentRequests
        s.inputPerMillion = inputPerMillion
        s.outputPerMillion = outputPerMillion
        s.cachedInputPerMillion = cachedInputPerMillion
        return s
    }
}
