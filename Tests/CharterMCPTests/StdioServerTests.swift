import CharterMCP
import CharterModel
import CharterTestSupport
import CharterTools
import Foundation
import Testing

/// The reference servers from PyPI, and a hostile one, over stdio as plain processes.
@Suite struct StdioServerTests {
    @Test func theTimeServerListsItsToolsAndAnswers() async throws {
        let script = try #require(await Python.script("mcp-server-time"), "\(Python.install)")
        let server = stdioServer("time", [script, "--local-timezone", "UTC"], readOnly: ["get_*"])
        try await withServer(server) { time, directory in
            #expect(time.tools.map(\.name).sorted() == ["mcp.time.convert_time", "mcp.time.get_current_time"])
            #expect(time.protocolVersion.hasPrefix("20"))
            #expect(time.warnings == [])
            let now = try tool(time, "mcp.time.get_current_time")
            #expect(now.remoteName == "get_current_time" && now.server == "time")
            #expect(now.effect == .readOnly, "declared read-only by the operator")
            // The server annotates convert_time `readOnlyHint: true`; only the operator's word counts.
            #expect(try tool(time, "mcp.time.convert_time").effect == .sideEffecting)
            #expect(now.parameters["properties"]?["timezone"]?["type"] == "string")
            #expect(!now.summary.isEmpty)

            let output = try await now.call(["timezone": "Europe/Berlin"], context: callContext(directory))
            #expect(!output.isError)
            #expect(output.text.contains("Europe/Berlin") && output.text.contains("datetime"), "\(output.text)")
            #expect(output.details["server"] == "time" && output.details["tool"] == "get_current_time")

            // A tool error is a result the model reads, not a failure of the call.
            let wrong = try await now.call(["timezone": "Mars/Olympus_Mons"], context: callContext(directory))
            #expect(wrong.isError, "\(wrong.text)")
            #expect(wrong.text.contains("Mars/Olympus_Mons"), "\(wrong.text)")
        }
    }

    @Test func theGitServerReadsARepository() async throws {
        let script = try #require(await Python.script("mcp-server-git"), "\(Python.install)")
        let repo = try temporaryDirectory("repo")
        defer { try? FileManager.default.removeItem(at: repo) }
        let git = URL(fileURLWithPath: "/usr/bin/git")
        let identity = ["-c", "user.name=Ada", "-c", "user.email=ada@example.com"]
        _ = try ProcessRunner.run(git, ["init", "-q", "-b", "main", repo.path])
        try "hello\n".write(to: repo.appendingPathComponent("README.md"), atomically: true, encoding: .utf8)
        _ = try ProcessRunner.run(git, ["-C", repo.path, "add", "README.md"])
        let commit = try ProcessRunner.run(git, ["-C", repo.path] + identity + ["commit", "-q", "-m", "First commit"])
        try #require(commit.status == 0, "\(commit.stderr)")
        try "changed\n".write(to: repo.appendingPathComponent("README.md"), atomically: true, encoding: .utf8)

        let server = stdioServer("git", [script, "--repository", repo.path], readOnly: ["git_status", "git_log"])
        try await withServer(server) { mcp, directory in
            #expect(mcp.tools.contains { $0.name == "mcp.git.git_commit" && $0.effect == .sideEffecting })
            let status = try await tool(mcp, "mcp.git.git_status").call(
                ["repo_path": .string(repo.path)], context: callContext(directory))
            #expect(!status.isError && status.text.contains("README.md"), "\(status.text)")
            let log = try await tool(mcp, "mcp.git.git_log").call(
                ["repo_path": .string(repo.path)], context: callContext(directory))
            #expect(!log.isError && log.text.contains("First commit"), "\(log.text)")
        }
    }

    @Test func aProgramThatDoesNotExistSaysSo() async throws {
        let error = try #require(await openError(stdioServer("ghost", ["/nonexistent/mcp-server-ghost"])))
        #expect(error.server == "ghost")
        #expect(error.message.contains("`initialize`"), "\(error)")
        #expect(error.message.contains("exit status 127"), "\(error)")
        #expect(error.message.contains("/nonexistent/mcp-server-ghost: not found"), "\(error)")
    }

