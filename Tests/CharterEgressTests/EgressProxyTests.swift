import CharterEgress
import CharterModel
import CharterTestSupport
import Foundation
import NIOCore
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// A proxy on a socket in a fresh directory, with rules written as text.
struct ProxyFixture {
    let directory: URL
    let proxy: EgressProxy

    var socketPath: String { proxy.socketPath }

    static func start(
        step: [String] = ["*:*"], allow: [String], deny: [String] = [], reserved: [EgressRules.Endpoint] = [],
        configuration: EgressProxy.Configuration = .init()
    ) async throws -> ProxyFixture {
        let directory = makeTemporaryDirectory("egress")
        let rules = EgressRules(
            step: try step.map { try NetworkRule($0) }, allow: try allow.map { try NetworkRule($0) },
            deny: try deny.map { try NetworkRule($0) }, reserved: reserved)
        let proxy = try await EgressProxy.start(
            socketPath: directory.appendingPathComponent("egress.sock").path, rules: rules,
            configuration: configuration)
        return ProxyFixture(directory: directory, proxy: proxy)
    }

    func client() throws -> ProxyClient { try ProxyClient(path: socketPath) }

    /// Sends `CONNECT target` and returns the status and the one-line body of a refusal.
    func request(_ target: String) throws -> (status: Int, body: String) {
        let client = try client()
        let status = try client.connect(target)
        return (status, status == 200 ? "" : try client.readText())
    }

    @discardableResult
    func stop() async -> EgressLog {
        let log = await proxy.stop()
        try? FileManager.default.removeItem(at: directory)
        return log
    }
}

@Suite("EgressProxy: CONNECT tunnels over a unix socket, decided by EgressRules", .serialized)
struct EgressProxyTests {
    @Test func aTunnelCarriesBytesBothWaysAndPassesHalfClose() async throws {
        let echo = try await EchoServer.start()
        let fixture = try await ProxyFixture.start(step: ["127.0.0.1:\(echo.port)"], allow: ["127.0.0.1:\(echo.port)"])
        let client = try fixture.client()
        #expect(try client.connect("127.0.0.1:\(echo.port)") == 200)
        try client.send("hello")
        #expect(try client.read(5) == Array("hello".utf8))
        // A megabyte, then EOF: every byte comes back, then the echo server's EOF.
        let payload = (0..<1_048_576).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        try client.send(payload)
        client.shutdownWrite()
        let back = try client.readToEnd()
        #expect(back.count == payload.count)
        let intact = back == payload
        #expect(intact, "the bytes came back in order")

        let log = await fixture.stop()
        await echo.stop()
        let entry = try #require(log.entries.first)
        #expect(log.entries.count == 1)
        #expect(entry.allowed && entry.status == 200)
        #expect(entry.host == "127.0.0.1" && entry.port == echo.port)
        #expect(entry.address == IPAddress("127.0.0.1"))
        #expect(entry.bytesUp == 5 + payload.count)
        #expect(entry.bytesDown == 5 + payload.count)
    }

    @Test func bytesSentWithTheRequestAreNotLost() async throws {
        let echo = try await EchoServer.start()
        let fixture = try await ProxyFixture.start(allow: ["127.0.0.1:\(echo.port)"])
        let client = try fixture.client()
        try client.send("CONNECT 127.0.0.1:\(echo.port) HTTP/1.1\r\nHost: x\r\n\r\nearly bytes")
        #expect(try client.readHead().status == 200)
        #expect(try client.read(11) == Array("early bytes".utf8))
        await fixture.stop()
        await echo.stop()
    }

    @Test func aStepMayOnlyUseWhatItsTemplateDeclares() async throws {
        let echo = try await EchoServer.start()
        let fixture = try await ProxyFixture.start(step: ["example.com:443"], allow: ["*:*"])
        let answer = try fixture.request("127.0.0.1:\(echo.port)")
        #expect(answer.status == 403)
        #expect(answer.body.contains("the step does not declare `127.0.0.1:\(echo.port)`"))
        await fixture.stop()
        #expect(echo.connections == 0)
        await echo.stop()
    }

