import CharterFoundation
import CharterModel
import CharterShell
import CharterTestSupport
import CharterTools
import Foundation
import Testing

@testable import CharterControl

/// A run's data directory as the controller lays it out — credentials, a workspace — for calling
/// agent tools directly.
struct ToolScratch {
    static let secret = "tok-9f8e7d6c5b4a-never-print"

    let data: URL
    let workspace: URL
    let credentials: URL

    init() throws {
        data = makeTemporaryDirectory("tools-data")
        credentials = data.appendingPathComponent("credentials")
        workspace = data.appendingPathComponent("workspaces/run-1")
        try FileManager.default.createDirectory(at: workspace, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: credentials, withIntermediateDirectories: true)
        try Data((Self.secret + "\n").utf8).write(to: credentials.appendingPathComponent("git-token"))
    }

    /// The rules of one Policy with `runRules`, and the step rules over this data directory.
    func rules(_ runRules: Value = [:], reserved: [EgressRules.Endpoint] = []) -> (RunRules, StepRules) {
        let applied = RunRules(policies: [Policy(name: "p", spec: ["runRules": runRules])])
        return (applied, StepRules(applied, credentials: credentials, reservedEndpoints: reserved))
    }

    func context(
        _ rules: RunRules, deadline: Date? = nil, resultLimit: Int = ToolCallContext.defaultResultLimit
    )
        -> ToolCallContext
    {
        ToolCallContext(
            runID: "run-1", step: "work", callID: "call-1", workspace: workspace, rules: rules, deadline: deadline,
            resultLimit: resultLimit)
    }

    func remove() { try? FileManager.default.removeItem(at: data) }
}

/// `charter-netbridge` from the build directory, for commands with a network grant.
let builtNetbridge: String? = {
    var directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    for _ in 0..<2 { directory = directory.deletingLastPathComponent() }
    let path = directory.appendingPathComponent(".build/debug/charter-netbridge").resolvingSymlinksInPath().path
    return FileManager.default.isExecutableFile(atPath: path) ? path : nil
}()

/// Whether bubblewrap runs here with namespaces, checked without the code under test.
let sandboxWorksHere: Bool = {
    let bwrap = URL(fileURLWithPath: "/usr/bin/bwrap")
    guard FileManager.default.isExecutableFile(atPath: bwrap.path) else { return false }
    let result = try? ProcessRunner.run(
        bwrap, ["--ro-bind", "/", "/", "--unshare-pid", "--proc", "/proc", "--dev", "/dev", "true"])
    return result?.status == 0
}()

@Suite struct ShellExecToolTests {
    func runner(bubblewrap: [String]? = nil) -> ShellRunner {
        var configuration = ShellRunner.Configuration(
            terminationGracePeriod: .milliseconds(300), bridgeExecutable: builtNetbridge)
        if let bubblewrap { configuration.bubblewrapCandidates = bubblewrap }
        return ShellRunner(configuration: configuration)
    }

    func exec(
        _ command: String, timeout: Int? = nil, policy: Value = [:], network: [String] = [],
        scratch: ToolScratch, runner: ShellRunner? = nil, deadline: Date? = nil
    ) async throws -> ToolOutput {
        let (applied, rules) = scratch.rules(policy)
        let tool = ShellExecTool(runner: runner ?? self.runner(), rules: rules, network: network)
        var arguments: [String: Value] = ["command": .string(command)]
        if let timeout { arguments["timeout"] = .int(timeout) }
        return try await tool.call(arguments, context: scratch.context(applied, deadline: deadline))
    }

    @Test(.enabled(if: sandboxWorksHere, "bubblewrap does not work on this machine"))
    func reportsTheExitStatusAndBothStreams() async throws {
        let scratch = try ToolScratch()
        defer { scratch.remove() }
        let output = try await exec("pwd; echo to-err >&2; exit 3", scratch: scratch)
        #expect(output.isError)
        #expect(output.text.hasPrefix("exit status 3\n"), "\(output.text)")
        #expect(output.text.contains("stdout:\n/workspace\n"), "\(output.text)")
        #expect(output.text.contains("stderr:\nto-err"), "\(output.text)")
        #expect(output.details["exitStatus"] == .int(3))
        #expect(output.details["sandbox"]?.string?.hasPrefix("bubblewrap") == true)
        let ok = try await exec("true", scratch: scratch)
        #expect(!ok.isError && ok.text == "exit status 0\n(no output)", "\(ok.text)")
    }

