import CharterEgress
import CharterModel
import CharterTestSupport
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The built `charter-netbridge`, run for real against a real ``EgressProxy``.
enum Netbridge {
    /// `$CHARTER_NETBRIDGE_BIN`, else the one next to the test bundle in the build directory.
    static var url: URL {
        if let bin = ProcessInfo.processInfo.environment["CHARTER_NETBRIDGE_BIN"] {
            return URL(fileURLWithPath: bin)
        }
        var dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = dir.appendingPathComponent("charter-netbridge")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            dir = dir.deletingLastPathComponent()
        }
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent(".build/debug/charter-netbridge")
    }

    /// Runs `charter-netbridge args…` (or `executable`), bounded by `timeout` (60 s, exit 124 when
    /// hit) so a broken bridge fails the test instead of hanging it.
    static func run(
        _ args: [String], executable: URL = url, input: URL? = nil, environment: [String: String] = [:]
    ) throws -> ProcessRunner.Result {
        var env = ProcessInfo.processInfo.environment
        env.merge(environment) { $1 }
        return try ProcessRunner.run(
            URL(fileURLWithPath: "/usr/bin/timeout"), ["-k", "5", "60", executable.path] + args, environment: env,
            input: input)
    }
}

@Suite("charter-netbridge: the sandbox's side of the egress proxy", .serialized)
struct NetbridgeTests {
    @Test func itNeedsNoSwiftRuntime() throws {
        let ldd = try ProcessRunner.run(URL(fileURLWithPath: "/usr/bin/ldd"), [Netbridge.url.path])
        #expect(ldd.status == 0)
        #expect(ldd.stdout.contains("libc.so"))
        for library in ["libswift", "libFoundation", "libdispatch", "libBlocksRuntime"] {
            #expect(!ldd.stdout.contains(library), "\(ldd.stdout)")
        }
    }

