import CharterTestSupport
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import ServiceLifecycle
import Testing

@testable import CharterServer

/// The real network path: a listening socket on loopback, a real HTTP client, and a shutdown by
/// cancellation as the controller's task group will do it.
@Suite struct LiveServerTests {
    @Test func aSignedPushOverTheNetworkTriggersAndCancellationStopsTheServer() async throws {
        // The client opens its connection before it sends; on a machine busy with the whole suite
        // that gap once passed the 10-second read deadline, which its own tests cover.
        let server = try makeServer(readTimeout: .seconds(300))
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await server.run() }
            let port = try await server.listeningPort()
            #expect(port > 0)
            #expect(server.port == port)

            try await TestClient.withClient(host: "127.0.0.1", port: port) { client in
                let accepted = try await client.post(
                    "/hooks/git", headers: Scheme.github.headers(for: pushBody), body: ByteBuffer(bytes: pushBody))
                #expect(accepted.status == .accepted)
                let refused = try await client.post(
                    "/hooks/git", headers: Scheme.github.headers(for: pushBody, key: "wrong"),
                    body: ByteBuffer(bytes: pushBody))
                #expect(refused.status == .unauthorized)
                #expect(try await client.get("/healthz").status == .ok)
            }
            let trigger = await server.triggers.next()
            #expect(trigger?.refs == ["refs/heads/main"])

            group.cancelAll()
            try await group.waitForAll()  // run() returned without an error
        }
        #expect(server.port == nil)
        #expect(await server.triggers.next() == nil)
        #expect(server.readiness.state == .stopping)
    }

    @Test func aGracefulShutdownOfItsServiceGroupMarksItStoppingAndStopsIt() async throws {
        let server = try makeServer()
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: [server], logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            let port = try await server.listeningPort()
            #expect(try await RawConnection.get("/readyz", port: port) == 200)
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
            #expect(throws: RawConnectionError.self) { try RawConnection(port: port) }
        }
        #expect(server.readiness.state == .stopping)
        #expect(server.port == nil)
        #expect(await server.triggers.next() == nil)
    }

    @Test func aPortInUseFailsRunAndListeningPort() async throws {
        let first = try makeServer()
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await first.run() }
            let port = try await first.listeningPort()
            let second = try WebhookServer(configuration: WebhookServerConfiguration(port: port, secret: secret))
            await #expect(throws: (any Error).self) { try await second.run() }
            await #expect(throws: WebhookServerError.self) { try await second.listeningPort() }
            group.cancelAll()
            try await group.waitForAll()
        }
    }
}
