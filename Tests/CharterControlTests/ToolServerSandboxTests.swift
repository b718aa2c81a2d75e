import CharterControl
import CharterMCP
import CharterModel
import CharterShell
import CharterTestSupport
import CharterTools
import Foundation
import Testing

/// Stdio ToolServers started by ``SandboxedToolServerLauncher`` in a run's sandbox: the reference
/// git server from PyPI working on a repository a shell step made, the sandbox's walls, failing
/// closed.
@Suite(.serialized) struct ToolServerSandboxTests {
    /// Whether bubblewrap runs here with namespaces, checked without the code under test.
    static let bubblewrapWorks: Bool = {
        let bwrap = URL(fileURLWithPath: "/usr/bin/bwrap")
        guard FileManager.default.isExecutableFile(atPath: bwrap.path) else { return false }
        let result = try? ProcessRunner.run(
            bwrap, ["--ro-bind", "/", "/", "--unshare-pid", "--proc", "/proc", "--dev", "/dev", "true"])
        return result?.status == 0
    }()

    /// What Python installs live under (pyenv's versions live in /root, which the sandbox does not
    /// show): the toolchain paths an operator would bind, the console scripts' directory, the
    /// interpreter. Asked once through ``ShellRunner`` (not Foundation's `Process`, whose pipes a
    /// server started at the same moment could inherit, and whose wait would block a cooperative
    /// thread).
    static let asked = Task<(paths: [String], scripts: String, executable: String)?, Never> {
        let code =
            "import os, sys, sysconfig; print(os.path.realpath(sys.prefix)); print(os.path.realpath(sys.base_prefix));"
            + " print(sysconfig.get_path('scripts')); print(os.path.realpath(sys.executable))"
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("charter-python-\(UUID())")
        defer { try? FileManager.default.removeItem(at: directory) }
        let output = directory.appendingPathComponent("out")
        guard (try? FileManager.default.createDirectory(at: output, withIntermediateDirectories: true)) != nil,
            let result = try? await ShellRunner().run(
                ShellRequest(
                    command: "exec python3 -c \"$CODE\"", workspace: directory, outputDirectory: output,
                    environment: ["CODE": code], sandbox: .disabled)),
            result.succeeded, let text = try? String(contentsOf: result.stdout.file, encoding: .utf8)
        else { return nil }
        let lines = text.split(separator: "\n").map(String.init)
        guard lines.count == 4 else { return nil }
        let paths = Set(lines[0...1]).filter { !$0.hasPrefix("/usr/") }.sorted()
        return (paths, lines[2], lines[3])
    }

    static var python: (paths: [String], scripts: String, executable: String)? { get async { await asked.value } }

    static let install = "pip install mcp-server-git mcp-server-time (make deps does)"

    /// A workspace, an output directory beside it, and a runner that shows Python in its sandbox.
    struct Site {
        let root: URL
        var workspace: URL { root.appendingPathComponent("run-1") }
        var output: URL { root.appendingPathComponent(".output-run-1/agent-1") }
        let runner: ShellRunner

        init(bubblewrap: [String] = Bubblewrap.defaultCandidates) async throws {
            root = FileManager.default.temporaryDirectory.appendingPathComponent("charter-mcp-sandbox-\(UUID())")
            var configuration = ShellRunner.Configuration(
                terminationGracePeriod: .seconds(1), bubblewrapCandidates: bubblewrap,
                sandboxReadOnlyPaths: await ToolServerSandboxTests.python?.paths ?? [])
            configuration.controllerEnvironment = ["PATH": "/usr/bin:/bin"]
            runner = ShellRunner(configuration: configuration)
            try FileManager.default.createDirectory(
                at: root.appendingPathComponent("run-1"), withIntermediateDirectories: true)
        }

        func launcher(_ policies: [Policy] = []) -> SandboxedToolServerLauncher {
            SandboxedToolServerLauncher(
                runner: runner,
                rules: StepRules(RunRules(policies: policies), credentials: root.appendingPathComponent("credentials")),
                workspace: workspace, outputDirectory: output, runID: "run-1", step: "agent")
        }

