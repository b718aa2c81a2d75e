import CharterFoundation
import CharterMetrics
import CharterPrometheus
import CharterServer
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// `GET /metrics` through the router the controller's server builds: who may read it, what it
/// answers, and that scrape-time gauges are refreshed on every scrape.
@Suite struct MetricsRouteTests {
    static let readToken = "read-token-0123456789abcdef"
    static let operatorToken = "operator-token-0123456789abcdef"

    func app(_ routes: MetricsRoutes) -> some ApplicationProtocol {
        let router = Router()
        routes.register(on: router)
        return Application(router: router)
    }

    @Test func loopbackReadsWithoutAToken() async throws {
        let exporter = MetricsExporter()
        exporter.metrics.reconcilePass(.success, duration: .seconds(1), endedAt: 1)
        let routes = MetricsRoutes(exporter: exporter, access: APIAccess(host: "127.0.0.1", tokens: []))
        try await app(routes).test(.router) { client in
            let response = try await client.execute(uri: "/metrics", method: .get)
            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == MetricsRoutes.contentType)
            #expect(String(buffer: response.body).contains(#"charter_reconcile_passes_total{result="success"} 1"#))
        }
    }

    @Test func elsewhereATokenOfReadScopeIsNeeded() async throws {
        let access = APIAccess(
            host: "0.0.0.0", tokens: [(Self.readToken, .read), (Self.operatorToken, .operator)])
        let routes = MetricsRoutes(exporter: MetricsExporter(), access: access)
        try await app(routes).test(.router) { client in
            let anonymous = try await client.execute(uri: "/metrics", method: .get)
            #expect(anonymous.status == .unauthorized)
            #expect(anonymous.headers[.wwwAuthenticate] == "Bearer")
            #expect(!String(buffer: anonymous.body).contains("charter_"))

            let wrong = try await client.execute(
                uri: "/metrics", method: .get, headers: [.authorization: "Bearer not-the-token-at-all"])
            #expect(wrong.status == .unauthorized)

            for token in [Self.readToken, Self.operatorToken] {
                let allowed = try await client.execute(
                    uri: "/metrics", method: .get, headers: [.authorization: "Bearer \(token)"])
                #expect(allowed.status == .ok)
                #expect(String(buffer: allowed.body).contains("# TYPE charter_reconcile_passes_total counter"))
            }
        }
    }

    @Test func everyScrapeRefreshesTheStateGauges() async throws {
        let scrapes = Locked(0)
        let routes = MetricsRoutes(exporter: MetricsExporter(), access: APIAccess(host: "::1", tokens: [])) {
            metrics in
            let n = scrapes.withLock {
                $0 += 1
                return $0
            }
            metrics.proposals(["open": n], states: ["open"])
        }
        try await app(routes).test(.router) { client in
            let first = try await client.execute(uri: "/metrics", method: .get)
            #expect(String(buffer: first.body).contains(#"charter_proposals{state="open"} 1"#))
            let second = try await client.execute(uri: "/metrics", method: .get)
            #expect(String(buffer: second.body).contains(#"charter_proposals{state="open"} 2"#))
        }
    }
}
