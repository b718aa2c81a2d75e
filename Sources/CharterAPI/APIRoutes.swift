import CharterBroker
import CharterControl
import CharterEngine
import CharterFoundation
import CharterGovernance
import CharterModel
import CharterPlan
import CharterServer
import CharterStore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdCore

/// The JSON API under `/api/v1`, on the controller's HTTP server. Its contract is
/// `Sources/CharterAPI/openapi.yaml` (served at `/api/v1/openapi.yaml`); every view comes from the
/// same builders as the CLI's `-o json` (``StatusView``, ``RunViews``, ``CostView``), so they agree.
///
/// Reads need the read scope (anonymous on loopback), writes the operator scope (``APIAccess``).
/// Writes go where the CLI's go: a run is recorded in the run database for the controller to
/// execute, a cancellation requested there, a vote verified by the one ``VoteVerifier`` and
/// committed to the status branch, where the next pass counts it.
public struct APIRoutes: HTTPRoutes {
    /// Commits a vote file to the status branch: `(path, bytes, commit message)`.
    public typealias VotePublisher = @Sendable (String, [UInt8], String) async throws -> Void

    let dataDirectory: URL
    /// The controller's stores, shared: their connection pools serve concurrent reads, and opening
    /// a store per request would cost more than answering it.
    let state: StateStore
    let runs: RunStore
    let latest: LatestPass?
    let access: APIAccess
    let publishVote: VotePublisher
    let now: @Sendable () -> Date
    /// Proposal answers (a large change set's plan takes milliseconds to render), by proposal id.
    let answers = StampedCache<ByteBuffer>(limit: 64)

    /// Routes over the data directory's stores.
    /// - Parameters:
    ///   - latest: the controller's last pass, for conditions; nil outside a controller.
    ///   - publishVote: how an accepted vote reaches the status branch.
    public init(
        dataDirectory: URL, state: StateStore, runs: RunStore, latest: LatestPass?, access: APIAccess,
        publishVote: @escaping VotePublisher, now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.dataDirectory = dataDirectory
        self.state = state
        self.runs = runs
        self.latest = latest
        self.access = access
        self.publishVote = publishVote
        self.now = now
    }

