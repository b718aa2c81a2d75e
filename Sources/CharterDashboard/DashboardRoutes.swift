import CharterControl
import CharterEngine
import CharterFoundation
import CharterServer
import CharterStore
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// The dashboard: HTML pages at `/`, `/proposals`, `/runs`, `/org` and `/cost` on the controller's
/// HTTP server, rendered on the server from the same views as the API and the CLI, readable
/// without JavaScript (`/dashboard.js` only refreshes the overview in place).
///
/// Pages need the read scope, exactly as the API's reads (``APIAccess``): anonymous on a loopback
/// listener, else `Authorization: Bearer TOKEN` — set by a reverse proxy — or, for a browser
/// reaching the server directly, the `charter_token` cookie that `POST /login` sets after checking
/// the token (HttpOnly, SameSite=Strict, never in a URL).
public struct DashboardRoutes: HTTPRoutes {
    let dataDirectory: URL
    let state: StateStore
    let runs: RunStore
    let latest: LatestPass?
    let access: APIAccess
    let now: @Sendable () -> Date

    /// Pages over the data directory's stores (the controller's, shared with the API); `latest` is
    /// the controller's last pass (conditions).
    public init(
        dataDirectory: URL, state: StateStore, runs: RunStore, latest: LatestPass?, access: APIAccess,
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.dataDirectory = dataDirectory
        self.state = state
        self.runs = runs
        self.latest = latest
        self.access = access
        self.now = now
    }

    /// The cookie a browser carries the token in.
    static let cookie = "charter_token"

    public func register(on router: Router<BasicRequestContext>) {
        let pages = DashboardPages(dataDirectory: dataDirectory, state: state, runs: runs, latest: latest, now: now)
        router.get("/") { request, _ in page(request) { try pages.overview() } }
        router.get("proposals") { request, _ in page(request) { try pages.proposals() } }
        router.get("proposals/:id") { request, context in
            page(request) { try pages.proposal(context.parameters.get("id") ?? "") }
        }
        router.get("runs") { request, _ in
            page(request) {
                try pages.runs(page: Self.pageNumber(request), routine: request.uri.queryParameters.get("routine"))
            }
        }
        router.get("runs/:id") { request, context in page(request) { try pages.run(context.parameters.get("id") ?? "") }
        }
        router.get("org") { request, _ in page(request) { try pages.organization(page: Self.pageNumber(request)) } }
        router.get("cost") { request, _ in page(request) { try pages.cost(days: 14) } }
        router.get("dashboard.js") { _, _ in
            Response(
                status: .ok,
                headers: [.contentType: "text/javascript; charset=utf-8", .cacheControl: "no-cache"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: LiveScript.source)))
        }
        router.get("login") { _, _ in Self.html(LoginPage.render(message: nil), status: .ok) }
        router.post("login") { request, _ in await login(request) }
    }

    /// `?page=N` (1 when absent or not a positive number).
    static func pageNumber(_ request: Request) -> Int {
        max(1, min(100_000, Int(request.uri.queryParameters.get("page") ?? "1") ?? 1))
    }

    /// The request's headers with the cookie's token as `Authorization` when it has none.
    static func credentials(_ headers: HTTPFields) -> HTTPFields {
        guard headers[.authorization] == nil, let token = cookieToken(headers) else { return headers }
        var headers = headers
        headers[.authorization] = "Bearer \(token)"
        return headers
    }

    static func cookieToken(_ headers: HTTPFields) -> String? {
        for field in headers[values: .cookie] {
            for pair in field.split(separator: ";") {
                let parts = pair.trimmingCharacters(in: .whitespaces).split(separator: "=", maxSplits: 1)
                if parts.count == 2, parts[0] == cookie, !parts[1].isEmpty { return String(parts[1]) }
            }
        }
        return nil
    }

    /// Renders a page for a request that may read, else the login page with the refusal.
    func page(_ request: Request, _ render: () throws -> DashboardPages.Rendered) -> Response {
        if let refusal = access.check(Self.credentials(request.headers), needs: .read) {
            return Self.html(LoginPage.render(message: refusal.message), status: refusal.status)
        }
        do {
            let rendered = try render()
            return Self.html(rendered.html, status: rendered.status)
        } catch {
            return Self.html(ErrorPage.render(status: 500, message: "\(error)"), status: .internalServerError)
        }
    }

    /// Checks the posted token and, when it may read, keeps it in a cookie and goes to the overview.
    func login(_ request: Request) async -> Response {
        guard let body = try? await request.body.collect(upTo: 4096) else {
            return Self.html(LoginPage.render(message: "the form is too large"), status: .contentTooLarge)
        }
        let form = String(buffer: body)
        let token =
            form.split(separator: "&").compactMap { pair -> String? in
                let parts = pair.split(separator: "=", maxSplits: 1)
                guard parts.count == 2, parts[0] == "token" else { return nil }
                return String(parts[1]).replacingOccurrences(of: "+", with: " ").removingPercentEncoding
            }.first ?? ""
        // A cookie value holds no spaces, semicolons or commas; tokens made as documented never do.
        guard !token.isEmpty, !token.contains(where: { $0 == ";" || $0 == "," || $0.isWhitespace }),
            access.check([.authorization: "Bearer \(token)"], needs: .read) == nil
        else {
            return Self.html(LoginPage.render(message: "that token may not read"), status: .unauthorized)
        }
        return Response(
            status: .seeOther,
            headers: [.location: "/", .cacheControl: "no-store", .setCookie: Self.setCookie(token, request.headers)])
    }

    /// The cookie for `token`: never readable by scripts nor sent from other sites, and `Secure`
    /// when a TLS-terminating proxy says the browser spoke HTTPS (`X-Forwarded-Proto: https`), so
    /// the browser never sends it over plain HTTP again.
    static func setCookie(_ token: String, _ headers: HTTPFields) -> String {
        // Through a chain of proxies the header lists each hop's; the first is the browser's.
        let forwarded = headers[HTTPField.Name("X-Forwarded-Proto")!] ?? ""
        let https = forwarded.split(separator: ",").first?.trimmingCharacters(in: .whitespaces).lowercased() == "https"
        return "\(cookie)=\(token); Path=/; HttpOnly; SameSite=Strict" + (https ? "; Secure" : "")
    }

    /// Pages may not be framed, run only the dashboard's own script and load nothing from elsewhere.
    static let securityPolicy =
        "default-src 'none'; style-src 'unsafe-inline'; script-src 'self'; connect-src 'self'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"

    static func html(_ html: HTML, status: HTTPResponse.Status) -> Response {
        Response(
            status: status,
            headers: [
                .contentType: "text/html; charset=utf-8", .cacheControl: "no-store",
                .contentSecurityPolicy: securityPolicy, HTTPField.Name("X-Content-Type-Options")!: "nosniff",
            ],
            body: ResponseBody(byteBuffer: ByteBuffer(string: html.markup)))
    }
}
