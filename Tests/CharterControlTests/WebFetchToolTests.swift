import CharterEngine
import CharterModel
import CharterTestSupport
import CharterTools
import Foundation
import Testing

@testable import CharterControl

@Suite struct WebFetchToolTests {
    static let page = """
        <!DOCTYPE html>
        <html><head><title>Release &amp; notes</title>
        <style>body { color: red }</style><script>var secret = "not for readers";</script></head>
        <body><h1>Version 2</h1><p>Fixed <b>three</b>
           bugs.</p><ul><li>one</li><li>two</li></ul>
        <p>See <a href="/changes?x=1&amp;y=2">the changes</a>.</p><!-- hidden --></body></html>
        """

    func fetch(
        _ url: String, allow: [String] = [], network: [String] = [], scratch: ToolScratch,
        reserved: [EgressRules.Endpoint] = [], deadline: Date? = nil,
        resultLimit: Int = ToolCallContext.defaultResultLimit,
        raw: Bool? = nil
    ) async throws -> ToolOutput {
        let (applied, rules) = scratch.rules(
            allow.isEmpty ? [:] : ["network": ["allow": .array(allow.map { .string($0) })]], reserved: reserved)
        var arguments: [String: Value] = ["url": .string(url)]
        if let raw { arguments["raw"] = .bool(raw) }
        return try await WebFetchTool(rules: rules, network: network).call(
            arguments, context: scratch.context(applied, deadline: deadline, resultLimit: resultLimit))
    }

    @Test func aGrantedLoopbackAddressIsFetched() async throws {
        let scratch = try ToolScratch()
        defer { scratch.remove() }
        let server = try TestHTTPServer.start(["/hello": .text("hello, agent\n")])
        defer { server.stop() }
        let target = "127.0.0.1:\(server.port)"
        let output = try await fetch("http://\(target)/hello", allow: [target], network: [target], scratch: scratch)
        #expect(!output.isError, "\(output.text)")
        #expect(output.text.hasPrefix("HTTP 200 from http://\(target)/hello\n"), "\(output.text)")
        #expect(output.text.hasSuffix("\n\nhello, agent\n"), "\(output.text)")
        #expect(output.details["status"] == .int(200) && output.details["bytes"] == .int(13))
        #expect(output.details["network"]?["connections"] == .int(1))
        #expect(server.hits == ["/hello"])
    }

    @Test func withoutTheStepsGrantNothingIsFetched() async throws {
        let scratch = try ToolScratch()
        defer { scratch.remove() }
        let server = try TestHTTPServer.start(["/hello": .text("hello")])
        defer { server.stop() }
        let target = "127.0.0.1:\(server.port)"
        let ungranted = try await fetch("http://\(target)/hello", allow: [target], scratch: scratch)
        #expect(ungranted.isError && ungranted.text.contains("the step does not declare"), "\(ungranted.text)")
        let noPolicy = try await fetch("http://\(target)/hello", network: [target], scratch: scratch)
        #expect(noPolicy.isError && noPolicy.text.contains("no Policy allows"), "\(noPolicy.text)")
        #expect(server.hits.isEmpty, "a refused request never reaches the server")
    }