    @Test func aPolicyMustAllowIt() async throws {
        let fixture = try await ProxyFixture.start(step: ["*:*"], allow: ["example.com:443"])
        let answer = try fixture.request("example.org:443")
        #expect(answer.status == 403)
        #expect(
            answer.body
                == "no Policy allows `example.org:443`: a Policy's `runRules.network.allow` must name it, e.g. `example.org:443`\n"
        )
        await fixture.stop()
    }

    @Test func denyWins() async throws {
        let echo = try await EchoServer.start()
        let fixture = try await ProxyFixture.start(
            allow: ["*:*", "127.0.0.1:\(echo.port)"], deny: ["127.0.0.0/8:*"])
        let answer = try fixture.request("127.0.0.1:\(echo.port)")
        #expect(answer.status == 403)
        #expect(answer.body.contains("denied by the Policy rule `127.0.0.0/8:*`"))
        await fixture.stop()
        #expect(echo.connections == 0)
        await echo.stop()
    }

    @Test func loopbackNeedsAnAddressRule() async throws {
        let echo = try await EchoServer.start()
        let open = try await ProxyFixture.start(allow: ["*:*"])
        for target in ["localhost:\(echo.port)", "127.0.0.1:\(echo.port)", "[::1]:\(echo.port)"] {
            let answer = try open.request(target)
            #expect(answer.status == 403, "\(target)")
            #expect(
                answer.body.contains("is loopback (this machine); only a Policy rule naming that address"),
                "\(answer.body)")
        }
        await open.stop()
        #expect(echo.connections == 0)

        let named = try await ProxyFixture.start(allow: ["127.0.0.1:\(echo.port)"])
        #expect(try named.request("127.0.0.1:\(echo.port)").status == 200)
        await named.stop()
        #expect(echo.connections == 1)
        await echo.stop()
    }

    @Test func metadataAndNumericTricksAreRefused() async throws {
        let echo = try await EchoServer.start()
        let open = try await ProxyFixture.start(allow: ["*:*"])
        let cases: [(String, String)] = [
            ("169.254.169.254:80", "`169.254.169.254` is link-local (cloud metadata lives there)"),
            ("[::ffff:169.254.169.254]:80", "`::ffff:169.254.169.254` is link-local"),
            ("[::ffff:a9fe:a9fe]:80", "`::ffff:169.254.169.254` is link-local"),
            ("100.100.100.200:80", "shared CGNAT range"),
            // Not strict literals: matched as names, resolved, and refused by the address check.
            ("2852039166:80", "`169.254.169.254` (which 2852039166 resolved to) is link-local"),
            ("0x7f.1:\(echo.port)", "`127.0.0.1` (which 0x7f.1 resolved to) is loopback"),
            ("127.1:\(echo.port)", "`127.0.0.1` (which 127.1 resolved to) is loopback"),
        ]
        for (target, reason) in cases {
            let answer = try open.request(target)
            #expect(answer.status == 403, "\(target)")
            #expect(answer.body.contains(reason), "\(target): \(answer.body)")
        }
        await open.stop()

        // An address rule never matches a numeric name, so the name check refuses it first.
        let named = try await ProxyFixture.start(allow: ["127.0.0.1:\(echo.port)"])
        let answer = try named.request("0x7f.1:\(echo.port)")
        #expect(answer.status == 403)
        #expect(answer.body.contains("no Policy allows `0x7f.1:\(echo.port)`"))
        await named.stop()
        #expect(echo.connections == 0)
        await echo.stop()
    }

    @Test func theControllersOwnEndpointsNeedAnExactRule() async throws {
        let echo = try await EchoServer.start()
        let reserved = [EgressRules.Endpoint(address: IPAddress("127.0.0.1"), port: echo.port)]
        let broad = try await ProxyFixture.start(allow: ["127.0.0.0/8:*"], reserved: reserved)
        let answer = try broad.request("127.0.0.1:\(echo.port)")
        #expect(answer.status == 403)
        #expect(answer.body.contains("reaches the controller's own endpoint 127.0.0.1:\(echo.port)"))
        await broad.stop()
        #expect(echo.connections == 0)

        let exact = try await ProxyFixture.start(allow: ["127.0.0.1:\(echo.port)"], reserved: reserved)
        #expect(try exact.request("127.0.0.1:\(echo.port)").status == 200)
        await exact.stop()
        await echo.stop()
    }

    @Test func anUnreachableDestinationIsABadGateway() async throws {
        let port = try LoopbackServer.freePort()
        let fixture = try await ProxyFixture.start(allow: ["127.0.0.1:\(port)"])
        let answer = try fixture.request("127.0.0.1:\(port)")
        #expect(answer.status == 502)
        #expect(answer.body.hasPrefix("cannot connect to `127.0.0.1:\(port)`"))
        let log = await fixture.stop()
        #expect(log.entries.map(\.status) == [502])
    }

    @Test func anOversizedHeadIsRefusedAndClosed() async throws {
        let fixture = try await ProxyFixture.start(allow: ["*:*"])
        let client = try fixture.client()
        try client.send("CONNECT example.com:443 HTTP/1.1\r\nX-Padding: " + String(repeating: "a", count: 9000))
        let (status, _) = try client.readHead()
        #expect(status == 431)
        #expect(try client.readText().contains("larger than 8192 bytes"))
        await fixture.stop()
    }

    @Test func onlyConnectIsSupported() async throws {
        let fixture = try await ProxyFixture.start(allow: ["*:*"])
        let client = try fixture.client()
        try client.send("GET http://example.com/ HTTP/1.1\r\nHost: example.com\r\n\r\n")
        let (status, head) = try client.readHead()
        #expect(status == 405)
        #expect(head.contains("Allow: CONNECT"))
        #expect(try client.readText().contains("only CONNECT tunnels are supported, not GET"))
        await fixture.stop()
    }

    @Test(arguments: [
        "CONNECT example.com HTTP/1.1\r\n\r\n", "CONNECT example.com:0 HTTP/1.1\r\n\r\n",
        "CONNECT example.com:65536 HTTP/1.1\r\n\r\n", "CONNECT ::1:443 HTTP/1.1\r\n\r\n",
        "CONNECT [::1:443 HTTP/1.1\r\n\r\n", "CONNECT [127.0.0.1]:443 HTTP/1.1\r\n\r\n",
        "CONNECT ex_ample.com:443 HTTP/1.1\r\n\r\n", "CONNECT example.com:443 HTTP/2\r\n\r\n",
        "CONNECT example.com:443\r\n\r\n", "CONNECT example.com:443 HTTP/1.1\nHost: x\r\n\r\n",
        "CONNECT example.com:443 HTTP/1.1\r\n folded\r\n\r\n", "connect example.com:443 HTTP/1.1\r\n\r\n",
    ])
    func malformedRequestsAreBadRequests(request: String) async throws {
        let fixture = try await ProxyFixture.start(allow: ["*:*"])
        let client = try fixture.client()
        try client.send(request)
        #expect(try client.readHead().status == 400)
        let log = await fixture.stop()
        #expect(log.entries.map(\.status) == [400])
    }

    @Test func theSixtyFifthTunnelIsTurnedAway() async throws {
        let echo = try await EchoServer.start()
        let fixture = try await ProxyFixture.start(allow: ["127.0.0.1:\(echo.port)"])
        var open: [ProxyClient] = []
        for _ in 0..<64 {
            let client = try fixture.client()
            #expect(try client.connect("127.0.0.1:\(echo.port)") == 200)
            open.append(client)
        }
        let answer = try fixture.request("127.0.0.1:\(echo.port)")
        #expect(answer.status == 503)
        #expect(answer.body.contains("64 tunnels are open"))
        // The open tunnels still work.
        try open[63].send("still here")
        #expect(try open[63].read(10) == Array("still here".utf8))
        await fixture.stop()
        #expect(echo.connections == 64)
        await echo.stop()
    }

    @Test func aSilentClientIsDisconnectedAfterTheHeadTimeout() async throws {
        let fixture = try await ProxyFixture.start(
            allow: ["*:*"], configuration: .init(headTimeout: .milliseconds(200)))
        let silent = try fixture.client()
        let partial = try fixture.client()
        try partial.send("CONNECT exam")
        #expect(try silent.readToEnd().isEmpty, "closed without an answer")
        #expect(try partial.readToEnd().isEmpty)
        await fixture.stop()
    }

    @Test func anIdleTunnelIsClosed() async throws {
        let echo = try await EchoServer.start()
        let fixture = try await ProxyFixture.start(
            allow: ["127.0.0.1:\(echo.port)"], configuration: .init(idleTimeout: .milliseconds(200)))
        let client = try fixture.client()
        #expect(try client.connect("127.0.0.1:\(echo.port)") == 200)
        #expect(try client.readToEnd().isEmpty)
        await fixture.stop()
        await echo.stop()
    }

    @Test func stopClosesOpenTunnelsAndTheSocket() async throws {
        let echo = try await EchoServer.start()
        let fixture = try await ProxyFixture.start(allow: ["127.0.0.1:\(echo.port)"])
        let tunnel = try fixture.client()
        #expect(try tunnel.connect("127.0.0.1:\(echo.port)") == 200)
        let waiting = try fixture.client()  // connected, request not sent yet
        let first = await fixture.proxy.stop()
        #expect(try tunnel.readToEnd().isEmpty)
        #expect(try waiting.readToEnd().isEmpty)
        #expect(!FileManager.default.fileExists(atPath: fixture.socketPath))
        #expect(throws: FixtureError.self) { try fixture.client() }
        let second = await fixture.stop()
        #expect(first == second, "stop is idempotent")
        #expect(second.entries.count == 1)
        await echo.stop()
    }

    @Test func theLogRecordsEveryDecisionAndIsBounded() async throws {
        let echo = try await EchoServer.start()
        let fixture = try await ProxyFixture.start(
            step: ["127.0.0.1:\(echo.port)", "example.com:443"], allow: ["127.0.0.1:\(echo.port)"],
            configuration: .init(maximumLogEntries: 3))
        #expect(try fixture.request("127.0.0.1:\(echo.port)").status == 200)
        #expect(try fixture.request("example.com:443").status == 403)
        #expect(try fixture.request("example.org:443").status == 403)
        #expect(try fixture.request("example.net:443").status == 403)
        let log = await fixture.stop()
        await echo.stop()
        #expect(log.entries.map(\.status) == [200, 403, 403])
        #expect(log.entries.map(\.allowed) == [true, false, false])
        #expect(log.entries.map(\.host) == ["127.0.0.1", "example.com", "example.org"])
        #expect(log.entries[1].reason.hasPrefix("no Policy allows `example.com:443`"))
        #expect(log.entries[2].reason.hasPrefix("the step does not declare `example.org:443`"))
        #expect(log.entries[1].address == nil)
        #expect(log.omitted == 1)
    }

    @Test func theSocketIsSharedReplacedWhenStaleAndBounded() async throws {
        let directory = makeTemporaryDirectory("egress")
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("egress.sock").path
        try leaveStaleSocket(at: path)
        let proxy = try await EgressProxy.start(socketPath: path, rules: EgressRules(step: [], allow: []))
        var info = stat()
        #expect(stat(path, &info) == 0)
        #expect(info.st_mode & 0o777 == 0o666, "the step may run as another user")
        await proxy.stop()

        let long = "/tmp/" + String(repeating: "d", count: 100) + "/egress.sock"
        await #expect(throws: EgressProxyError.self) {
            try await EgressProxy.start(socketPath: long, rules: EgressRules(step: [], allow: []))
        }
        let file = directory.appendingPathComponent("not-a-socket")
        try "x".write(to: file, atomically: true, encoding: .utf8)
        await #expect(throws: EgressProxyError.self) {
            try await EgressProxy.start(socketPath: file.path, rules: EgressRules(step: [], allow: []))
        }
    }
}

/// Binds a unix socket at `path` and closes it without removing the file, as a crashed process would.
private func leaveStaleSocket(at path: String) throws {
    let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_un()
    address.sun_family = sa_family_t(AF_UNIX)
    withUnsafeMutableBytes(of: &address.sun_path) { raw in
        for (index, byte) in path.utf8.enumerated() { raw[index] = byte }
    }
    let bound = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
    }
    guard bound == 0 else { throw FixtureError("bind \(path): \(String(cString: strerror(errno)))") }
}
