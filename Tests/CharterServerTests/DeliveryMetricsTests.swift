import CharterMetrics
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import MetricsTestKit
import Testing

@testable import CharterServer

/// Each delivery is counted once, accepted or refused with a reason from a fixed set (never the
/// sender's text), into the metrics the server was given.
@Suite struct DeliveryMetricsTests {
    func deliveries(_ factory: TestMetrics, _ result: String, _ reason: String) -> Int64 {
        factory.counterTotal(label: MetricName.webhookDeliveries, dimensions: [("result", result), ("reason", reason)])
    }

    @Test func acceptedAndRefusedDeliveriesAreCountedByReason() async throws {
        let factory = TestMetrics()
        let server = try makeServer(maximumBodyBytes: 256, metrics: CharterMetrics(factory: factory))
        try await Application(router: server.makeRouter()).test(.router) { client in
            let signed = try await client.execute(
                uri: "/hooks/git", method: .post, headers: Scheme.github.headers(for: pushBody),
                body: ByteBuffer(bytes: pushBody))
            #expect(signed.status == .accepted)
            let forged = try await client.execute(
                uri: "/hooks/git", method: .post, headers: Scheme.github.headers(for: pushBody, key: "wrong-secret"),
                body: ByteBuffer(bytes: pushBody))
            #expect(forged.status == .unauthorized)
            let large = Array(repeating: UInt8(ascii: "x"), count: 1024)
            let tooLarge = try await client.execute(
                uri: "/hooks/git", method: .post, headers: Scheme.github.headers(for: large),
                body: ByteBuffer(bytes: large))
            #expect(tooLarge.status == .contentTooLarge)
        }
        #expect(deliveries(factory, "accepted", "push") == 1)
        #expect(deliveries(factory, "refused", "unauthenticated") == 1)
        #expect(deliveries(factory, "refused", "body_too_large") == 1)
        #expect(factory.counters.count == 3, "nothing else was counted")
    }

    @Test func aServerWithoutWebhooksCountsTheRefusal() async throws {
        let factory = TestMetrics()
        var configuration = WebhookServerConfiguration(port: 0, secret: nil, allowUnauthenticated: false)
        configuration.acceptsWebhooks = false
        let server = try WebhookServer(configuration: configuration, metrics: CharterMetrics(factory: factory))
        try await Application(router: server.makeRouter()).test(.router) { client in
            let response = try await client.execute(uri: "/hooks/git", method: .post, body: ByteBuffer(string: "{}"))
            #expect(response.status == .notFound)
        }
        #expect(deliveries(factory, "refused", "not_configured") == 1)
    }
}