    @Test(.enabled(if: sandboxWorksHere, "bubblewrap does not work on this machine"))
    func theSandboxHidesTheDataDirectoryAndTheHostsSecrets() async throws {
        let scratch = try ToolScratch()
        defer { scratch.remove() }
        let output = try await exec(
            """
            cat \(scratch.credentials.path)/git-token || echo no-credentials
            ls \(scratch.data.path) || echo no-data-directory
            cat /etc/shadow || echo no-shadow
            ls /root /home || echo no-homes
            """, scratch: scratch)
        #expect(output.text.contains("no-credentials") && output.text.contains("no-data-directory"), "\(output.text)")
        #expect(output.text.contains("no-shadow") && output.text.contains("no-homes"), "\(output.text)")
        #expect(!output.text.contains(ToolScratch.secret))
        // Nothing of the controller's environment but the fixed allow-list, and no proxy without
        // a network grant.
        let environment = try await exec("env -0 | tr '\\0\\n' '\\n '", scratch: scratch)
        let names = Set(
            environment.text.split(separator: "\n").dropFirst(2).map { String($0.prefix { $0 != "=" }) })
        let allowed: Set<String> = [
            "PATH", "LANG", "LC_ALL", "LC_CTYPE", "TZ", "HOME", "PWD", "USER", "LOGNAME", "TMPDIR", "CHARTER_RUN_ID",
            "CHARTER_STEP", "OLDPWD", "SHLVL", "_",
        ]
        #expect(names.isSubset(of: allowed), "\(names.subtracting(allowed)) in \(environment.text)")
        #expect(names.contains("CHARTER_RUN_ID") && names.contains("HOME"), "\(environment.text)")
    }

    @Test(.enabled(if: sandboxWorksHere, "bubblewrap does not work on this machine"))
    func aCredentialValueInTheWorkspaceIsRedacted() async throws {
        let scratch = try ToolScratch()
        defer { scratch.remove() }
        // An earlier step left a granted token where this command prints it.
        try Data("url = https://x:\(ToolScratch.secret)@git.example.com/\n".utf8).write(
            to: scratch.workspace.appendingPathComponent("config"))
        let output = try await exec("cat config; cat config >&2", scratch: scratch)
        #expect(!output.text.contains(ToolScratch.secret), "\(output.text)")
        #expect(output.text.contains("https://x:***@git.example.com/"), "\(output.text)")
        let leftovers = try FileManager.default.contentsOfDirectory(
            atPath: scratch.workspace.deletingLastPathComponent().appendingPathComponent(".output-run-1").path)
        #expect(leftovers.allSatisfy { !$0.contains(".exec-") }, "captured output is removed once read: \(leftovers)")
    }

    @Test(.enabled(if: sandboxWorksHere, "bubblewrap does not work on this machine"))
    func withoutAGrantTheNetworkIsUnreachable() async throws {
        let scratch = try ToolScratch()
        defer { scratch.remove() }
        let listener = try TestHTTPServer.start(["/": .text("reached")])
        defer { listener.stop() }
        let output = try await exec(
            "bash -c 'exec 3<>/dev/tcp/127.0.0.1/\(listener.port)' && echo connected || echo unreachable",
            policy: ["network": ["allow": [.string("127.0.0.1:\(listener.port)")]]], scratch: scratch)
        #expect(output.text.contains("unreachable") && !output.text.contains("connected"), "\(output.text)")
        #expect(listener.hits.isEmpty)
    }

    @Test(.enabled(if: sandboxWorksHere && builtNetbridge != nil, "needs bubblewrap and a built charter-netbridge"))
    func aGrantedDestinationIsReachedThroughTheEgressProxy() async throws {
        let scratch = try ToolScratch()
        defer { scratch.remove() }
        let server = try TestHTTPServer.start(["/hello": .text("hello through the proxy")])
        defer { server.stop() }
        let target = "127.0.0.1:\(server.port)"
        let output = try await exec(
            """
            curl -sS --noproxy '' -x "$HTTPS_PROXY" --proxytunnel http://\(target)/hello; echo
            curl -sS --noproxy '' -x "$HTTPS_PROXY" --proxytunnel http://169.254.169.254/ || echo metadata-refused
            """,
            policy: ["network": ["allow": [.string(target), "*:*"]]], network: [target, "*:80"], scratch: scratch)
        #expect(output.text.contains("hello through the proxy"), "\(output.text)")
        #expect(output.text.contains("metadata-refused"), "\(output.text)")
        #expect(output.details["network"]?["refused"] == .int(1), "\(output.details)")
    }

    @Test(.enabled(if: sandboxWorksHere, "bubblewrap does not work on this machine"))
    func aTimeoutStopsTheCommandAndEverythingItStarted() async throws {
        let scratch = try ToolScratch()
        defer { scratch.remove() }
        let fifo = scratch.workspace.appendingPathComponent("fifo")
        #expect(mkfifo(fifo.path, 0o666) == 0)
        #expect(chmod(fifo.path, 0o666) == 0)
        // Our read end keeps the FIFO open; it reports hang-up only once every writer is gone.
        let reader = open(fifo.path, O_RDONLY | O_NONBLOCK)
        #expect(reader >= 0)
        defer { close(reader) }
        let began = ContinuousClock.now
        let output = try await exec(
            "( exec > /workspace/fifo; touch /workspace/opened; exec sleep 100000 ) & while [ ! -e /workspace/opened ]; do sleep 0.01; done; sleep 100000",
            timeout: 2, scratch: scratch)
        // Only against hanging for ever: with the whole suite on 2 cores, the test's own task waits
        // its turn for a minute and more. That the timeout struck is what the text says.
        #expect(ContinuousClock.now - began < .seconds(300))
        #expect(output.isError)
        #expect(output.text.hasPrefix("timed out after 2 s"), "\(output.text)")
        #expect(output.details["stopped"] == "timedOut")
        #expect(FileManager.default.fileExists(atPath: scratch.workspace.appendingPathComponent("opened").path))
        // The background writer died with the command; the bound only keeps a regression from hanging.
        let ready = try await onOwnThread {
            var descriptor = pollfd(fd: reader, events: Int16(POLLIN), revents: 0)
            return poll(&descriptor, 1, 30_000) > 0 ? descriptor.revents : 0
        }
        #expect(ready & Int16(POLLHUP) != 0, "the background process still holds the FIFO open")
    }

