import Hummingbird
import Logging

extension WebhookServer {
    /// The routes, for running in ``run()`` or for in-process tests
    /// (`Application(router: server.makeRouter()).test(.router) { … }`).
    ///
    /// - `POST /hooks/git`: 202 and a trigger for a verified delivery; 200 without a trigger for a
    ///   `ping`; 401 with a short reason for a missing or wrong signature; 413 for a body over the limit.
    /// - `GET /healthz`: 200 `ok` while the process serves.
    /// - `GET /readyz`: 200 while ``readiness`` is ready, else 503 (starting, or shutting down).
    ///
    /// Once a shutdown began, `POST /hooks/git` answers 503: no pass would follow, and the forge
    /// shows the delivery as failed.
    public func makeRouter() -> Router<BasicRequestContext> {
        let router = Router()
        router.post("/hooks/git") { request, _ in
            guard self.configuration.acceptsWebhooks else {
                self.metrics.webhookRefused(.notConfigured)
                return Response.text(.notFound, "webhooks are not configured on this server (--webhook-secret-env)")
            }
            return await self.receive(request)
        }
        router.get("/healthz") { _, _ in Response.text(.ok, "ok") }
        router.get("/readyz") { _, _ in
            self.readiness.isReady ? Response.text(.ok, "ready") : Response.text(.serviceUnavailable, "not ready")
        }
        for extra in routes { extra.register(on: router) }
        return router
    }

    func receive(_ request: Request) async -> Response {
        guard readiness.state != .stopping else {
            logger.notice("webhook refused", metadata: ["reason": "shutting down"])
            metrics.webhookRefused(.shuttingDown)
            return .text(.serviceUnavailable, "shutting down")
        }
        let declared = request.headers[.contentLength].flatMap { Int($0) }
        guard
            let body = await Self.collect(request.body, declaredLength: declared, limit: configuration.maximumBodyBytes)
        else {
            logger.warning("webhook refused", metadata: ["reason": "body too large"])
            metrics.webhookRefused(.bodyTooLarge)
            return .text(.contentTooLarge, "body too large: the limit is \(configuration.maximumBodyBytes) bytes")
        }
        let delivery: VerifiedDelivery
        switch verifier.verify(headers: request.headers, body: body) {
        case .success(let verified): delivery = verified
        case .failure(let rejection):
            logger.warning("webhook refused", metadata: ["reason": "\(rejection.reason)"])
            metrics.webhookRefused(.unauthenticated)
            return .text(.unauthorized, rejection.reason)
        }
        var fields: Logger.Metadata = ["provider": "\(delivery.provider.rawValue)"]
        fields["event"] = delivery.event.map { "\($0)" }
        if delivery.event == "ping" {
            logger.info("webhook ping", metadata: fields)
            metrics.webhookAccepted(ping: true)
            return .text(.ok, "pong")
        }
        let ref = PushPayload.ref(in: body)
        fields["ref"] = ref.map { "\($0)" }
        let trigger = FetchTrigger(provider: delivery.provider, event: delivery.event, refs: ref.map { [$0] } ?? [])
        let coalesced = triggers.submit(trigger)
        fields["coalesced"] = "\(coalesced)"
        logger.info("webhook accepted", metadata: fields)
        metrics.webhookAccepted()
        return .text(.accepted, "accepted")
    }

    /// The body, or nil when it is larger than `limit`: refused from `Content-Length` before reading
    /// when possible, else while reading, so an oversized body is never held whole.
    static func collect(_ body: RequestBody, declaredLength: Int?, limit: Int) async -> [UInt8]? {
        if let declaredLength, declaredLength > limit { return nil }
        var bytes: [UInt8] = []
        do {
            for try await chunk in body {
                guard bytes.count + chunk.readableBytes <= limit else { return nil }
                bytes.append(contentsOf: chunk.readableBytesView)
            }
        } catch {
            // Verified as received: a body cut short no longer matches its signature.
            return bytes
        }
        return bytes
    }
}

extension Response {
    /// A short plain-text answer; webhook senders show it in their delivery logs.
    static func text(_ status: HTTPResponse.Status, _ message: String) -> Response {
        Response(
            status: status, headers: [.contentType: "text/plain; charset=utf-8"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: message + "\n")))
    }
}