        /// Runs `script` as a shell step would, in the sandbox, so what it makes belongs to the step user.
        func shell(_ script: String) async throws {
            try FileManager.default.createDirectory(
                at: root.appendingPathComponent("shell"), withIntermediateDirectories: true)
            let result = try await runner.run(
                ShellRequest(
                    command: script, workspace: workspace, outputDirectory: root.appendingPathComponent("shell")))
            let stderr = (try? String(contentsOf: result.stderr.file, encoding: .utf8)) ?? ""
            try #require(result.succeeded, "\(result.termination): \(stderr)")
        }

        func remove() { try? FileManager.default.removeItem(at: root) }
    }

    func context(_ site: Site) -> ToolCallContext {
        ToolCallContext(
            runID: "run-1", step: "agent", callID: "call-1", workspace: site.workspace, rules: RunRules(policies: []))
    }

    @Test(.enabled(if: bubblewrapWorks, "needs a working /usr/bin/bwrap"))
    func theGitServerWorksOnTheWorkspaceInTheSandbox() async throws {
        let python = try #require(await Self.python, "python3 is needed")
        let script = "\(python.scripts)/mcp-server-git"
        try #require(FileManager.default.isExecutableFile(atPath: script), "\(Self.install)")
        let site = try await Site()
        defer { site.remove() }
        try await site.shell(
            """
            git init -q -b main repo && cd repo && printf 'hello\\n' > README.md \
            && git add README.md && git -c user.name=Ada -c user.email=ada@example.com commit -q -m 'First commit' \
            && printf 'more\\n' >> README.md
            """)
        let launcher = site.launcher()
        let server = ToolServer(
            name: "git",
            spec: [
                "stdio": ["command": [.string(script), "--repository", "/workspace/repo"]], "readOnlyTools": ["git_*"],
            ])
        let git = try await MCPToolServer.open(server, launcher: launcher)
        let status = try #require(git.tools.first { $0.name == "mcp.git.git_status" })
        let result = try await status.call(["repo_path": "/workspace/repo"], context: context(site))
        #expect(!result.isError && result.text.contains("README.md"), "\(result.text)")
        let log = try #require(git.tools.first { $0.name == "mcp.git.git_log" })
        let history = try await log.call(["repo_path": "/workspace/repo"], context: context(site))
        #expect(history.text.contains("First commit"), "\(history.text)")
        // The sandbox shows the workspace only: the host's repository of this test is not there.
        let outside = try await status.call(["repo_path": .string(site.root.path)], context: context(site))
        #expect(outside.isError, "\(outside.text)")
        await git.close()

        let record = try #require(launcher.records.first)
        #expect(record.sandbox.hasPrefix("bubblewrap"), "\(record.sandbox)")
        #expect(record.unsandboxed == nil)
        #expect(record.ended != nil, "the record is finished once the server is closed")
        #expect(record.stderrFile.path.hasPrefix(site.output.path))
        #expect(!(await ToolServerSandboxTests.processesIn(site.workspace)), "a process of the server outlived it")
    }

