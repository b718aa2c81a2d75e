import CharterMCP
import CharterModel
import CharterShell
import CharterTestSupport
import CharterTools
import Foundation
import Testing

/// Starts servers as plain processes — the same process machinery the sandbox uses (own session
/// and process group, pipes, capped stderr), without bubblewrap, which the CharterControl tests
/// add.
struct LocalLauncher: ToolServerLauncher {
    let directory: URL

    func launch(_ server: ToolServer, command: ToolServer.StdioCommand) async throws -> any ToolServerProcess {
        let process = try await ShellRunner().start(
            ProcessRequest(
                arguments: command.command, workspace: directory, environment: command.environment,
                stderrFile: directory.appendingPathComponent("\(server.name).stderr"), sandbox: .disabled))
        return LocalProcess(process: process)
    }
}

final class LocalProcess: ToolServerProcess {
    let process: InteractiveProcess
    init(process: InteractiveProcess) { self.process = process }
    var input: Int32 { process.input }
    var output: Int32 { process.output }
    var exitDescription: String? { process.termination?.description }
    func waitForExit() async -> String { await process.waitForExit().description }
    func terminate() async { await process.terminate(gracePeriod: .seconds(1)) }
    func stderrTail() -> String { process.stderrTail() }
}

/// The Python that runs the reference servers (`pip install mcp-server-git mcp-server-time`), and
/// the fixtures.
///
/// Asked once, through ``ShellRunner`` rather than Foundation's `Process`: its pipes are not
/// close-on-exec, so a server another test starts at the same moment can inherit one and keep the
/// answer from ever ending; and a blocking wait would hold one of the two cooperative threads.
enum Python {
    static let install = "pip install mcp-server-git mcp-server-time (make deps does)"

    struct Info: Sendable {
        /// The interpreter itself, resolved (pyenv's shims are scripts).
        var executable: String
        /// The directory pip installs console scripts into.
        var scripts: String
    }

    private static let asked = Task<Info?, Never> {
        let code =
            "import os, sys, sysconfig; print(os.path.realpath(sys.executable)); print(sysconfig.get_path('scripts'))"
        guard let directory = try? temporaryDirectory("python") else { return nil }
        defer { try? FileManager.default.removeItem(at: directory) }
        let output = directory.appendingPathComponent("out")
        try? FileManager.default.createDirectory(at: output, withIntermediateDirectories: true)
        guard
            let result = try? await ShellRunner().run(
                ShellRequest(
                    command: "exec python3 -c \"$CODE\"", workspace: directory, outputDirectory: output,
                    environment: ["CODE": code], sandbox: .disabled)),
            result.succeeded, let text = try? String(contentsOf: result.stdout.file, encoding: .utf8)
        else { return nil }
        let lines = text.split(separator: "\n").map(String.init)
        guard lines.count == 2 else { return nil }
        return Info(executable: lines[0], scripts: lines[1])
    }

    /// What python3 on `PATH` says of itself, or nil.
    static var info: Info? { get async { await asked.value } }

    /// The path of the console script `name`, when it is installed.
    static func script(_ name: String) async -> String? {
        guard let scripts = await info?.scripts else { return nil }
        let path = "\(scripts)/\(name)"
        return FileManager.default.isExecutableFile(atPath: path) ? path : nil
    }

    /// `Tests/Fixtures/<name>`.
    static func fixture(_ name: String) -> String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/\(name)").path
    }
}

/// A ToolServer resource named `name` with `spec`.
func toolServer(_ name: String, _ spec: Value) -> ToolServer { ToolServer(name: name, spec: spec) }

/// A stdio ToolServer running `command`, with `timeout` and declared read-only tools.
func stdioServer(
    _ name: String, _ command: [String], timeout: String = "20s", readOnly: [String] = [], idempotent: [String] = []
) -> ToolServer {
    toolServer(
        name,
        [
            "stdio": ["command": .array(command.map { .string($0) })], "timeout": .string(timeout),
            "readOnlyTools": .array(readOnly.map { .string($0) }),
            "idempotentTools": .array(idempotent.map { .string($0) }),
        ])
}

/// The hostile fixture in `mode`.
func hostileServer(_ mode: String, timeout: String = "20s") async throws -> ToolServer {
    let python = try #require(await Python.info?.executable, "python3 is needed")
    return stdioServer("hostile", [python, Python.fixture("mcp-hostile-server.py"), mode], timeout: timeout)
}

/// A context for one call in `directory`.
func callContext(
    _ directory: URL, deadline: Date? = nil, resultLimit: Int = ToolCallContext.defaultResultLimit
)
    -> ToolCallContext
{
    ToolCallContext(
        runID: "run-1", step: "agent", callID: "call-1", workspace: directory, rules: RunRules(policies: []),
        deadline: deadline, resultLimit: resultLimit)
}

/// A fresh directory, removed by the caller.
func temporaryDirectory(_ label: String) throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("charter-mcp-\(label)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// Opens `server` with a local launcher in a fresh directory, runs `body`, closes it.
func withServer<T>(
    _ server: ToolServer, _ body: (MCPToolServer, URL) async throws -> T
) async throws -> T {
    let directory = try temporaryDirectory(server.name)
    defer { try? FileManager.default.removeItem(at: directory) }
    let opened = try await MCPToolServer.open(server, launcher: LocalLauncher(directory: directory))
    do {
        let result = try await body(opened, directory)
        await opened.close()
        return result
    } catch {
        await opened.close()
        throw error
    }
}

/// The ToolServerError `open` throws for `server`, or nil when it opened.
func openError(_ server: ToolServer, startupTimeout: Duration? = nil) async throws -> ToolServerError? {
    let directory = try temporaryDirectory(server.name)
    defer { try? FileManager.default.removeItem(at: directory) }
    do {
        let opened = try await MCPToolServer.open(
            server, launcher: LocalLauncher(directory: directory), startupTimeout: startupTimeout)
        await opened.close()
        return nil
    } catch let error as ToolServerError {
        return error
    }
}

/// The tool `name` of `server`.
func tool(_ server: MCPToolServer, _ name: String) throws -> MCPTool {
    try #require(server.tools.first { $0.name == name }, "no \(name) in \(server.tools.map(\.name))")
}

/// The ToolFailure a call throws, or nil when it returned.
func failure(of call: () async throws -> ToolOutput) async -> ToolFailure? {
    do {
        _ = try await call()
        return nil
    } catch let failure as ToolFailure {
        return failure
    } catch {
        Issue.record("expected a ToolFailure, got \(error)")
        return nil
    }
}

/// Whether process `pid` is gone (or a zombie nobody reaped yet, which runs nothing).
func processIsGone(_ pid: Int32) -> Bool {
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return true }
    let state = stat.split(separator: ")").last?.split(separator: " ").first
    return state == "Z" || state == "X"
}

/// Waits (bounded) until `condition` holds: SIGKILL is delivered asynchronously, so a killed
/// process may take a moment to leave the process table.
func eventually(within limit: Duration = .seconds(30), _ condition: () -> Bool) async -> Bool {
    let deadline = ContinuousClock.now + limit
    while ContinuousClock.now < deadline {
        if condition() { return true }
        try? await Task.sleep(for: .milliseconds(10))
    }
    return condition()
}
