import CharterMetrics
import CharterServer
import Hummingbird

/// `GET /metrics` on the controller's HTTP server: the Prometheus text exposition.
///
/// Reading needs what every read does (``APIAccess``): nothing on a loopback listener, a read or
/// operator token elsewhere. Before each scrape, `refresh` records the gauges that reflect stored
/// state (proposals, runs and steps by state, the engine's and broker's load, budgets), so they
/// are right after a crash or a restart instead of being kept up by hand.
public struct MetricsRoutes: HTTPRoutes {
    /// The exposition's content type (the text format, version 0.0.4).
    public static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    let exporter: MetricsExporter
    let access: APIAccess
    let refresh: @Sendable (CharterMetrics) async -> Void

    /// `/metrics` for `exporter`, allowed by `access`; `refresh` records scrape-time gauges into
    /// the metrics it is given.
    public init(
        exporter: MetricsExporter, access: APIAccess,
        refresh: @escaping @Sendable (CharterMetrics) async -> Void = { _ in }
    ) {
        self.exporter = exporter
        self.access = access
        self.refresh = refresh
    }

    public func register(on router: Router<BasicRequestContext>) {
        router.get("/metrics") { request, _ in await self.scrape(request) }
    }

    func scrape(_ request: Request) async -> Response {
        if let refusal = access.check(request.headers, needs: .read) {
            var headers: HTTPFields = [.contentType: "text/plain; charset=utf-8"]
            if refusal.status == .unauthorized { headers[.wwwAuthenticate] = "Bearer" }
            return Response(
                status: refusal.status, headers: headers,
                body: ResponseBody(byteBuffer: ByteBuffer(string: refusal.message + "\n")))
        }
        await refresh(exporter.metrics)
        return Response(
            status: .ok, headers: [.contentType: Self.contentType],
            body: ResponseBody(byteBuffer: ByteBuffer(string: exporter.exposition())))
    }
}