    /// Servers that start and die in quick succession crash nothing (read with dispatch sources,
    /// their pipes crashed the process in libdispatch once descriptor numbers were reused), and
    /// each says why it failed.
    @Test func manyServersComingAndGoing() async throws {
        for _ in 0..<40 {
            let error = try await openError(stdioServer("ghost", ["/nonexistent/mcp-server-ghost"]))
            #expect(error?.message.contains("exit status 127") == true, "\(String(describing: error))")
        }
    }

    @Test func aServerPrintingSomethingElseOnStdoutIsRefusedAtOnce() async throws {
        let error = try #require(await openError(try await hostileServer("banner")))
        #expect(error.message.contains("not an MCP message"), "\(error)")
        #expect(error.message.contains("my-server 1.0 starting, hello!"), "\(error)")
    }

    @Test func aServerThatNeverAnswersTimesOut() async throws {
        let error = try #require(await openError(try await hostileServer("silent"), startupTimeout: .seconds(1)))
        #expect(error.message.contains("did not answer `initialize` within 1s"), "\(error)")
    }

    @Test func aServerSpeakingAnUnknownVersionIsRefused() async throws {
        let error = try #require(await openError(try await hostileServer("old")))
        #expect(error.message.contains("speaks MCP version `1999-01-01`"), "\(error)")
    }

    @Test func aServerMayPingTheClient() async throws {
        try await withServer(try await hostileServer("ping-first")) { server, _ in
            #expect(server.protocolVersion == "2025-06-18")
            #expect(server.tools.count == 12)
        }
    }

    @Test func aServerWithoutToolsOffersNone() async throws {
        try await withServer(try await hostileServer("no-tools")) { server, _ in
            #expect(server.tools.isEmpty)
            #expect(server.warnings.contains { $0.contains("does not offer tools") })
        }
    }

    @Test func aCallThatNeverFinishesIsCancelledAtTheDeadline() async throws {
        // 3 s, not less: the echo after the cancelled call must fit too on a loaded machine.
        try await withServer(try await hostileServer("good", timeout: "3s")) { server, directory in
            let hang = try tool(server, "mcp.hostile.hang")
            let timedOut = await failure { try await hang.call([:], context: callContext(directory)) }
            #expect(timedOut?.message.contains("did not finish within 3s") == true, "\(String(describing: timedOut))")
            // The connection survives a cancelled call.
            let echo = try await tool(server, "mcp.hostile.echo").call(["text": "hi"], context: callContext(directory))
            #expect(echo.text == #"{"text": "hi"}"#)
        }
        // The step's deadline, when earlier, bounds the call instead.
        try await withServer(try await hostileServer("good", timeout: "1h")) { server, directory in
            let hang = try tool(server, "mcp.hostile.hang")
            let context = callContext(directory, deadline: Date().addingTimeInterval(1))
            let timedOut = await failure { try await hang.call([:], context: context) }
            #expect(timedOut?.message.contains("left of the step") == true, "\(String(describing: timedOut))")
        }
    }

    @Test func aServerThatExitsMidCallFailsTheCallWithItsReason() async throws {
        try await withServer(try await hostileServer("good")) { server, directory in
            let exit = try tool(server, "mcp.hostile.exit")
            let failed = await failure { try await exit.call([:], context: callContext(directory)) }
            let message = failed?.message ?? ""
            #expect(message.contains("stopped during the call"), "\(message)")
            #expect(message.contains("exit status 3"), "\(message)")
            #expect(message.contains("boom: giving up on purpose"), "\(message)")
            let again = await failure {
                try await tool(server, "mcp.hostile.echo").call([:], context: callContext(directory))
            }
            #expect(again?.message.contains("is not running") == true, "\(String(describing: again))")
        }
    }

