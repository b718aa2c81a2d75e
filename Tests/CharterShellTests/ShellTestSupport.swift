import CharterShell
import CharterTestSupport
import Foundation
import Testing

/// A workspace and an output directory side by side in a fresh temporary directory, so tests can
/// also check that nothing outside the workspace is touched.
struct Scratch {
    let root: URL
    let workspace: URL
    let outputs: URL

    init() throws {
        root = makeTemporaryDirectory("shell")
        workspace = root.appendingPathComponent("workspace")
        outputs = root.appendingPathComponent("outputs")
        try FileManager.default.createDirectory(at: workspace, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: outputs, withIntermediateDirectories: true)
    }

    func request(
        _ command: String, sandbox: ShellSandboxMode = .disabled, environment: [String: String] = [:],
        timeout: Duration? = nil, access: SandboxAccess = .minimal, outputLimit: Int = ShellRequest.defaultOutputLimit
    ) -> ShellRequest {
        ShellRequest(
            command: command, workspace: workspace, outputDirectory: outputs, environment: environment,
            timeout: timeout, sandbox: sandbox, access: access, outputLimit: outputLimit)
    }

    /// Runs `command` in the real sandbox and returns its stdout lines.
    func sandboxed(
        _ command: String, environment: [String: String] = [:], access: SandboxAccess = .minimal,
        runner: ShellRunner = makeRunner()
    ) async throws -> (result: ShellResult, lines: [String]) {
        let result = try await runner.run(
            request(command, sandbox: .required, environment: environment, access: access))
        let lines = try stdout(result).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        return (result, lines)
    }

    func stdout(_ result: ShellResult) throws -> String { try String(contentsOf: result.stdout.file, encoding: .utf8) }
    func stderr(_ result: ShellResult) throws -> String { try String(contentsOf: result.stderr.file, encoding: .utf8) }

    /// Waits until the step's stdout contains `marker`: the step says it is ready, no fixed sleep.
    /// The bound only keeps a broken test from hanging; it is generous because the whole suite runs
    /// in parallel on two cores, where a step may wait long for its first time slice.
    func waitForOutput(_ marker: String, within limit: Duration = .seconds(120)) async throws -> String {
        let file = outputs.appendingPathComponent("stdout")
        let deadline = ContinuousClock.now + limit
        while ContinuousClock.now < deadline {
            if let text = try? String(contentsOf: file, encoding: .utf8), text.contains(marker) { return text }
            try await Task.sleep(for: .milliseconds(10))
        }
        throw FixtureError("the step never printed \(marker)")
    }

    func remove() { try? FileManager.default.removeItem(at: root) }
}

/// A runner with a short grace period, so tests of SIGKILL escalation stay quick.
func makeRunner(grace: Duration = .milliseconds(300), environment: [String: String]? = nil) -> ShellRunner {
    var configuration = ShellRunner.Configuration(terminationGracePeriod: grace)
    if let environment { configuration.controllerEnvironment = environment }
    return ShellRunner(configuration: configuration)
}

/// Whether bubblewrap runs here with namespaces, checked without the code under test.
let bubblewrapWorks: Bool = {
    let bwrap = URL(fileURLWithPath: "/usr/bin/bwrap")
    guard FileManager.default.isExecutableFile(atPath: bwrap.path) else { return false }
    let result = try? ProcessRunner.run(
        bwrap, ["--ro-bind", "/", "/", "--unshare-pid", "--proc", "/proc", "--dev", "/dev", "true"])
    return result?.status == 0
}()

/// The live bubblewrap process that started the sandbox of `workspace`: it leads its process group
/// and its working directory is the workspace (its command line names no path: everything is in
/// the `--args` file).
func sandboxLeader(of workspace: URL) -> Int32? {
    let path = workspace.resolvingSymlinksInPath().path
    let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
    for pid in entries.compactMap(Int32.init) {
        guard let cwd = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/cwd"),
            cwd == path, ProcessTable.members(ofGroup: pid).contains(pid),
            let exe = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/exe"),
            exe.hasSuffix("/bwrap")
        else { continue }
        return pid
    }
    return nil
}

/// Process table queries through /proc (Linux), counting zombies as gone: a container's PID 1 may
/// never reap the orphans a killed step leaves.
enum ProcessTable {
    /// The fields after the command name of /proc/PID/stat: state, parent, process group.
    private static func stat(_ pid: Int32) -> (state: Character, group: Int32)? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = text.lastIndex(of: ")")
        else { return nil }
        let fields = text[text.index(after: close)...].split(separator: " ")
        guard fields.count > 3, let state = fields[0].first, let group = Int32(fields[2]) else { return nil }
        return (state, group)
    }

    static func isAlive(_ pid: Int32) -> Bool {
        guard let info = stat(pid) else { return false }
        return info.state != "Z" && info.state != "X"
    }

    /// Live processes whose process group is `group`.
    static func members(ofGroup group: Int32) -> [Int32] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap(Int32.init).filter { pid in
            guard let info = stat(pid) else { return false }
            return info.group == group && info.state != "Z" && info.state != "X"
        }
    }

    /// Waits (bounded) until `condition` holds; SIGKILL is delivered asynchronously, so a killed
    /// process may take a moment to leave the table.
    static func eventually(within limit: Duration = .seconds(60), _ condition: () -> Bool) async -> Bool {
        let deadline = ContinuousClock.now + limit
        while ContinuousClock.now < deadline {
            if condition() { return true }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return condition()
    }
}
