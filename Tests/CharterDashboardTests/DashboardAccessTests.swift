import CharterEngine
import CharterServer
import CharterStore
import CharterTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@testable import CharterDashboard

/// Who may read the pages of a dashboard that is not on loopback: a bearer token from a proxy, or
/// the cookie `POST /login` sets after checking the token — which reads pages and nothing else.
@Suite struct DashboardAccessTests {
    static let readToken = "read-0123456789abcdef0123456789abcdef"

    static func router() -> Router<BasicRequestContext> {
        let router = Router()
        let access = APIAccess(host: "0.0.0.0", tokens: [(token: readToken, scope: .read)])
        let data = makeTemporaryDirectory("dashboard")
        // Empty stores: what the pages show does not matter here, only who may see them.
        let state = try! StateStore(directory: data)
        let runs = try! RunStore(directory: data)
        DashboardRoutes(dataDirectory: data, state: state, runs: runs, latest: nil, access: access)
            .register(on: router)
        return router
    }

    static func form(_ token: String) -> ByteBuffer {
        ByteBuffer(string: "token=" + (token.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""))
    }

    static let formHeaders: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]

    @Test func withoutATokenEveryPageIsTheLoginFormAndNothingOfTheOrganization() async throws {
        try await Application(router: Self.router()).test(.router) { client in
            for path in ["/", "/proposals", "/runs", "/org", "/cost", "/runs/r-1"] {
                let response = try await client.execute(uri: path, method: .get)
                #expect(response.status == .unauthorized, "\(path)")
                let body = String(buffer: response.body)
                #expect(body.contains(#"<form method="post" action="/login">"#), "\(path)")
                #expect(response.headers[.contentSecurityPolicy]?.contains("frame-ancestors 'none'") == true)
            }
        }
    }

    @Test func aWrongTokenIsRefusedAndSetsNoCookie() async throws {
        try await Application(router: Self.router()).test(.router) { client in
            for token in ["nope-nope-nope-nope", "", "a b", "\(Self.readToken); Path=/evil", "x,y"] {
                let response = try await client.execute(
                    uri: "/login", method: .post, headers: Self.formHeaders, body: Self.form(token))
                #expect(response.status == .unauthorized, "\(token)")
                #expect(response.headers[.setCookie] == nil, "\(token)")
            }
            // A form larger than any token is refused before it is read whole.
            let huge = try await client.execute(
                uri: "/login", method: .post, headers: Self.formHeaders,
                body: ByteBuffer(string: "token=" + String(repeating: "a", count: 100_000)))
            #expect(huge.status == .contentTooLarge)
            #expect(huge.headers[.setCookie] == nil)
        }
    }

    @Test func theRightTokenSetsAStrictHttpOnlyCookieThatReadsThePages() async throws {
        try await Application(router: Self.router()).test(.router) { client in
            let login = try await client.execute(
                uri: "/login", method: .post, headers: Self.formHeaders, body: Self.form(Self.readToken))
            #expect(login.status == .seeOther)
            #expect(login.headers[.location] == "/")
            let cookie = try #require(login.headers[.setCookie])
            #expect(cookie == "charter_token=\(Self.readToken); Path=/; HttpOnly; SameSite=Strict")
            let page = try await client.execute(
                uri: "/proposals", method: .get, headers: [.cookie: "other=1; charter_token=\(Self.readToken)"])
            #expect(page.status == .ok, "\(String(buffer: page.body))")
            #expect(!String(buffer: page.body).contains(#"action="/login""#))
            // A cookie with another value reads nothing.
            let forged = try await client.execute(
                uri: "/proposals", method: .get, headers: [.cookie: "charter_token=read-forged"])
            #expect(forged.status == .unauthorized)
        }
    }

    @Test func behindATLSProxyTheCookieIsSecure() async throws {
        try await Application(router: Self.router()).test(.router) { client in
            var headers = Self.formHeaders
            headers[HTTPField.Name("X-Forwarded-Proto")!] = "https"
            let login = try await client.execute(
                uri: "/login", method: .post, headers: headers, body: Self.form(Self.readToken))
            #expect(login.headers[.setCookie]?.hasSuffix("; HttpOnly; SameSite=Strict; Secure") == true)
            // Behind two proxies: the first hop is the browser's.
            headers[HTTPField.Name("X-Forwarded-Proto")!] = "https, http"
            let chained = try await client.execute(
                uri: "/login", method: .post, headers: headers, body: Self.form(Self.readToken))
            #expect(chained.headers[.setCookie]?.hasSuffix("; Secure") == true)
            headers[HTTPField.Name("X-Forwarded-Proto")!] = "http"
            let plain = try await client.execute(
                uri: "/login", method: .post, headers: headers, body: Self.form(Self.readToken))
            #expect(plain.headers[.setCookie]?.hasSuffix("; Secure") == false)
        }
    }
}
