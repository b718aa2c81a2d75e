import Logging
import NIOConcurrencyHelpers
import Testing

@testable import CharterServer

/// The cap's bookkeeping, without sockets: who makes room for a new connection, and when none can.
@Suite struct ConnectionLimiterTests {
    /// Stand-ins for channels: an identity and a record of being closed.
    final class Connection: Sendable {
        let closed = NIOLockedValueBox(false)
        var id: ObjectIdentifier { ObjectIdentifier(self) }
        var isClosed: Bool { closed.withLockedValue { $0 } }
        func admit(to limiter: ConnectionLimiter) -> ConnectionLimiter.Admission {
            limiter.admit(id) { self.closed.withLockedValue { $0 = true } }
        }
    }

    let recorder = LogRecorder()

    func limiter(_ maximum: Int) -> ConnectionLimiter { ConnectionLimiter(maximum: maximum, logger: recorder.logger) }

    @Test func belowTheCapEveryConnectionIsAdmitted() {
        let limiter = limiter(3)
        let connections = (0..<3).map { _ in Connection() }
        #expect(connections.map { $0.admit(to: limiter) } == [.admitted, .admitted, .admitted])
        #expect(limiter.count == 3)
        #expect(connections.allSatisfy { !$0.isClosed })
        #expect(recorder.text.isEmpty)
    }

    @Test func atTheCapTheLongestIdleConnectionMakesRoom() {
        let limiter = limiter(2)
        let (first, second, third) = (Connection(), Connection(), Connection())
        _ = first.admit(to: limiter)
        _ = second.admit(to: limiter)
        #expect(third.admit(to: limiter) == .admittedClosingIdle)
        #expect(first.isClosed && !second.isClosed && !third.isClosed)
        #expect(limiter.count == 2)
        #expect(recorder.text.contains("warning webhook server at its connection limit"))
    }

    @Test func aConnectionInARequestNeverMakesRoom() {
        let limiter = limiter(2)
        let (first, second, third, fourth) = (Connection(), Connection(), Connection(), Connection())
        _ = first.admit(to: limiter)
        _ = second.admit(to: limiter)
        limiter.requestStarted(first.id)
        // The older connection is busy: the younger idle one is closed instead.
        #expect(third.admit(to: limiter) == .admittedClosingIdle)
        #expect(!first.isClosed && second.isClosed)
        limiter.requestStarted(third.id)
        // Every connection is in a request: the newcomer is turned away and nothing else closes.
        #expect(fourth.admit(to: limiter) == .refused)
        #expect(!first.isClosed && !third.isClosed)
        #expect(limiter.count == 2)
        #expect(limiter.busyCount == 2)
    }

    @Test func aFinishedRequestMakesItsConnectionTheNewestIdleOne() {
        let limiter = limiter(2)
        let (first, second, third) = (Connection(), Connection(), Connection())
        _ = first.admit(to: limiter)
        _ = second.admit(to: limiter)
        limiter.requestStarted(first.id)
        limiter.requestFinished(first.id)
        #expect(third.admit(to: limiter) == .admittedClosingIdle)
        #expect(second.isClosed && !first.isClosed)
    }

    @Test func aClosedConnectionFreesItsPlace() {
        let limiter = limiter(1)
        let (first, second) = (Connection(), Connection())
        _ = first.admit(to: limiter)
        limiter.requestStarted(first.id)
        limiter.closed(first.id)
        #expect(limiter.count == 0)
        #expect(second.admit(to: limiter) == .admitted)
    }

    @Test func theLimitIsReportedOncePerEpisode() {
        let limiter = limiter(2)
        let connections = (0..<6).map { _ in Connection() }
        for connection in connections { _ = connection.admit(to: limiter) }
        #expect(recorder.text.components(separatedBy: "connection limit").count == 2)
        // Down to half the cap: the next time the cap is reached is reported again.
        for connection in connections { limiter.closed(connection.id) }
        for connection in (0..<3).map({ _ in Connection() }) { _ = connection.admit(to: limiter) }
        #expect(recorder.text.components(separatedBy: "connection limit").count == 3)
    }
}
