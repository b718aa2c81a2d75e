import Foundation

/// How a ledger row ended.
public enum UsageOutcome: String, Sendable, Hashable, CaseIterable {
    /// The provider answered; usage is the provider's.
    case ok
    /// HTTP 429.
    case rateLimited = "rate_limited"
    /// HTTP 5xx.
    case serverError = "server_error"
    /// The provider did not answer in time; charged at the reservation (the work may be billed).
    case timeout
    /// Connection failure or a stream cut short; charged at the reservation.
    case transport
    /// Credential refused (401/403).
    case authentication
    /// The provider refused the request (other 4xx).
    case invalidRequest = "invalid_request"
    /// The caller went away while the provider was working; charged at the reservation.
    case cancelled
    /// Refused before any source was called: a budget does not fit.
    case budgetExceeded = "budget_exceeded"
    /// Refused before any source was called: capacity did not free up before the deadline.
    case saturated
    /// Refused before any source was called: no source serves the class.
    case noSource = "no_source"
    /// Refused before any source was called: the reservation exceeds every source's limits.
    case tooLarge = "too_large"
    /// A reservation left open by a crash, settled at its estimate when the broker started.
    case reconciled

    /// The outcome of a provider failure.
    init(_ error: CompletionError) {
        switch error.kind {
        case .rateLimited: self = .rateLimited
        case .server: self = .serverError
        case .timeout: self = .timeout
        case .transport: self = .transport
        case .authentication: self = .authentication
        case .invalidRequest: self = .invalidRequest
        }
    }
}

/// One row of the usage ledger: one attempt at one source, or one call refused before any source.
public struct UsageRecord: Sendable, Hashable {
    /// Whether the row is a reservation still open or a settled call.
    public enum State: String, Sendable, Hashable {
        /// Recorded before the provider call; settled after it (or at start-up after a crash).
        case reserved
        /// Final.
        case settled
    }

    /// Row id, increasing with admission.
    public var id: Int64
    /// When the call was admitted (for a refusal: when it was refused).
    public var startedAt: Date
    /// When it settled.
    public var finishedAt: Date?
    /// The budget day it is charged to (`YYYY-MM-DD` in the budgets' time zone).
    public var day: String
    /// The run.
    public var run: String?
    /// The step.
    public var step: String?
    /// The Role charged.
    public var role: String?
    /// The Routine charged.
    public var routine: String?
    /// The agent (Person).
    public var person: String?
    /// The engine's attempt number (``CompletionMetadata/attempt``).
    public var attempt: Int
    /// 0 for the broker's first source of the call, then 1, 2… for each failover.
    public var failover: Int
    /// The CapacitySource; nil when refused before any source.
    public var source: String?
    /// The model that answered (or the source's model).
    public var model: String?
    /// The reservation: estimated input tokens.
    public var reservedInputTokens: Int
    /// The reservation: `maxOutputTokens`.
    public var reservedOutputTokens: Int
    /// The reservation's worst-case cost, micro-USD.
    public var reservedCostMicros: Int64
    /// Tokens used (zero for refusals and provider errors; the reservation when charged at it).
    public var usage: TokenUsage
    /// Cost, micro-USD.
    public var costMicros: Int64
    /// Open or settled.
    public var state: State
    /// How it ended; nil while reserved.
    public var outcome: UsageOutcome?
    /// Whether usage is the reservation rather than the provider's count.
    public var estimated: Bool
    /// The error, redacted, for failed calls.
    public var error: String?
}

/// What `charter cost` groups totals by.
public enum UsageGrouping: String, Sendable, Hashable, CaseIterable {
    /// Per Role (`-` for calls without one).
    case role
    /// Per Routine.
    case routine
    /// Per CapacitySource.
    case source
    /// Per budget day.
    case day
    /// Per model.
    case model
    /// Per run.
    case run
}

/// Totals of ledger rows sharing one key.
public struct UsageTotal: Sendable, Hashable {
    /// The group: a role, routine, source, day, model or run; `-` when the rows have none.
    public var key: String
    /// Attempts sent to a provider.
    public var calls: Int
    /// Attempts that did not end `ok`.
    public var failures: Int
    /// Calls refused before any provider saw them: budget exceeded, saturated until the deadline,
    /// no source for the class, too large for every source.
    public var refused: Int
    /// Tokens summed over the rows.
    public var usage: TokenUsage
    /// Cost, micro-USD.
    public var costMicros: Int64
    /// Rows whose usage is an estimate (charged at the reservation, or still open).
    public var estimated: Int

    /// The cost in USD with six decimals, such as `$0.012345`.
    public var costText: String { TokenPrices.usd(costMicros) }
}
