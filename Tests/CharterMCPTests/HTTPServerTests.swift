import CharterMCP
import CharterModel
import CharterShell
import CharterTestSupport
import CharterTools
import Foundation
import Hummingbird
import Logging
import NIOCore
import Testing

/// Streamable HTTP: the reference Python SDK's server on loopback, and hostile ones.
@Suite struct HTTPServerTests {
    static let token = "test-token-1234"

    func httpServer(_ url: String, timeout: String = "20s") -> ToolServer {
        toolServer("remote", ["http": ["url": .string(url)], "timeout": .string(timeout)])
    }

    /// The reference Python SDK's server (Tests/Fixtures/mcp-http-server.py) on a free port,
    /// started with CharterShell's spawn (no descriptor of the test process reaches it).
    static func withReferenceServer(_ body: (Int) async throws -> Void) async throws {
        let python = try #require(await Python.info?.executable, "python3 is needed")
        let port = try LoopbackServer.freePort()
        let directory = try temporaryDirectory("http-server")
        defer { try? FileManager.default.removeItem(at: directory) }
        let server = try await ShellRunner().start(
            ProcessRequest(
                arguments: [python, Python.fixture("mcp-http-server.py"), "--port", String(port), "--token", token],
                workspace: directory, stderrFile: directory.appendingPathComponent("stderr"), sandbox: .disabled))
        close(server.output)
        defer { close(server.input) }
        // Bounded, and given up as soon as the server has exited.
        let deadline = ContinuousClock.now + .seconds(60)
        while !LoopbackServer.canConnect(port: port), server.termination == nil, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(10))
        }
        guard LoopbackServer.canConnect(port: port) else {
            await server.terminate(gracePeriod: .seconds(1))
            Issue.record("the reference MCP server did not start (\(Python.install)): \(server.stderrTail())")
            return
        }
        do {
            try await body(Int(port))
        } catch {
            await server.terminate(gracePeriod: .seconds(1))
            throw error
        }
        await server.terminate(gracePeriod: .seconds(1))
    }

    @Test func theReferenceServerAnswersOverStreamableHTTP() async throws {
        try await Self.withReferenceServer { port in
            let directory = try temporaryDirectory("http")
            defer { try? FileManager.default.removeItem(at: directory) }
            let server = try await MCPToolServer.open(
                httpServer("http://127.0.0.1:\(port)/mcp"), launcher: nil, credential: Self.token, addresses: loopback)
            defer { Task { await server.close() } }
            #expect(server.tools.map(\.name).sorted() == ["mcp.remote.add", "mcp.remote.fail"])
            #expect(server.serverInfo.hasPrefix("charter-test-http"))
            let sum = try await tool(server, "mcp.remote.add").call(["a": 2, "b": 40], context: callContext(directory))
            #expect(!sum.isError && sum.text == "42", "\(sum.text)")
            let fail = try await tool(server, "mcp.remote.fail").call([:], context: callContext(directory))
            #expect(fail.isError && fail.text.contains("fail"), "\(fail.text)")
            await server.close()
        }
    }

    @Test func aWrongCredentialIsRefusedWithItsStatus() async throws {
        try await Self.withReferenceServer { port in
            do {
                let server = try await MCPToolServer.open(
                    httpServer("http://127.0.0.1:\(port)/mcp"), launcher: nil, credential: "wrong-token",
                    addresses: loopback)
                await server.close()
                Issue.record("a wrong token was accepted")
            } catch let error as ToolServerError {
                #expect(error.message.contains("refused the credential (HTTP 401)"), "\(error)")
                #expect(!error.message.contains("wrong-token"), "the credential must not be echoed: \(error)")
            }
        }
    }

    @Test func hostileHTTPServersFailClearly() async throws {
        try await HostileHTTP.with { port in
            let cases: [(String, String)] = [
                ("garbage", "sent something that is not an MCP message (`<html>oops</html>`)"),
                ("huge", "sent a response larger than 16 MiB"),
                ("html", "answered with the content type `text/html`"),
                ("error", "answered HTTP 500: database on fire"),
                ("hang", "did not answer `initialize` within 1s"),
            ]
            for (path, fragment) in cases {
                do {
                    // Only the hanging server is waited for briefly.
                    let server = try await MCPToolServer.open(
                        httpServer("http://127.0.0.1:\(port)/\(path)"), launcher: nil,
                        startupTimeout: path == "hang" ? .seconds(1) : nil, addresses: loopback)
                    await server.close()
                    Issue.record("\(path): opened")
                } catch let error as ToolServerError {
                    #expect(error.message.contains(fragment), "\(path): \(error)")
                }
            }
            do {
                _ = try await MCPToolServer.open(
                    httpServer("http://127.0.0.1:1/mcp", timeout: "2s"), launcher: nil, addresses: loopback)
                Issue.record("a closed port opened")
            } catch let error as ToolServerError {
                #expect(error.message.contains("could not be reached"), "\(error)")
            }
        }
    }
}

