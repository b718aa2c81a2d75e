import CharterTestSupport
import Foundation
import Logging
import Testing

@testable import CharterServer

/// Idle and slow sockets against a real listening server: the cap, the read deadline and the idle
/// timeout, observed as a client sees them (a closed connection reads end of stream).
@Suite struct ConnectionLimitTests {
    @Test func idleConnectionsBeyondTheCapMakeRoomAndHealthzStillAnswers() async throws {
        // Long timeouts: only the cap closes anything here.
        try await withServer(maximumConnections: 4, readTimeout: .seconds(120), idleTimeout: .seconds(120)) {
            server, port in
            let idle = try (0..<12).map { _ in try RawConnection(port: port) }
            #expect(try await RawConnection.get("/healthz", port: port) == 200)
            // 12 idle connections and the probe through a cap of 4: those that waited longest made
            // room. Whether the probe's slot was taken before or after the last idle one was accepted
            // depends on which event loop ran first, so 3 or 4 idle ones remain — never more than the cap.
            let closed = await waitUntilClosed(idle, count: 8)
            #expect(closed.count >= 8)
            #expect(idle.filter { !$0.isClosedNow }.count <= 4)
            #expect(server.openConnections <= 4)
        }
    }

    @Test func idleConnectionsAreClosedAfterTheReadTimeout() async throws {
        try await withServer(maximumConnections: 4, readTimeout: .milliseconds(500), idleTimeout: .seconds(120)) {
            _, port in
            let idle = try (0..<10).map { _ in try RawConnection(port: port) }
            #expect(try await RawConnection.get("/healthz", port: port) == 200)
            #expect(await waitUntilClosed(idle, count: idle.count).count == idle.count)
        }
    }

    @Test func aDribbledHeadIsClosedAfterTheReadTimeoutWhileItStillSends() async throws {
        try await withServer(readTimeout: .milliseconds(500), idleTimeout: .seconds(120)) { _, port in
            let connection = try RawConnection(port: port)
            connection.send("GET /healthz HTTP/1.1\r\nHost: localhost\r\n")
            var sent = 0
            var response: [UInt8]?
            // One header line every 100 ms: steady traffic, but no end of head.
            while response == nil && sent < 200 {
                connection.send("X-Dribble-\(sent): x\r\n")
                sent += 1
                response = await connection.closedByServer(within: .milliseconds(100))
            }
            #expect(response == [], "closed without an answer")
            #expect(sent > 1 && sent < 200)
        }
    }

    @Test func aDribbledBodyIsClosedAfterTheReadTimeoutWhileItStillSends() async throws {
        try await withServer(readTimeout: .milliseconds(500), idleTimeout: .seconds(120)) { _, port in
            let connection = try RawConnection(port: port)
            connection.send("POST /hooks/git HTTP/1.1\r\nHost: localhost\r\nContent-Length: 1000\r\n\r\n")
            var sent = 0
            var response: [UInt8]?
            // One body byte every 100 ms: each is a body part, so an idle timer alone would never fire.
            while response == nil && sent < 200 {
                connection.send(" ")
                sent += 1
                response = await connection.closedByServer(within: .milliseconds(100))
            }
            #expect(response != nil, "still open")
            #expect(sent > 1 && sent < 200)
        }
    }

    @Test func anIdleKeptAliveConnectionIsClosedAfterTheIdleTimeout() async throws {
        try await withServer(readTimeout: .seconds(120), idleTimeout: .milliseconds(500)) { _, port in
            let connection = try RawConnection(port: port)
            connection.send("GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")
            let response = try #require(await connection.closedByServer())
            #expect(RawConnection.status(of: response) == 200)
            #expect(String(decoding: response, as: UTF8.self).hasSuffix("\r\n\r\nok\n"))
        }
    }

    @Test func atTheCapWithEveryConnectionInARequestANewOneIsClosedAtOnce() async throws {
        try await withServer(maximumConnections: 2, readTimeout: .seconds(120), idleTimeout: .seconds(120)) {
            server, port in
            let busy = try (0..<2).map { _ in try RawConnection(port: port) }
            for connection in busy {
                connection.send("POST /hooks/git HTTP/1.1\r\nHost: localhost\r\nContent-Length: 100\r\n\r\n{")
            }
            try await waitFor { server.limiter.busyCount == 2 }
            let turnedAway = try RawConnection(port: port)
            #expect(await turnedAway.closedByServer() == [])
            #expect(busy.allSatisfy { !$0.isClosedNow })
        }
    }

    @Test func theLimitsMustBePositive() {
        for configuration in [
            WebhookServerConfiguration(port: 0, secret: secret, maximumConnections: 0),
            WebhookServerConfiguration(port: 0, secret: secret, readTimeout: .zero),
            WebhookServerConfiguration(port: 0, secret: secret, idleTimeout: .seconds(-1)),
        ] {
            #expect(throws: WebhookServerError.self) { try WebhookServer(configuration: configuration) }
        }
    }

    /// Runs a server with these limits for `body`, then shuts it down.
    private func withServer(
        maximumConnections: Int = 256, readTimeout: Duration, idleTimeout: Duration,
        _ body: (WebhookServer, Int) async throws -> Void
    ) async throws {
        let server = try WebhookServer(
            configuration: WebhookServerConfiguration(
                port: 0, secret: secret, maximumConnections: maximumConnections, readTimeout: readTimeout,
                idleTimeout: idleTimeout))
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await server.run() }
            let port = try await server.listeningPort()
            do {
                try await body(server, port)
            } catch {
                group.cancelAll()
                throw error
            }
            group.cancelAll()
            try await group.waitForAll()
        }
    }

    /// The connections the server closed, once `count` of them are (or 20 seconds passed).
    private func waitUntilClosed(_ connections: [RawConnection], count: Int) async -> [RawConnection] {
        let deadline = ContinuousClock.now + .seconds(20)
        var closed: [RawConnection] = []
        var open = connections
        while closed.count < count && ContinuousClock.now < deadline {
            guard let first = open.first else { break }
            if await first.closedByServer(within: .milliseconds(50)) != nil {
                closed.append(first)
                open.removeFirst()
            } else {
                open = Array(open.dropFirst()) + [first]
            }
        }
        return closed
    }
}

/// Waits until `condition` holds, for at most 20 seconds.
func waitFor(_ condition: () -> Bool) async throws {
    let deadline = ContinuousClock.now + .seconds(20)
    while !condition() {
        guard ContinuousClock.now < deadline else { throw RawConnectionError("the condition never held") }
        try await Task.sleep(for: .milliseconds(10))
    }
}
