import NIOConcurrencyHelpers

/// What `GET /readyz` answers: 503 while starting, 200 once ready, 503 again from the moment a
/// shutdown begins. It only moves forward: starting → ready → stopping.
public final class Readiness: Sendable {
    /// Where the process is in its life.
    public enum State: Int, Sendable, Comparable {
        /// Not ready yet (the controller's first pass has not completed).
        case starting
        /// Ready.
        case ready
        /// Shutting down; never ready again.
        case stopping

        public static func < (lhs: State, rhs: State) -> Bool { lhs.rawValue < rhs.rawValue }
    }

    private let current: NIOLockedValueBox<State>

    /// A readiness in `state`.
    public init(_ state: State = .starting) {
        current = NIOLockedValueBox(state)
    }

    /// The current state.
    public var state: State { current.withLockedValue { $0 } }

    /// Whether `GET /readyz` answers 200.
    public var isReady: Bool { state == .ready }

    /// Starting → ready; no effect once stopping.
    public func markReady() { advance(to: .ready) }

    /// Any state → stopping.
    public func markStopping() { advance(to: .stopping) }

    private func advance(to next: State) {
        current.withLockedValue { if $0 < next { $0 = next } }
    }
}