/// The reference tests' servers listen on loopback, which an Organization must allow.
let loopback = OutboundAddressRules(allowed: [try! IPNetwork("127.0.0.0/8")])

extension HTTPServerTests {
    /// Without the Organization's allowance, nothing is sent to loopback, link-local or metadata
    /// addresses in any spelling: the server listening there never hears a request.
    @Test func refusedAddressesAreNotContacted() async throws {
        try await HostileHTTP.with { port in
            for host in ["127.0.0.1", "2130706433", "0x7f.1", "[::ffff:127.0.0.1]", "localhost"] {
                do {
                    let server = try await MCPToolServer.open(
                        httpServer("http://\(host):\(port)/garbage"), launcher: nil)
                    await server.close()
                    Issue.record("\(host): opened")
                } catch let error as ToolServerError {
                    #expect(error.message.contains("spec.endpoints.allowCIDRs"), "\(host): \(error)")
                    #expect(!error.message.contains("not an MCP message"), "\(host) was contacted: \(error)")
                }
            }
            // The same server, allowed, is reached (and answers garbage).
            do {
                _ = try await MCPToolServer.open(
                    httpServer("http://0x7f.1:\(port)/garbage"), launcher: nil, addresses: loopback)
                Issue.record("garbage opened")
            } catch let error as ToolServerError {
                #expect(error.message.contains("not an MCP message"), "\(error)")
            }
        }
    }
}

/// An HTTP server on loopback answering every POST badly, by path.
enum HostileHTTP {
    static func with(_ body: (Int) async throws -> Void) async throws {
        let router = Router()
        router.post("garbage") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(string: "<html>oops</html>")))
        }
        router.post("huge") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(repeating: UInt8(ascii: " "), count: 17 * 1024 * 1024)))
        }
        router.post("html") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "text/html"], body: .init(byteBuffer: ByteBuffer(string: "<p>")))
        }
        router.post("error") { _, _ in
            Response(status: .internalServerError, body: .init(byteBuffer: ByteBuffer(string: "database on fire")))
        }
        router.post("hang") { _, _ -> Response in
            try await Task.sleep(for: .seconds(3600))
            return Response(status: .ok)
        }
        let (ports, portContinuation) = AsyncStream.makeStream(of: Int.self)
        let app = Application(
            router: router,
            configuration: ApplicationConfiguration(address: .hostname("127.0.0.1", port: 0), serverName: nil),
            onServerRunning: { channel in
                portContinuation.yield(channel.localAddress?.port ?? 0)
                portContinuation.finish()
            },
            logger: Logger(label: "hostile-mcp") { _ in SwiftLogNoOpLogHandler() })
        let serving = Task { try await app.runService(gracefulShutdownSignals: []) }
        defer { serving.cancel() }
        var iterator = ports.makeAsyncIterator()
        let port = try #require(await iterator.next())
        try await body(port)
    }
}