    @Test func hugeAndGarbledAnswersEndTheConnection() async throws {
        try await withServer(try await hostileServer("good")) { server, directory in
            let flood = await failure {
                try await tool(server, "mcp.hostile.flood").call([:], context: callContext(directory))
            }
            #expect(flood?.message.contains("longer than 16 MiB") == true, "\(String(describing: flood))")
        }
        try await withServer(try await hostileServer("good")) { server, directory in
            let garbage = await failure {
                try await tool(server, "mcp.hostile.slow-garbage").call([:], context: callContext(directory))
            }
            #expect(garbage?.message.contains("`this is not JSON`") == true, "\(String(describing: garbage))")
        }
    }

    @Test func resultsAreDescribedAndCut() async throws {
        try await withServer(try await hostileServer("good")) { server, directory in
            let mixed = try await tool(server, "mcp.hostile.mixed").call([:], context: callContext(directory))
            #expect(
                mixed.text
                    == """
                    first
                    [image, image/png, 12 KB]
                    [resource file:///notes.txt]
                    notes
                    [resource file:///a.bin, application/zip, 3 bytes]
                    [resource link b: file:///b.txt]
                    """)
            #expect(mixed.details["contentBlocks"] == 5)

            let big = try await tool(server, "mcp.hostile.big").call(
                [:], context: callContext(directory, resultLimit: 1000))
            #expect(big.text.hasPrefix(String(repeating: "y", count: 1000)))
            #expect(big.text.hasSuffix("… [cut: \(200 * 1024 - 1000) more bytes]"), "\(big.text.suffix(80))")
            #expect(big.details["truncated"] == true && big.details["bytes"] == .int(200 * 1024))

            let fail = try await tool(server, "mcp.hostile.fail").call([:], context: callContext(directory))
            #expect(fail.isError && fail.text == "the thing failed")

            let refused = await failure {
                try await tool(server, "mcp.hostile.refuse").call([:], context: callContext(directory))
            }
            #expect(
                refused?.message == "the server refused the call: Unknown tool: refuse",
                "\(String(describing: refused))")
        }
    }

    @Test func whatAServerListsIsBounded() async throws {
        try await withServer(try await hostileServer("many")) { server, _ in
            #expect(server.tools.count == MCPToolServer.maxTools)
            #expect(server.tools.first?.name == "mcp.hostile.echo")
            let warnings = server.warnings.joined(separator: "\n")
            for fragment in [
                "the tool `` is skipped: its name is empty", "`has space` is skipped", "is longer than 64 characters",
                "`star*` is skipped", "`té` is skipped", "`echo` is listed twice",
                "`not-an-object` is skipped: its inputSchema is not an object schema",
                "lists more than 256 tools",
            ] {
                #expect(warnings.contains(fragment), "\(fragment) in \(warnings)")
            }
            // Annotations such as readOnlyHint are not trusted.
            #expect(server.tools.allSatisfy { $0.effect == .sideEffecting })
        }
        try await withServer(try await hostileServer("loop")) { server, _ in
            #expect(server.tools.count == 1)
            #expect(server.warnings.contains { $0.contains("go round in a circle") }, "\(server.warnings)")
        }
    }

    @Test func closingStopsTheServerAndWhatItStarted() async throws {
        let directory = try temporaryDirectory("close")
        defer { try? FileManager.default.removeItem(at: directory) }
        let server = try await MCPToolServer.open(
            try await hostileServer("good"), launcher: LocalLauncher(directory: directory))
        let spawned = try await tool(server, "mcp.hostile.spawn").call([:], context: callContext(directory))
        let child = try #require(Int32(spawned.text), "\(spawned.text)")
        #expect(!processIsGone(child))
        await server.close()
        #expect(await eventually { processIsGone(child) }, "the server's child \(child) outlived the server")
        let after = await failure {
            try await tool(server, "mcp.hostile.echo").call([:], context: callContext(directory))
        }
        #expect(after?.message.contains("is not running: it was closed") == true, "\(String(describing: after))")
    }
}