    @Test(.enabled(if: bubblewrapWorks, "needs a working /usr/bin/bwrap"))
    func aSandboxedServerIsCutOffFromTheNetworkAndTheHost() async throws {
        let python = try #require(await Self.python, "python3 is needed")
        let site = try await Site()
        defer { site.remove() }
        // The hostile fixture, copied into the workspace: the test's own files are not in the sandbox.
        let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/mcp-hostile-server.py")
        try FileManager.default.copyItem(at: fixture, to: site.workspace.appendingPathComponent("server.py"))
        let server = ToolServer(
            name: "probe",
            spec: [
                "stdio": [
                    "command": [.string(python.executable), "/workspace/server.py", "good"],
                    "network": ["allow": ["example.com:443"]],
                ],
                "timeout": "30s",
            ])
        let launcher = site.launcher()
        let probe = try await MCPToolServer.open(server, launcher: launcher)
        let connect = try #require(probe.tools.first { $0.name == "mcp.probe.connect" })
        // The proxy is there because the server asked for a destination, and refuses it: no Policy allows it.
        let answer = try await connect.call(["text": "example.com:443"], context: context(site))
        #expect(answer.text.hasPrefix("HTTP/1.1 403"), "\(answer.text)")
        let environment = try await probe.tools.first { $0.name == "mcp.probe.environment" }!.call(
            [:], context: context(site))
        #expect(environment.text.contains("\"HOME\": \"/workspace\""), "\(environment.text)")
        #expect(environment.text.contains("\"CHARTER_TOOL_SERVER\": \"probe\""), "\(environment.text)")
        #expect(!environment.text.contains(site.root.path), "a host path reached the server: \(environment.text)")
        await probe.close()
        let record = try #require(launcher.records.first)
        #expect(record.networkSummary?["refused"] == 1, "\(String(describing: record.networkSummary))")
        #expect(
            record.networkSummary?["refusedDestinations"] == ["example.com:443"],
            "\(String(describing: record.networkSummary))")
    }

    @Test(.enabled(if: bubblewrapWorks, "needs a working /usr/bin/bwrap"))
    func aStepOpensTheServersItsRoleAndPoliciesReach() async throws {
        let python = try #require(await Self.python, "python3 is needed")
        let script = "\(python.scripts)/mcp-server-time"
        try #require(FileManager.default.isExecutableFile(atPath: script), "\(Self.install)")
        let site = try await Site()
        defer { site.remove() }
        let servers = [
            ToolServer(name: "time", spec: ["stdio": ["command": [.string(script), "--local-timezone", "UTC"]]]),
            ToolServer(name: "git", spec: ["stdio": ["command": ["mcp-server-git"]]]),
            ToolServer(
                name: "remote", spec: ["http": ["url": "https://mcp.example.com/mcp", "credential": "remote-token"]]),
        ]
        let policy = Policy(name: "agents", spec: ["runRules": ["tools": ["allow": ["mcp.*"]]]])
        let role = Role(name: "clerk", spec: ["capacityClass": "general", "tools": ["mcp.time.*", "mcp.remote.*"]])
        let rules = StepRules(
            RunRules(policies: [policy]), credentials: site.root.appendingPathComponent("credentials"))
        let launcher = site.launcher([policy])
        let open = await StepToolServers.open(servers, role: role, rules: rules, launcher: launcher)
        #expect(open.servers.map(\.server.name) == ["time"], "the Role lists no git tool")
        #expect(open.tools.map(\.name).sorted() == ["mcp.time.convert_time", "mcp.time.get_current_time"])
        #expect(open.failures.map(\.server) == ["remote"])
        #expect(
            open.failures.first?.message
                == "its credential is refused: no Policy's runRules.secrets.allow grants the secret `remote-token`")
        await open.close()
        #expect(launcher.records.map(\.server) == ["time"])
    }

    @Test func withoutBubblewrapTheServerDoesNotStartUnlessAPolicySaysSo() async throws {
        let site = try await Site(bubblewrap: ["/nonexistent/bwrap"])
        defer { site.remove() }
        let server = ToolServer(name: "cat", spec: ["stdio": ["command": ["/bin/cat"]], "timeout": "5s"])
        do {
            let opened = try await MCPToolServer.open(server, launcher: site.launcher())
            await opened.close()
            Issue.record("a server started without a sandbox")
        } catch let error as ToolServerError {
            #expect(error.message.contains("could not be started"), "\(error)")
            #expect(error.message.contains("requires a sandbox"), "\(error)")
            #expect(error.message.contains("/nonexistent/bwrap"), "\(error)")
        }
        let permissive = Policy(name: "lenient", spec: ["runRules": ["allowUnsandboxed": true]])
        let launcher = site.launcher([permissive])
        // `cat` echoes what it reads, so it answers `initialize` with the request itself: not an
        // answer, so the connection fails — but only after the program started unsandboxed.
        _ = try? await MCPToolServer.open(server, launcher: launcher)
        let record = try #require(launcher.records.first)
        #expect(record.sandbox.hasPrefix("none"))
        #expect(record.unsandboxed?.contains("ran UNSANDBOXED") == true)
        #expect(record.unsandboxed?.contains("allowed by Policy lenient") == true)
    }

    /// Whether any live process has its working directory in `workspace` (a sandboxed server and
    /// its children run in `/workspace`, which is that directory).
    static func processesIn(_ workspace: URL) async -> Bool {
        let path = workspace.resolvingSymlinksInPath().path
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
            let live = entries.compactMap(Int32.init).contains { pid in
                guard let cwd = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/cwd"),
                    cwd == path,
                    let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)
                else { return false }
                let state = stat.split(separator: ")").last?.split(separator: " ").first
                return state != "Z" && state != "X"
            }
            if !live { return false }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return true
    }
}