    @Test func bytesGoFromTheCommandThroughBridgeAndProxyToTheServerAndBack() async throws {
        let echo = try await EchoServer.start()
        let fixture = try await ProxyFixture.start(allow: ["127.0.0.1:\(echo.port)"])
        let port = try LoopbackServer.freePort()
        // bash connects the moment it starts, with no retry: the listener must already be there.
        let script = """
            exec 3<>/dev/tcp/127.0.0.1/\(port) || exit 3
            printf 'CONNECT 127.0.0.1:\(echo.port) HTTP/1.1\\r\\nHost: 127.0.0.1:\(echo.port)\\r\\n\\r\\n' >&3
            IFS= read -r status <&3; IFS= read -r blank <&3
            printf 'ping through the bridge\\n' >&3
            IFS= read -r reply <&3
            echo "$status"; echo "reply=$reply"
            """
        let result = try Netbridge.run([
            "--socket", fixture.socketPath, "--port", "\(port)", "--", "bash", "-c", script,
        ])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == "HTTP/1.1 200 Connection Established\r\nreply=ping through the bridge\n")
        let log = await fixture.stop()
        #expect(log.entries.map(\.status) == [200])
        #expect(log.entries.first?.bytesDown == 24)
        await echo.stop()
    }

    @Test func aMegabyteAndAHalfCloseCrossTheBridge() async throws {
        let echo = try await EchoServer.start()
        let fixture = try await ProxyFixture.start(allow: ["127.0.0.1:\(echo.port)"])
        let port = try LoopbackServer.freePort()
        // More than the bridge buffers in each direction, then EOF: all of it must come back, then EOF.
        let script = """
            import socket
            s = socket.create_connection(("127.0.0.1", \(port)))
            s.sendall(b"CONNECT 127.0.0.1:\(echo.port) HTTP/1.1\\r\\n\\r\\n")
            head = b""
            while not head.endswith(b"\\r\\n\\r\\n"):
                head += s.recv(1)
            payload = bytes(i * 31 % 256 for i in range(1 << 20))
            s.sendall(payload)
            s.shutdown(socket.SHUT_WR)
            back = bytearray()
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                back += chunk
            print(head.split(b"\\r\\n")[0].decode(), len(back), back == payload)
            """
        let result = try Netbridge.run(
            ["--socket", fixture.socketPath, "--port", "\(port)", "--", "python3", "-c", script])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == "HTTP/1.1 200 Connection Established 1048576 True\n")
        await fixture.stop()
        await echo.stop()
    }

    @Test func connectionsBeyondTheCapAreClosed() async throws {
        let echo = try await EchoServer.start()
        let fixture = try await ProxyFixture.start(allow: ["127.0.0.1:\(echo.port)"])
        let port = try LoopbackServer.freePort()
        // 128 pairs are the most the bridge keeps; the 129th connection is accepted and closed,
        // while the first ones still work.
        let script = """
            import socket
            held = [socket.create_connection(("127.0.0.1", \(port))) for _ in range(128)]
            extra = socket.create_connection(("127.0.0.1", \(port)))
            extra.settimeout(30)
            print("extra", extra.recv(1))
            held[0].sendall(b"CONNECT 127.0.0.1:\(echo.port) HTTP/1.1\\r\\n\\r\\n")
            held[0].settimeout(30)
            print(held[0].recv(12).decode())
            """
        let result = try Netbridge.run(
            ["--socket", fixture.socketPath, "--port", "\(port)", "--", "python3", "-c", script])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == "extra b''\nHTTP/1.1 200\n")
        await fixture.stop()
        await echo.stop()
    }

    @Test(.enabled(if: bubblewrapWorks, "needs a working /usr/bin/bwrap"))
    func insideASandboxWithOnlyUsrAndLoopbackTheProxyIsTheWayOut() async throws {
        let echo = try await EchoServer.start()
        let fixture = try await ProxyFixture.start(allow: ["127.0.0.1:\(echo.port)"])
        // The sandbox's 127.0.0.1 is its own: the echo server is reachable only through the proxy,
        // whose socket is mounted at the bridge's default path.
        let script = """
            if exec 4<>/dev/tcp/127.0.0.1/\(echo.port); then echo direct-reached; fi 2>/dev/null
            exec 3<>/dev/tcp/127.0.0.1/3128 || exit 3
            printf 'CONNECT 127.0.0.1:\(echo.port) HTTP/1.1\\r\\n\\r\\n' >&3
            IFS= read -r status <&3; IFS= read -r blank <&3
            printf 'from the sandbox\\n' >&3
            IFS= read -r reply <&3
            echo "$status"; echo "reply=$reply"
            """
        let result = try ProcessRunner.run(
            URL(fileURLWithPath: "/usr/bin/bwrap"),
            [
                "--ro-bind", "/usr", "/usr", "--symlink", "usr/lib", "/lib", "--symlink", "usr/lib64", "/lib64",
                "--symlink", "usr/bin", "/bin", "--proc", "/proc", "--dev", "/dev", "--unshare-net", "--unshare-pid",
                "--die-with-parent", "--ro-bind", Netbridge.url.path, "/opt/charter-netbridge", "--bind",
                fixture.directory.path, "/run/charter", "--", "/opt/charter-netbridge", "--", "bash", "-c", script,
            ])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == "HTTP/1.1 200 Connection Established\r\nreply=from the sandbox\n")
        await fixture.stop()
        #expect(echo.connections == 1, "only the proxy's connection")
        await echo.stop()
    }

    @Test func aRefusalReachesTheCommandWhole() async throws {
        let fixture = try await ProxyFixture.start(allow: ["*:*"])
        let port = try LoopbackServer.freePort()
        let script = """
            exec 3<>/dev/tcp/127.0.0.1/\(port) || exit 3
            printf 'CONNECT 169.254.169.254:80 HTTP/1.1\\r\\n\\r\\n' >&3
            cat <&3
            """
        let result = try Netbridge.run([
            "--socket", fixture.socketPath, "--port", "\(port)", "--", "bash", "-c", script,
        ])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.hasPrefix("HTTP/1.1 403 Forbidden\r\n"))
        #expect(
            result.stdout.hasSuffix(
                "\r\n\r\n`169.254.169.254` is link-local (cloud metadata lives there); only a Policy rule naming that address, such as `169.254.169.254:80`, allows it\n"
            ))
        await fixture.stop()
    }

    @Test(arguments: [("exit 7", 7), ("exit 0", 0), ("kill -KILL $$", 137), ("kill -TERM $$", 143)])
    func theCommandsExitStatusIsTheBridges(script: String, status: Int32) throws {
        let port = try LoopbackServer.freePort()
        let result = try Netbridge.run([
            "--socket", "/nonexistent/egress.sock", "--port", "\(port)", "--", "sh", "-c", script,
        ])
        #expect(result.status == status, "\(result.stderr)")
    }

    @Test func theCommandFollowsTheSeparator() throws {
        let directory = makeTemporaryDirectory("netbridge")
        defer { try? FileManager.default.removeItem(at: directory) }
        let marker = directory.appendingPathComponent("ran")
        let result = try Netbridge.run(["--prot", "3128", "touch", marker.path])
        #expect(result.status == 2)
        #expect(result.stderr.hasPrefix("usage: charter-netbridge"))
        #expect(!FileManager.default.fileExists(atPath: marker.path), "a mistyped option is not run as a command")
    }

    @Test func aMissingCommandExits127() throws {
        let port = try LoopbackServer.freePort()
        let result = try Netbridge.run(["--port", "\(port)", "--", "/nonexistent/command"])
        #expect(result.status == 127)
        #expect(result.stderr.contains("cannot run /nonexistent/command"))
    }

    @Test func aPortInUseStopsItBeforeTheCommandRuns() throws {
        let directory = makeTemporaryDirectory("netbridge")
        defer { try? FileManager.default.removeItem(at: directory) }
        let (occupied, port) = try listenOnFreePort()
        defer { close(occupied) }
        let marker = directory.appendingPathComponent("ran")
        let result = try Netbridge.run(["--port", "\(port)", "--", "touch", marker.path])
        #expect(result.status == 125)
        #expect(result.stderr.contains("cannot listen on 127.0.0.1:\(port)"))
        #expect(!FileManager.default.fileExists(atPath: marker.path), "the command was not run")
    }

    @Test func signalsAreForwardedToTheCommand() throws {
        let port = try LoopbackServer.freePort()
        let process = Process()
        process.executableURL = Netbridge.url
        // If SIGTERM were not forwarded, sleep would end on its own and the status would be 0.
        process.arguments = ["--port", "\(port)", "--", "sh", "-c", "echo ready; exec sleep 30"]
        let output = Pipe()
        process.standardOutput = output
        process.standardInput = FileHandle.nullDevice
        try process.run()
        var seen = ""
        while !seen.contains("ready") {
            let chunk = output.fileHandleForReading.availableData
            guard !chunk.isEmpty else { break }
            seen += String(decoding: chunk, as: UTF8.self)
        }
        #expect(seen == "ready\n")
        kill(process.processIdentifier, SIGTERM)
        process.waitUntilExit()
        #expect(process.terminationStatus == 128 + SIGTERM)
    }

    @Test func connectModeRelaysStandardInputAndOutput() async throws {
        let echo = try await EchoServer.start()
        let fixture = try await ProxyFixture.start(allow: ["127.0.0.1:\(echo.port)"])
        let directory = makeTemporaryDirectory("netbridge")
        defer { try? FileManager.default.removeItem(at: directory) }
        let input = directory.appendingPathComponent("input")
        let text = String(repeating: "through the tunnel and back\n", count: 10_000)
        try text.write(to: input, atomically: true, encoding: .utf8)
        let result = try Netbridge.run(
            ["connect", "--socket", fixture.socketPath, "127.0.0.1", "\(echo.port)"], input: input)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.count == text.count)
        #expect(result.stdout == text, "every byte, in order, then EOF")
        let log = await fixture.stop()
        #expect(log.entries.first?.bytesUp == text.utf8.count)
        await echo.stop()
    }

    @Test func connectModePrintsTheRefusalAndExits1() async throws {
        let fixture = try await ProxyFixture.start(allow: ["*:*"])
        let result = try Netbridge.run(["connect", "--socket", fixture.socketPath, "169.254.169.254", "80"])
        #expect(result.status == 1)
        #expect(
            result.stderr
                == "charter-netbridge connect: 169.254.169.254:80: HTTP/1.1 403 Forbidden: `169.254.169.254` is "
                + "link-local (cloud metadata lives there); only a Policy rule naming that address, such as "
                + "`169.254.169.254:80`, allows it\n")
        #expect(result.stdout.isEmpty)
        let ipv6 = try Netbridge.run(["--socket", fixture.socketPath, "connect", "::1", "80"])
        #expect(ipv6.status == 1)
        #expect(ipv6.stderr.contains("`::1` is loopback"), "sent as [::1]:80")
        await fixture.stop()
    }

    @Test(arguments: [
        ["exa mple.com", "443"], ["example.com\r\nX: y", "443"], ["example.com", "0"], ["example.com", "70000"],
        ["example.com", "44a"], ["", "443"], ["example.com"],
    ])
    func connectModeChecksItsArgumentsBeforeSending(arguments: [String]) async throws {
        let fixture = try await ProxyFixture.start(allow: ["*:*"])
        let result = try Netbridge.run(["connect", "--socket", fixture.socketPath] + arguments)
        #expect(result.status == 2)
        let log = await fixture.stop()
        #expect(log.entries.isEmpty, "nothing reached the proxy")
    }

    @Test func gitUsesASymlinkNamedConnectAsItsProxyCommand() async throws {
        let repository = try GitFixture(name: "netbridge")
        try repository.write("README", "hello\n")
        let commit = try repository.commitAll("first")
        let served = makeTemporaryDirectory("served")
        defer { try? FileManager.default.removeItem(at: served) }
        try GitFixture.run([
            "clone", "-q", "--bare", repository.root.path, served.appendingPathComponent("org.git").path,
        ])
        let daemon = try await LoopbackGitDaemon(serving: served)
        defer { daemon.stop() }
        let fixture = try await ProxyFixture.start(
            step: ["127.0.0.1:\(daemon.port)"], allow: ["127.0.0.1:\(daemon.port)"])
        let connect = served.appendingPathComponent("connect")
        try FileManager.default.createSymbolicLink(at: connect, withDestinationURL: Netbridge.url)

        let result = try ProcessRunner.run(
            URL(fileURLWithPath: "/usr/bin/timeout"), ["60", "/usr/bin/git", "ls-remote", daemon.url("org.git")],
            environment: ProcessInfo.processInfo.environment.merging([
                "GIT_PROXY_COMMAND": connect.path, "CHARTER_EGRESS_SOCKET": fixture.socketPath,
                "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": "/dev/null",
            ]) { $1 })
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("\(commit)\trefs/heads/main"))
        let log = await fixture.stop()
        #expect(log.entries.map(\.status) == [200])
        #expect(log.entries.first.map { $0.bytesUp > 0 && $0.bytesDown > 0 } == true)
    }
}

/// Whether bubblewrap can make a sandbox here (it needs user namespaces, or root).
private let bubblewrapWorks: Bool = {
    guard FileManager.default.isExecutableFile(atPath: "/usr/bin/bwrap") else { return false }
    let probe = try? ProcessRunner.run(
        URL(fileURLWithPath: "/usr/bin/bwrap"),
        [
            "--ro-bind", "/usr", "/usr", "--symlink", "usr/lib", "/lib", "--symlink", "usr/lib64", "/lib64",
            "--unshare-net", "/usr/bin/true",
        ])
    return probe?.status == 0
}()

/// A socket listening on a free 127.0.0.1 port, to make that port unavailable.
private func listenOnFreePort() throws -> (Int32, UInt16) {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let listening = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            bind(fd, $0, length) == 0 && listen(fd, 1) == 0 && getsockname(fd, $0, &length) == 0
        }
    }
    guard listening else {
        close(fd)
        throw FixtureError("cannot listen: \(String(cString: strerror(errno)))")
    }
    return (fd, UInt16(bigEndian: address.sin_port))
}
