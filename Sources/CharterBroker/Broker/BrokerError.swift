/// A call the broker could not place: no source serves the class, every source stayed saturated
/// until the caller's deadline, the request can never fit a source's limits, or the ledger failed.
/// Provider failures are passed on as the provider's ``CompletionError``; budget refusals are
/// ``BudgetExceededError``.
public struct BrokerError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The class of failure.
    public enum Kind: String, Sendable, Hashable {
        /// No CapacitySource serves the requested class. Not retryable.
        case noSource = "no_source"
        /// Capacity did not free up before the deadline. Retryable later.
        case saturated
        /// The reservation exceeds a limit of every source of the class, so it can never be admitted.
        case tooLarge = "too_large"
        /// The usage ledger could not record the reservation, so nothing was sent (nothing is spent
        /// without a record).
        case ledger
    }

    /// The class of failure.
    public var kind: Kind
    /// What happened.
    public var message: String

    /// An error of `kind`.
    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    /// Whether trying again later may succeed.
    public var isRetryable: Bool { kind == .saturated || kind == .ledger }

    public var description: String { "\(kind.rawValue): \(message)" }
}