    @Test func theTimeoutIsBoundedByTheStepsDeadlineAndTheMaximum() throws {
        let now = Date()
        #expect(try ShellExecTool.timeout(seconds: nil, deadline: nil, now: now) == .seconds(120))
        #expect(try ShellExecTool.timeout(seconds: 100_000, deadline: nil, now: now) == .seconds(600))
        #expect(
            try ShellExecTool.timeout(seconds: 300, deadline: now.addingTimeInterval(5), now: now) == .seconds(5))
        #expect(throws: ToolFailure.self) {
            try ShellExecTool.timeout(seconds: 10, deadline: now.addingTimeInterval(-1), now: now)
        }
    }

    @Test(.enabled(if: sandboxWorksHere, "bubblewrap does not work on this machine"))
    func longOutputIsCutAndSaysSo() async throws {
        let scratch = try ToolScratch()
        defer { scratch.remove() }
        let (applied, rules) = scratch.rules()
        let tool = ShellExecTool(runner: runner(), rules: rules)
        let output = try await tool.call(
            ["command": "head -c 3000000 /dev/zero | tr '\\0' a"], context: scratch.context(applied, resultLimit: 8192))
        #expect(output.text.utf8.count <= 8192 + 100)
        #expect(output.text.contains("[cut: 3000000 bytes in all"), "\(output.text.suffix(300))")
        #expect(output.details["stdoutBytes"] == .int(3_000_000))
    }

    @Test func withoutBubblewrapTheCallFailsClosed() async throws {
        let scratch = try ToolScratch()
        defer { scratch.remove() }
        let marker = scratch.workspace.appendingPathComponent("ran")
        await #expect(throws: ToolFailure.self) {
            _ = try await exec(
                "touch \(marker.path)", scratch: scratch, runner: runner(bubblewrap: ["/nonexistent/bwrap"]))
        }
        do {
            _ = try await exec("true", scratch: scratch, runner: runner(bubblewrap: ["/nonexistent/bwrap"]))
        } catch let failure as ToolFailure {
            #expect(failure.message.contains("requires a sandbox"), "\(failure.message)")
            #expect(failure.message.contains("allowUnsandboxed"), "\(failure.message)")
        }
        #expect(!FileManager.default.fileExists(atPath: marker.path), "nothing ran on the host")
    }

    @Test func onlyAPolicyLetsItRunUnsandboxedAndTheOutputSaysSo() async throws {
        let scratch = try ToolScratch()
        defer { scratch.remove() }
        let output = try await exec(
            "echo on-the-host", policy: ["allowUnsandboxed": true], scratch: scratch,
            runner: runner(bubblewrap: ["/nonexistent/bwrap"]))
        #expect(output.text.contains("ran UNSANDBOXED"), "\(output.text)")
        #expect(output.text.contains("allowed by Policy p"), "\(output.text)")
        #expect(output.text.contains("on-the-host"))
        #expect(output.details["unsandboxed"] != nil)
    }

    @Test func hostileArgumentsAndCallIDs() async throws {
        let scratch = try ToolScratch()
        defer { scratch.remove() }
        await #expect(throws: ToolFailure.self) { _ = try await exec("echo a\0b", scratch: scratch) }
        #expect(ShellExecTool.fileName("../../etc/passwd") == "______etc_passwd")
        #expect(ShellExecTool.fileName("") == "call")
        #expect(ShellExecTool.fileName(String(repeating: "x", count: 500)).count == 64)
        let tool = ShellExecTool(runner: runner(), rules: scratch.rules().1)
        #expect(tool.effect == .sideEffecting)
        #expect(ArgumentCheck.parse(#"{"command": "ls", "timeout": 601}"#, schema: tool.parameters).isFailure)
        #expect(ArgumentCheck.parse(#"{"command": ""}"#, schema: tool.parameters).isFailure)
        #expect(ArgumentCheck.parse(#"{"command": "ls", "env": {}}"#, schema: tool.parameters).isFailure)
    }
}

extension Result {
    var isFailure: Bool {
        if case .failure = self { return true }
        return false
    }
}
