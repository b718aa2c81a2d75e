import Logging
import NIOConcurrencyHelpers

/// Caps the server's open connections so that a flood of sockets cannot take the descriptors the
/// controller needs for its own work (git, SQLite, sandboxes).
///
/// At the cap, a new connection takes the place of the connection that has waited longest without
/// a request in progress (one that never sent a complete request, or an idle keep-alive one), which
/// is closed; when every connection is in the middle of a request, the new one is closed at once.
/// So idle sockets can never lock out a probe or a delivery, and the count never passes the cap.
/// (Hummingbird's `MaximumAvailableConnections` stops accepting instead: new connections, probes
/// included, then wait in the kernel's backlog behind the idle ones until those time out.)
final class ConnectionLimiter: Sendable {
    /// What ``admit(_:close:)`` did with a new connection.
    enum Admission: Equatable, Sendable {
        /// Below the cap.
        case admitted
        /// At the cap: the longest-waiting connection without a request in progress was closed.
        case admittedClosingIdle
        /// At the cap with every connection in a request: the new one must be closed.
        case refused
    }

    private struct Connection {
        var close: @Sendable () -> Void
        /// A request's head has arrived and its response is not complete.
        var busy = false
        /// When it last became idle, in admissions and state changes: lower waited longer.
        var idleSince: UInt64
    }

    private struct State {
        var connections: [ObjectIdentifier: Connection] = [:]
        var clock: UInt64 = 0
        /// Set when the cap first turns a connection away; cleared once half the cap is free.
        var saturated = false
    }

    /// The most connections open at once.
    let maximum: Int
    private let logger: Logger
    private let state = NIOLockedValueBox(State())

    init(maximum: Int, logger: Logger) {
        precondition(maximum > 0, "the connection cap must be positive")
        self.maximum = maximum
        self.logger = logger
    }

    /// How many connections are open.
    var count: Int { state.withLockedValue { $0.connections.count } }

    /// How many of them are in a request.
    var busyCount: Int { state.withLockedValue { $0.connections.values.filter(\.busy).count } }

    /// Registers a new connection, closing an idle one to make room at the cap. A refused
    /// connection is not registered; the caller closes it.
    /// - Parameters:
    ///   - id: the connection's identity (its channel's).
    ///   - close: closes the connection; called without the lock held, from any thread.
    func admit(_ id: ObjectIdentifier, close: @escaping @Sendable () -> Void) -> Admission {
        let (admission, victim, startsSaturation) = state.withLockedValue {
            state -> (Admission, (@Sendable () -> Void)?, Bool) in
            state.clock += 1
            let newcomer = Connection(close: close, idleSince: state.clock)
            guard state.connections.count >= maximum else {
                state.connections[id] = newcomer
                return (.admitted, nil, false)
            }
            let startsSaturation = !state.saturated
            state.saturated = true
            let idle = state.connections.filter { !$0.value.busy }
            guard let oldest = idle.min(by: { $0.value.idleSince < $1.value.idleSince }) else {
                return (.refused, nil, startsSaturation)
            }
            state.connections[oldest.key] = nil
            state.connections[id] = newcomer
            return (.admittedClosingIdle, oldest.value.close, startsSaturation)
        }
        victim?()
        if startsSaturation {
            logger.warning(
                "webhook server at its connection limit: closing idle connections to make room",
                metadata: ["limit": "\(maximum)"])
        }
        return admission
    }

    /// A request's head arrived on `id`: it is not closed to make room until its response is sent.
    func requestStarted(_ id: ObjectIdentifier) {
        state.withLockedValue { $0.connections[id]?.busy = true }
    }

    /// The response on `id` is complete: it is idle again, the newest idle connection.
    func requestFinished(_ id: ObjectIdentifier) {
        state.withLockedValue { state in
            guard state.connections[id] != nil else { return }
            state.clock += 1
            state.connections[id]?.busy = false
            state.connections[id]?.idleSince = state.clock
        }
    }

    /// `id` closed: its place is free.
    func closed(_ id: ObjectIdentifier) {
        state.withLockedValue { state in
            state.connections[id] = nil
            if state.connections.count <= maximum / 2 { state.saturated = false }
        }
    }
}
