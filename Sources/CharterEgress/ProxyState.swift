import Foundation
import NIOConcurrencyHelpers
import NIOCore

/// What the proxy's connections share, behind one lock: the open channels (so `stop` can close
/// them), the slot counts, and the log.
final class ProxyState: Sendable {
    /// What an accepted connection may do.
    enum Admission: Sendable {
        /// It holds one of the tunnel slots.
        case tunnel
        /// Every slot is taken: it is answered 503 once it has sent its request.
        case overflow
        /// The proxy is stopping, or even the overflow is full: close it at once.
        case refused
    }

    private struct Inner {
        var stopped = false
        var tunnels = 0
        var overflow = 0
        var channels: [ObjectIdentifier: any Channel] = [:]
        var log = EgressLog()
        var lookups = 0
    }

    private let inner = NIOLockedValueBox(Inner())
    private let maximumTunnels: Int
    private let maximumLogEntries: Int

    init(maximumTunnels: Int, maximumLogEntries: Int) {
        self.maximumTunnels = maximumTunnels
        self.maximumLogEntries = maximumLogEntries
    }

    /// Admits an accepted connection and tracks it until it closes.
    func admit(_ channel: any Channel) -> Admission {
        let admission = inner.withLockedValue { state -> Admission in
            if state.stopped { return .refused }
            if state.tunnels < maximumTunnels {
                state.tunnels += 1
                state.channels[ObjectIdentifier(channel)] = channel
                return .tunnel
            }
            // Waiting for a 503 costs a head buffer too, so the overflow is bounded as well.
            guard state.overflow < maximumTunnels else { return .refused }
            state.overflow += 1
            state.channels[ObjectIdentifier(channel)] = channel
            return .overflow
        }
        guard admission != .refused else { return admission }
        channel.closeFuture.whenComplete { _ in
            self.inner.withLockedValue { state in
                state.channels[ObjectIdentifier(channel)] = nil
                if admission == .tunnel { state.tunnels -= 1 } else { state.overflow -= 1 }
            }
        }
        return admission
    }

    /// Tracks an outgoing connection until it closes; false when the proxy is stopping and it
    /// must be closed.
    func track(_ channel: any Channel) -> Bool {
        let tracked = inner.withLockedValue { state -> Bool in
            guard !state.stopped else { return false }
            state.channels[ObjectIdentifier(channel)] = channel
            return true
        }
        guard tracked else { return false }
        channel.closeFuture.whenComplete { _ in
            self.inner.withLockedValue { state in _ = state.channels.removeValue(forKey: ObjectIdentifier(channel)) }
        }
        return true
    }

    /// Takes one of `limit` lookup slots; false when all are in use.
    func beginLookup(limit: Int) -> Bool {
        inner.withLockedValue { state in
            guard state.lookups < limit else { return false }
            state.lookups += 1
            return true
        }
    }

    /// Gives a lookup slot back, once the resolver's thread is free again.
    func endLookup() {
        inner.withLockedValue { $0.lookups -= 1 }
    }

    /// Adds an entry; its index for ``count(entry:up:down:)``, or nil when the log is full.
    func record(_ entry: EgressLogEntry) -> Int? {
        inner.withLockedValue { state in
            guard state.log.entries.count < maximumLogEntries else {
                state.log.omitted += 1
                return nil
            }
            state.log.entries.append(entry)
            return state.log.entries.count - 1
        }
    }

    /// Adds bytes a tunnel carried to its entry.
    func count(entry index: Int, up: Int, down: Int) {
        inner.withLockedValue { state in
            state.log.entries[index].bytesUp += up
            state.log.entries[index].bytesDown += down
        }
    }

    var log: EgressLog { inner.withLockedValue { $0.log } }

    var isStopped: Bool { inner.withLockedValue { $0.stopped } }

    /// Marks the proxy stopped; the channels to close, or nil when it already was.
    func stop() -> [any Channel]? {
        inner.withLockedValue { state in
            guard !state.stopped else { return nil }
            state.stopped = true
            return Array(state.channels.values)
        }
    }
}