    public func register(on router: Router<BasicRequestContext>) {
        let api = router.group("api/v1")
        api.get("openapi.yaml") { request, _ in
            try read(request) {
                Response(
                    status: .ok, headers: [.contentType: "application/yaml"],
                    body: ResponseBody(byteBuffer: ByteBuffer(string: OpenAPIDocument.yaml)))
            }
        }
        api.get("status") { request, _ in
            try read(request) {
                APIResponse.json(try StatusView.value(store: self.state, latest: latest?.current))
            }
        }
        api.get("resources") { request, _ in
            try read(request) {
                let state = try self.state.actualState()
                var counts: [String: Value] = [:]
                for kind in ResourceKind.allCases {
                    counts[kind.rawValue] = .int(state.resources.values.filter { $0.id.kind == kind }.count)
                }
                return APIResponse.json(["kinds": .object(counts)])
            }
        }
        api.get("resources/:kind") { request, context in
            try read(request) {
                guard let kind = ResourceKind(loose: context.parameters.get("kind") ?? "") else {
                    return APIResponse.problem(.notFound, Self.unknownKind)
                }
                let state = try self.state.actualState()
                let values = state.resources.values.filter { $0.id.kind == kind }.sorted { $0.id < $1.id }.map(\.value)
                return APIResponse.json(.array(values))
            }
        }
        api.get("resources/:kind/:name") { request, context in
            try read(request) {
                guard let kind = ResourceKind(loose: context.parameters.get("kind") ?? "") else {
                    return APIResponse.problem(.notFound, Self.unknownKind)
                }
                let name = context.parameters.get("name") ?? ""
                guard let resource = try self.state.actualState().resources[ResourceID(kind, name)] else {
                    return APIResponse.problem(.notFound, "\(kind.rawValue)/\(name) is not in the applied state")
                }
                return APIResponse.json(resource.value)
            }
        }
        api.get("proposals") { request, _ in
            try read(request) {
                let filter = request.uri.queryParameters.get("state")
                guard filter == nil || ProposalState(rawValue: filter!) != nil else {
                    return APIResponse.problem(
                        .badRequest,
                        "state must be one of \(ProposalState.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                let proposals = try self.state.proposals(state: filter.flatMap(ProposalState.init))
                return APIResponse.json(try Value(json: Array(try Proposal.json(proposals))))
            }
        }
        api.get("proposals/:id") { request, context in
            try read(request) {
                let store = self.state
                guard let id = ProposalID(context.parameters.get("id") ?? ""), let proposal = try store.proposal(id: id)
                else { return APIResponse.problem(.notFound, "no such proposal; see GET /api/v1/proposals") }
                // Every save of a proposal bumps its version; the answer is made once per version.
                let stamp = "\(proposal.version)|\(proposal.head)|\(proposal.changeSetHash)"
                if let body = answers.get(id.description, stamp: stamp) { return APIResponse.json(body: body) }
                var value = try Value(json: Array(try Proposal.json(proposal)))
                if case .object(var object) = value {
                    if let changes = try store.changeSet(ofProposal: id) {
                        object["plan"] = PlanRenderer(color: false).jsonValue(
                            changes,
                            context: PlanContext(
                                source: proposal.source.description, desiredRevision: proposal.head,
                                actualRevision: proposal.base))
                    }
                    object["vote"] = .string("charter vote \(id) approve --as NAME --key KEYFILE")
                    value = .object(object)
                }
                let body = ByteBuffer(bytes: CanonicalJSON.encode(value))
                // At most 64 answers of at most 4 MiB: a reader walking every id cannot fill memory.
                if body.readableBytes <= Self.maximumCachedAnswerBytes {
                    answers.set(id.description, stamp: stamp, body)
                }
                return APIResponse.json(body: body)
            }
        }
        api.get("runs") { request, _ in
            try read(request) {
                let query = request.uri.queryParameters
                let state = query.get("state")
                guard state == nil || RunState(rawValue: state!) != nil else {
                    return APIResponse.problem(
                        .badRequest, "state must be one of \(RunState.allCases.map(\.rawValue).joined(separator: ", "))"
                    )
                }
                guard let limit = Self.integer(query, "limit", default: 50), (1...1000).contains(limit) else {
                    return APIResponse.problem(.badRequest, "limit is an integer from 1 to 1000")
                }
                let runs = try self.runs.runs(
                    routine: query.get("routine"), states: state.flatMap(RunState.init).map { [$0] }, limit: limit)
                return APIResponse.json(RunViews.list(runs))
            }
        }
        api.get("runs/:id") { request, context in
            try read(request) {
                let store = self.runs
                let id = context.parameters.get("id") ?? ""
                guard let detail = try store.run(id) else {
                    return APIResponse.problem(.notFound, "no run \(id); see GET /api/v1/runs")
                }
                return APIResponse.json(RunViews.detail(detail, events: try store.events(run: id)))
            }
        }
        api.get("runs/:id/events") { request, context in
            try read(request) {
                let store = self.runs
                let id = context.parameters.get("id") ?? ""
                guard try store.run(id) != nil else { return APIResponse.problem(.notFound, "no run \(id)") }
                return APIResponse.json(.array(try store.events(run: id).map(\.value)))
            }
        }
        api.get("approvals") { request, _ in
            try read(request) { APIResponse.json(RunViews.approvals(try RunApprovals.pending(self.runs))) }
        }
        api.get("costs") { request, _ in
            try read(request) {
                let query = request.uri.queryParameters
                guard let grouping = UsageGrouping(rawValue: query.get("by") ?? "day") else {
                    return APIResponse.problem(
                        .badRequest,
                        "by must be one of \(UsageGrouping.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                var since = Date(timeIntervalSince1970: 0)
                guard query.getAll("since").count <= 1 else {
                    return APIResponse.problem(.badRequest, "give since once")
                }
                if let text = query.get("since") {
                    guard let parsed = Timestamp.parse(text) else {
                        return APIResponse.problem(
                            .badRequest, "since must be an RFC 3339 time such as 2026-12-01T00:00:00Z")
                    }
                    since = parsed
                }
                let totals = try UsageLedger(directory: dataDirectory).totals(by: grouping, since: since)
                return APIResponse.json(CostView.rows(totals, by: grouping))
            }
        }
        api.get("events") { request, _ in
            try read(request) {
                let query = request.uri.queryParameters
                guard let after = Self.integer(query, "after", default: 0), after >= 0 else {
                    return APIResponse.problem(.badRequest, "after is a sequence number, 0 or more")
                }
                switch query.getAll("follow") {
                case []: break
                case ["true"]:
                    // A stream only for a client that asks for one (EventSource does): a plain GET
                    // waiting for JSON would otherwise hang on an answer that never ends.
                    guard request.headers[.accept]?.contains("text/event-stream") == true else {
                        return APIResponse.problem(
                            .notAcceptable, "follow=true answers text/event-stream; send Accept: text/event-stream")
                    }
                    return EventStream.response(store: state, after: after)
                case ["false"]: break
                default: return APIResponse.problem(.badRequest, "follow is true or false")
                }
                guard let limit = Self.integer(query, "limit", default: 500), (1...5000).contains(limit) else {
                    return APIResponse.problem(.badRequest, "limit is an integer from 1 to 5000")
                }
                let events = try state.events(after: after, limit: limit)
                return APIResponse.json(.array(events.map(\.value)))
            }
        }
        api.post("runs") { request, _ in
            await write(request) { body in try startRun(body) }
        }
        api.post("runs/:id/cancel") { request, context in
            await write(request) { _ in
                let id = context.parameters.get("id") ?? ""
                guard try self.runs.requestCancel(run: id) else {
                    return APIResponse.problem(.notFound, "run \(id) is unknown or already over")
                }
                return APIResponse.json(["id": .string(id), "cancellation": "requested"], status: .accepted)
            }
        }
        api.post("votes") { request, _ in
            await write(request) { body in try await submitVote(body) }
        }
        // Every other method on an API path: 405 with Allow, as HTTP says (not 404: the path exists).
        let allowed: [(String, [HTTPRequest.Method])] = [
            ("openapi.yaml", [.get]), ("status", [.get]), ("resources", [.get]), ("resources/:kind", [.get]),
            ("resources/:kind/:name", [.get]), ("proposals", [.get]), ("proposals/:id", [.get]),
            ("runs", [.get, .post]), ("runs/:id", [.get]), ("runs/:id/events", [.get]), ("runs/:id/cancel", [.post]),
            ("approvals", [.get]), ("costs", [.get]), ("events", [.get]), ("votes", [.post]),
        ]
        let methods: [HTTPRequest.Method] =
            [.get, .post, .put, .patch, .delete, .trace, .options] + [HTTPRequest.Method("QUERY")].compactMap { $0 }
        for (path, allow) in allowed {
            for method in methods where !allow.contains(method) {
                api.on(RouterPath(path), method: method) { _, _ in
                    var response = APIResponse.problem(.methodNotAllowed, "\(method) is not allowed here")
                    response.headers[.allow] = allow.map(\.rawValue).joined(separator: ", ")
                    return response
                }
            }
        }
    }

    /// The query parameter `name` as an integer: `fallback` when absent, nil when malformed or repeated.
    static func integer(_ query: FlatDictionary<Substring, Substring>, _ name: String, default fallback: Int) -> Int? {
        let values = query.getAll(name)
        guard !values.isEmpty else { return fallback }
        guard values.count == 1 else { return nil }
        return Int(values[0])
    }

    static let unknownKind = "unknown kind; kinds are \(ResourceKind.allCases.map(\.rawValue).joined(separator: ", "))"
    /// Proposal answers larger than this are made again on each request rather than kept.
    static let maximumCachedAnswerBytes = 4 << 20
    /// Request bodies larger than this are refused: a vote document or a run request is small.
    static let maximumBodyBytes = 64 * 1024

    /// Runs `body` for a request that may read, else answers with the refusal.
    func read(_ request: Request, _ body: () throws -> Response) throws -> Response {
        if let refusal = access.check(request.headers, needs: .read) {
            return APIResponse.problem(refusal.status, refusal.message)
        }
        do {
            return try body()
        } catch {
            return APIResponse.problem(.internalServerError, DisplayText.escaped("\(error)"))
        }
    }

    /// Runs `body` with the request's bytes for a request that may act, else answers with the refusal.
    func write(_ request: Request, _ body: ([UInt8]) async throws -> Response) async -> Response {
        if let refusal = access.check(request.headers, needs: .operator) {
            return APIResponse.problem(refusal.status, refusal.message)
        }
        guard let bytes = try? await request.body.collect(upTo: Self.maximumBodyBytes) else {
            return APIResponse.problem(.contentTooLarge, "the body is over \(Self.maximumBodyBytes) bytes")
        }
        do {
            return try await body(Array(buffer: bytes))
        } catch let refusal as OnDemandRun.Refusal {
            return APIResponse.problem(.unprocessableContent, refusal.message)
        } catch let error as TemplateArgumentError {
            return APIResponse.problem(.unprocessableContent, error.description)
        } catch {
            return APIResponse.problem(.internalServerError, DisplayText.escaped("\(error)"))
        }
    }
}