    @Test func loopbackNeedsARuleNamingTheAddressNotANameOrAWildcard() async throws {
        let scratch = try ToolScratch()
        defer { scratch.remove() }
        let server = try TestHTTPServer.start(["/hello": .text("hello")])
        defer { server.stop() }
        let byName = try await fetch(
            "http://localhost:\(server.port)/hello", allow: ["localhost:\(server.port)"],
            network: ["localhost:\(server.port)"], scratch: scratch)
        #expect(byName.isError && byName.text.contains("loopback"), "\(byName.text)")
        let wildcard = try await fetch(
            "http://127.0.0.1:\(server.port)/hello", allow: ["*:*"], network: ["*:*"], scratch: scratch)
        #expect(
            wildcard.isError && wildcard.text.contains("only a Policy rule naming that address"), "\(wildcard.text)")
        #expect(server.hits.isEmpty)
    }

    @Test func cloudMetadataIsRefusedWhateverTheWildcards() async throws {
        let scratch = try ToolScratch()
        defer { scratch.remove() }
        for url in [
            "http://169.254.169.254/latest/meta-data/", "http://[::ffff:169.254.169.254]/",
            "http://[fd00:ec2::254]/latest/meta-data/",
        ] {
            let output = try await fetch(url, allow: ["*:*"], network: ["*:*"], scratch: scratch)
            #expect(output.isError, "\(url): \(output.text)")
            #expect(output.text.contains("only a Policy rule naming that address"), "\(url): \(output.text)")
        }
    }

    @Test func theControllersOwnPortNeedsAnExactRule() async throws {
        let scratch = try ToolScratch()
        defer { scratch.remove() }
        let server = try TestHTTPServer.start(["/hello": .text("hello")])
        defer { server.stop() }
        let output = try await fetch(
            "http://127.0.0.1:\(server.port)/hello", allow: ["127.0.0.0/8:*"], network: ["*:*"], scratch: scratch,
            reserved: [EgressRules.Endpoint(address: nil, port: server.port)])
        #expect(output.isError && output.text.contains("controller's own endpoint"), "\(output.text)")
        #expect(server.hits.isEmpty)
    }

    @Test func redirectsAreFollowedAndEachHopIsChecked() async throws {
        let scratch = try ToolScratch()
        defer { scratch.remove() }
        let other = try LoopbackServer.freePort()
        let server = try TestHTTPServer.start([
            "/old": .redirect("/hello", status: 301), "/hello": .text("moved here"),
            "/to-metadata": .redirect("http://169.254.169.254/latest/meta-data/iam/"),
            "/to-other-port": .redirect("http://127.0.0.1:\(other)/"), "/loop": .redirect("/loop"),
            "/to-file": .redirect("file:///etc/passwd"),
            "/to-userinfo": .redirect("http://user:pass@127.0.0.1/"),
        ])
        defer { server.stop() }
        let target = "127.0.0.1:\(server.port)"
        func get(_ path: String) async throws -> ToolOutput {
            try await fetch(
                "http://\(target)\(path)", allow: [target, "*:*"], network: [target, "*:80", "*:\(other)"],
                scratch: scratch)
        }
        let moved = try await get("/old")
        #expect(!moved.isError && moved.text.hasSuffix("moved here"), "\(moved.text)")
        #expect(moved.text.contains("(redirected from http://\(target)/old)"), "\(moved.text)")
        #expect(moved.details["redirects"] == .int(1))
        let metadata = try await get("/to-metadata")
        #expect(metadata.isError, "\(metadata.text)")
        #expect(metadata.text.contains("the redirect to http://169.254.169.254/latest/meta-data/iam/"))
        #expect(metadata.text.contains("link-local"), "\(metadata.text)")
        let otherPort = try await get("/to-other-port")
        #expect(otherPort.isError && otherPort.text.contains("only a Policy rule naming that address"))
        let loop = try await get("/loop")
        #expect(loop.isError && loop.text.contains("more than 5 redirects"), "\(loop.text)")
        #expect(server.hits.filter { $0 == "/loop" }.count == 6)
        let file = try await get("/to-file")
        #expect(file.isError && file.text.contains("only http and https"), "\(file.text)")
        let userinfo = try await get("/to-userinfo")
        #expect(userinfo.isError && userinfo.text.contains("user name or password"), "\(userinfo.text)")
    }

    @Test func atMostOneMebibyteIsReadAndTheResultFitsTheLimit() async throws {
        let scratch = try ToolScratch()
        defer { scratch.remove() }
        let big = [UInt8](repeating: UInt8(ascii: "a"), count: 3 << 20)
        let server = try TestHTTPServer.start([
            "/big": .respond(status: 200, headers: ["Content-Type": "text/plain"], body: big)
        ])
        defer { server.stop() }
        let target = "127.0.0.1:\(server.port)"
        let output = try await fetch(
            "http://\(target)/big", allow: [target], network: [target], scratch: scratch, resultLimit: 4096)
        #expect(output.details["bytes"] == .int(WebFetchTool.maxBytes))
        #expect(output.details["truncated"] == .bool(true))
        #expect(output.text.contains("only the first 1048576 bytes were read"))
        #expect(output.text.utf8.count < 4096 + 100 && output.text.contains("[cut: "), "\(output.text.suffix(200))")
    }

    @Test func aServerThatNeverAnswersHitsTheTimeLimit() async throws {
        let scratch = try ToolScratch()
        defer { scratch.remove() }
        let server = try TestHTTPServer.start(["/hang": .hang])
        defer { server.stop() }
        let target = "127.0.0.1:\(server.port)"
        let output = try await fetch(
            "http://\(target)/hang", allow: [target], network: [target], scratch: scratch,
            deadline: Date().addingTimeInterval(1.5))
        #expect(output.isError && output.text.contains("no complete answer within"), "\(output.text)")
        // The step's deadline, not the 30 s limit, bounds it: the budget the tool reports is what
        // was left of the step (a wall-clock bound here would measure the test host's load).
        let budget = output.text.components(separatedBy: "within ").last?.split(separator: " ").first.flatMap {
            Double($0)
        }
        #expect(budget.map { $0 <= 1.5 } == true, "\(output.text)")
        #expect(server.hits == ["/hang"])
    }

    @Test func htmlIsTextBinaryIsDescribedCredentialsAreHidden() async throws {
        let scratch = try ToolScratch()
        defer { scratch.remove() }
        let server = try TestHTTPServer.start([
            "/page": .text(Self.page, type: "text/html; charset=utf-8"),
            "/logo.png": .respond(
                status: 200, headers: ["Content-Type": "image/png"], body: [0x89, 0x50, 0x4E, 0x47, 0, 0, 0, 13]),
            "/leak": .text("token=\(ToolScratch.secret)"),
            "/missing": .respond(status: 404, headers: ["Content-Type": "text/plain"], body: Array("gone".utf8)),
        ])
        defer { server.stop() }
        let target = "127.0.0.1:\(server.port)"
        func get(_ path: String, raw: Bool? = nil) async throws -> ToolOutput {
            try await fetch("http://\(target)\(path)", allow: [target], network: [target], scratch: scratch, raw: raw)
        }
        let page = try await get("/page")
        #expect(
            page.text.hasSuffix(
                """
                Title: Release & notes

                # Version 2

                Fixed three bugs.

                - one
                - two

                See the changes (http://\(target)/changes?x=1&y=2).
                """), "\(page.text)")
        #expect(!page.text.contains("not for readers") && !page.text.contains("hidden"))
        let source = try await get("/page", raw: true)
        #expect(source.text.contains("<script>var secret"))
        let png = try await get("/logo.png")
        #expect(png.text.hasSuffix("(binary content, image/png, 8 bytes: not shown)"), "\(png.text)")
        let leak = try await get("/leak")
        #expect(!leak.text.contains(ToolScratch.secret) && leak.text.hasSuffix("token=***"), "\(leak.text)")
        let missing = try await get("/missing")
        #expect(missing.isError && missing.text.hasPrefix("HTTP 404") && missing.text.hasSuffix("gone"))
    }

    @Test(arguments: [
        "ftp://example.com/file", "file:///etc/passwd", "http://user:secret@example.com/", "http://:x@example.com/",
        "https://user@example.com/", "http:///no-host", "not a url", "http://exa mple.com/", "http://bücher.example/",
        "http://example.com:0/", "http://example.com:70000/", "gopher://example.com/", "javascript:alert(1)",
    ])
    func urlsThatAreNotPlainHTTPAreRefusedBeforeAnyConnection(url: String) async throws {
        let scratch = try ToolScratch()
        defer { scratch.remove() }
        await #expect(throws: ToolFailure.self, "\(url)") {
            _ = try await fetch(url, allow: ["*:*"], network: ["*:*"], scratch: scratch)
        }
    }

    @Test func targetsKeepPathAndQueryAndDropTheFragment() throws {
        let (address, target) = try WebFetchTool.target("HTTPS://Example.COM/a%20b/c?q=1&r=%2F#frag")
        #expect(
            address == "https://example.com/a%20b/c?q=1&r=%2F" || address == "HTTPS://Example.COM/a%20b/c?q=1&r=%2F")
        #expect(target == EgressFetch.Target(https: true, host: "example.com", port: 443, path: "/a%20b/c?q=1&r=%2F"))
        let (_, v6) = try WebFetchTool.target("http://[::1]:8080")
        #expect(v6 == EgressFetch.Target(https: false, host: "::1", port: 8080, path: "/"))
        #expect(v6.authority == "[::1]:8080" && v6.hostHeader == "[::1]:8080")
        let tool = WebFetchTool(rules: try ToolScratch().rules().1)
        #expect(tool.effect == .readOnly)
    }

    @Test func theStepToolboxGivesTheToolsTheStepsGrantAndReadsThePoliciesAtEachCall() async throws {
        let scratch = try ToolScratch()
        defer { scratch.remove() }
        let server = try TestHTTPServer.start(["/hello": .text("granted")])
        defer { server.stop() }
        let target = "127.0.0.1:\(server.port)"
        let (applied, rules) = scratch.rules(["network": ["allow": [.string(target)]]])
        let step = StepSpec(
            TemplateStep(
                ["name": "triage", "type": "agent", "role": "r", "prompt": "p", "network": [.string(target)]]))
        let session = try await StepToolbox(rules: rules).open(
            StepContext(
                runID: "run-1", template: "t", routine: nil, step: step, attempt: 1, parameters: [:], upstream: [:],
                workspace: scratch.workspace, deadline: nil),
            rules: applied)
        #expect(
            Set(session.registry.names).isSuperset(of: ["files.read", "files.write", "shell.exec", "web.fetch"]),
            "\(session.registry.names)")
        let fetch = try #require(session.registry.tools["web.fetch"])
        let granted = try await fetch.call(
            ["url": .string("http://\(target)/hello")], context: scratch.context(applied))
        #expect(!granted.isError && granted.text.hasSuffix("granted"), "\(granted.text)")
        // A Policy applied since the step started binds its next call.
        let revoked = try await fetch.call(
            ["url": .string("http://\(target)/hello")], context: scratch.context(RunRules(policies: [])))
        #expect(revoked.isError && revoked.text.contains("no Policy allows"), "\(revoked.text)")
        #expect(server.hits == ["/hello"])
    }

    @Test func htmlTextSurvivesBrokenMarkup() {
        #expect(HTMLText.plain("a < b and c<d> e") == "a < b and c e")
        #expect(HTMLText.plain("<p>open <!-- never closed") == "open")
        #expect(HTMLText.plain("<script>never closed") == "")
        #expect(HTMLText.plain("x &#x263A; &#65; &bogus; &amp") == "x ☺ A &bogus; &amp")
        #expect(HTMLText.plain("<pre>  keep\n    this</pre>") == "keep\n    this")
        #expect(HTMLText.plain("<a href='javascript:x()'>click</a>") == "click")
        #expect(HTMLText.plain(String(repeating: "<div>", count: 100_000)).isEmpty)
    }
}
