import CharterMetrics
import Foundation

/// What the broker needs to know about a call beyond the request: the routine charged, the
/// routine's priority in the queue, and how long the step may wait.
public struct BrokerCallContext: Sendable, Hashable {
    /// The Routine whose run makes the call (its budget is charged), if any.
    public var routine: String?
    /// Queue priority: when every source is saturated, higher priorities are served first, then
    /// first come, first served (the Routine's `priority`).
    public var priority: Int
    /// The latest instant the call may wait for capacity or start another failover attempt (the
    /// step's deadline); `nil` uses ``BrokerConfiguration/defaultTimeout`` from the call's start.
    public var deadline: Date?

    /// A context; everything optional.
    public init(routine: String? = nil, priority: Int = 0, deadline: Date? = nil) {
        self.routine = routine
        self.priority = priority
        self.deadline = deadline
    }
}

/// Tuning of a ``CapacityBroker``; the defaults suit a controller talking to hosted APIs.
public struct BrokerConfiguration: Sendable {
    /// The first cooldown ceiling after a retryable failure without `Retry-After`, in seconds.
    public var backoffBase: TimeInterval
    /// The largest cooldown ceiling, in seconds.
    public var backoffCap: TimeInterval
    /// How long a source whose credential was refused is left out, in seconds.
    public var authenticationCooldown: TimeInterval
    /// The most provider attempts one call makes across failovers.
    public var maxAttempts: Int
    /// How long a call without a deadline may wait, in seconds.
    public var defaultTimeout: TimeInterval
    /// Estimated input tokens of a request: by default ``OfflineProvider/estimateTokens(_:)`` of
    /// the rendered input (one token per started 4 bytes). An estimate below the real count lets
    /// that call overshoot a token limit by the difference; the excess is counted at settlement.
    public var estimateInputTokens: @Sendable (CompletionRequest) -> Int
    /// Where calls, tokens, cost, waits and cooldowns are counted.
    public var metrics: CharterMetrics

    /// A configuration; see each property.
    public init(
        backoffBase: TimeInterval = 1, backoffCap: TimeInterval = 60, authenticationCooldown: TimeInterval = 300,
        maxAttempts: Int = 5, defaultTimeout: TimeInterval = 600,
        estimateInputTokens: @escaping @Sendable (CompletionRequest) -> Int = CapacityBroker.defaultInputEstimate,
        metrics: CharterMetrics = .global
    ) {
        self.metrics = metrics
        self.backoffBase = backoffBase
        self.backoffCap = backoffCap
        self.authenticationCooldown = authenticationCooldown
        self.maxAttempts = maxAttempts
        self.defaultTimeout = defaultTimeout
        self.estimateInputTokens = estimateInputTokens
    }
}
