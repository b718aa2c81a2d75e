import CharterShell
import Foundation
import Testing

@Suite("ShellRunner: processes, output and environment")
struct ShellRunnerTests {
    @Test func capturesStdoutAndStderrSeparately() async throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let result = try await makeRunner().run(scratch.request("echo out; echo err >&2; printf 'no newline'"))
        #expect(result.termination == .exited(0))
        #expect(result.succeeded)
        #expect(result.stopReason == nil)
        #expect(try scratch.stdout(result) == "out\nno newline")
        #expect(try scratch.stderr(result) == "err\n")
        #expect(result.stdout.bytesWritten == 14 && result.stdout.bytesProduced == 14 && !result.stdout.truncated)
        #expect(result.stderr.bytesWritten == 4)
        #expect(result.stdout.file == scratch.outputs.appendingPathComponent("stdout"))
        #expect(result.sandbox == .none(reason: "sandboxing is disabled for this step"))
        #expect(result.processID > 0)
        #expect(result.duration >= .zero)
    }

    @Test(arguments: [0, 1, 3, 127, 255])
    func reportsExitStatus(status: Int32) async throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let result = try await makeRunner().run(scratch.request("exit \(status)"))
        #expect(result.termination == .exited(status))
        #expect(result.succeeded == (status == 0))
    }

    @Test func reportsAnUnknownCommandAsStatus127() async throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let result = try await makeRunner().run(scratch.request("no-such-command-charter"))
        #expect(result.termination == .exited(127))
        #expect(try scratch.stderr(result).contains("not found"))
    }

    @Test(arguments: [SIGTERM, SIGKILL, SIGSEGV])
    func reportsDeathBySignal(signal: Int32) async throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let result = try await makeRunner().run(scratch.request("kill -\(signal) $$"))
        #expect(result.termination == .signaled(signal))
        #expect(result.stopReason == nil, "the step killed itself; Charter did not stop it")
        #expect(!result.succeeded)
    }

    @Test func passesOnlyAllowListedVariables() async throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let controller = [
            "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "OPENAI_API_KEY": "sk-not-for-steps",
            "CHARTER_SHELL_TEST_SECRET": "from-the-controller",
        ]
        let result = try await makeRunner(environment: controller).run(
            scratch.request("env", environment: ["STEP_VAR": "step value", "LANG": "C"]))
        let lines = Set(try scratch.stdout(result).split(separator: "\n").map(String.init))
        let workspace = scratch.workspace.resolvingSymlinksInPath().path
        #expect(lines.contains("PATH=/usr/bin:/bin"))
        #expect(lines.contains("HOME=\(workspace)"))
        #expect(lines.contains("STEP_VAR=step value"))
        #expect(lines.contains("LANG=C"), "the step's own value wins over the inherited one")
        #expect(!lines.contains { $0.hasPrefix("OPENAI_API_KEY=") })
        #expect(!lines.contains { $0.hasPrefix("CHARTER_SHELL_TEST_SECRET=") })
    }

    @Test func theDefaultConfigurationDoesNotLeakTheControllerEnvironment() async throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let result = try await ShellRunner().run(scratch.request("env"))
        let names = Set(try scratch.stdout(result).split(separator: "\n").map { String($0.prefix { $0 != "=" }) })
        // The test process's own variables (set by the shell, CI, swift test) stand in for secrets;
        // setenv here would race with other tests reading the environment.
        let controller = Set(ProcessInfo.processInfo.environment.keys)
        let allowed = Set(ShellEnvironment.defaultInherited + ["HOME", "PWD"])
        #expect(controller.subtracting(allowed).intersection(names).isEmpty)
        #expect(names.contains("PATH"))
        #expect(
            try scratch.stdout(result).contains("PATH=\(ProcessInfo.processInfo.environment["PATH"] ?? "")\n"))
    }

    @Test func givesAFallbackPathWhenTheControllerHasNone() throws {
        let environment = try ShellEnvironment.make(inherited: ["PATH"], controller: [:], workspace: "/w", step: [:])
        #expect(environment == ["PATH": ShellEnvironment.fallbackPath, "HOME": "/w", "PWD": "/w"])
    }

    @Test(arguments: ["", "A=B", "NUL\0NAME"])
    func refusesInvalidVariableNames(name: String) async throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let error = await #expect(throws: ShellError.self) {
            try await makeRunner().run(scratch.request("true", environment: [name: "value"]))
        }
        #expect(error?.kind == .invalidEnvironment)
    }

    @Test func refusesAValueWithNULWithoutEchoingIt() async throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let error = await #expect(throws: ShellError.self) {
            try await makeRunner().run(scratch.request("true", environment: ["TOKEN": "secret\0value"]))
        }
        #expect(error?.kind == .invalidEnvironment)
        #expect(error?.message.contains("TOKEN") == true)
        #expect(error?.message.contains("secret") == false)
    }

    @Test func runsInTheWorkspace() async throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let result = try await makeRunner().run(scratch.request("pwd; echo content > made-here.txt"))
        #expect(try scratch.stdout(result) == scratch.workspace.resolvingSymlinksInPath().path + "\n")
        let made = try String(contentsOf: scratch.workspace.appendingPathComponent("made-here.txt"), encoding: .utf8)
        #expect(made == "content\n")
    }

    @Test func refusesAMissingWorkspace() async throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        var request = scratch.request("true")
        request.workspace = scratch.root.appendingPathComponent("missing")
        let error = await #expect(throws: ShellError.self) { try await makeRunner().run(request) }
        #expect(error?.kind == .invalidWorkspace)
    }

    @Test func refusesAnUnwritableOutputFile() async throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        var request = scratch.request("true")
        request.stdoutFile = scratch.root.appendingPathComponent("missing/stdout")
        let error = await #expect(throws: ShellError.self) { try await makeRunner().run(request) }
        #expect(error?.kind == .outputFile)
    }

    @Test func readsEndOfFileFromStdin() async throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        // `cat` would hang forever if stdin were the test runner's terminal or an open pipe.
        let result = try await makeRunner().run(scratch.request("cat; wc -c; read line; echo \"read=$?\""))
        #expect(
            try scratch.stdout(result).split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) } == [
                "0", "read=1",
            ])
    }

    @Test func inheritsNoOtherFileDescriptors() async throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let leaked = open("/dev/null", O_RDONLY)  // deliberately without O_CLOEXEC
        defer { close(leaked) }
        let result = try await makeRunner().run(scratch.request("ls /proc/$$/fd"))
        #expect(try scratch.stdout(result).split(separator: "\n") == ["0", "1", "2"])
    }

    @Test func capsEachOutputStream() async throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let result = try await makeRunner().run(
            scratch.request("head -c 300000 /dev/zero; head -c 10 /dev/zero >&2", outputLimit: 1000))
        #expect(result.succeeded, "a capped stream is still drained, so the writer never blocks")
        #expect(result.stdout.bytesWritten == 1000)
        #expect(result.stdout.bytesProduced == 300_000)
        #expect(result.stdout.truncated)
        #expect(try Data(contentsOf: result.stdout.file).count == 1000)
        #expect(result.stderr.bytesWritten == 10 && !result.stderr.truncated)
    }

    @Test func keepsLargeOutputUnderTheLimitWhole() async throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let result = try await makeRunner().run(scratch.request("seq 1 200000"))
        let lines = try scratch.stdout(result).split(separator: "\n")
        #expect(lines.count == 200_000)
        #expect(lines.last == "200000")
        #expect(!result.stdout.truncated)
    }

    @Test func killsWhatTheCommandLeftRunning() async throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let result = try await makeRunner().run(scratch.request("sleep 1000 & echo $!"))
        #expect(result.termination == .exited(0))
        let straggler = try #require(Int32(try scratch.stdout(result).trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(await ProcessTable.eventually { !ProcessTable.isAlive(straggler) })
    }

    @Test func runsManyStepsConcurrently() async throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let results = try await withThrowingTaskGroup(of: (Int, String).self) { group in
            for index in 0..<16 {
                let outputs = scratch.root.appendingPathComponent("out-\(index)")
                try FileManager.default.createDirectory(at: outputs, withIntermediateDirectories: true)
                group.addTask {
                    let result = try await makeRunner().run(
                        ShellRequest(
                            command: "echo step $STEP", workspace: scratch.workspace, outputDirectory: outputs,
                            environment: ["STEP": "\(index)"], sandbox: .disabled))
                    return (index, try String(contentsOf: result.stdout.file, encoding: .utf8))
                }
            }
            return try await group.reduce(into: [:]) { $0[$1.0] = $1.1 }
        }
        #expect(results.count == 16)
        for (index, output) in results { #expect(output == "step \(index)\n") }
    }
}
