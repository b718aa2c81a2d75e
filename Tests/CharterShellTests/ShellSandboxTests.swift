import CharterShell
import Foundation
import Testing

@Suite("ShellRunner: the bubblewrap sandbox")
struct ShellSandboxTests {
    @Test func aStepAllowedToRunUnsandboxedSaysWhyWhenBubblewrapIsMissing() async throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let runner = ShellRunner(configuration: .init(bubblewrapCandidates: ["/nonexistent/bwrap"]))
        let result = try await runner.run(scratch.request("echo unsandboxed", sandbox: .allowUnsandboxed))
        #expect(result.succeeded)
        #expect(result.sandbox == .none(reason: "bubblewrap is not installed (looked for /nonexistent/bwrap)"))
        #expect(result.sandbox.description == "none (bubblewrap is not installed (looked for /nonexistent/bwrap))")
    }

    @Test func aRequiredSandboxThatIsMissingRefusesToRun() async throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let runner = ShellRunner(configuration: .init(bubblewrapCandidates: ["/nonexistent/bwrap"]))
        let error = await #expect(throws: ShellError.self) {
            try await runner.run(scratch.request("echo started > started.txt", sandbox: .required))
        }
        #expect(error?.kind == .sandboxUnavailable)
        #expect(error?.message.contains("/nonexistent/bwrap") == true)
        #expect(error?.message.contains("apt-get install bubblewrap") == true, "the refusal says how to fix it")
        #expect(error?.message.contains("runRules.allowUnsandboxed") == true)
        #expect(!FileManager.default.fileExists(atPath: scratch.workspace.appendingPathComponent("started.txt").path))
    }

    @Test func aBubblewrapThatFailsIsReportedWithItsError() async throws {
        // `false` stands in for a bwrap that cannot create namespaces here.
        let availability = await Bubblewrap.availability(candidates: ["/bin/false"])
        #expect(availability == .unusable(reason: "/bin/false does not work here (exit status 1)"))
    }

    @Test(.enabled(if: bubblewrapWorks, "bubblewrap does not work on this machine"))
    func theSandboxedStepCanWriteOnlyItsWorkspace() async throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let outside = scratch.root.appendingPathComponent("outside.txt")
        let command = """
            echo inside > inside.txt && echo wrote-workspace
            touch /usr/charter-sandbox-probe 2>/dev/null || echo usr-refused
            echo escaped > '\(outside.path)' 2>/dev/null; echo "outside-exit=$?"
            echo private > /tmp/charter-private-probe && echo tmp-writable
            test "$HOME" = "$PWD" && test "$PWD" = /workspace && echo home-is-workspace
            git --version >/dev/null && echo git-works
            """
        let result = try await makeRunner().run(scratch.request(command, sandbox: .required))
        #expect(result.sandbox == .bubblewrap(executable: "/usr/bin/bwrap"))
        let lines = try scratch.stdout(result).split(separator: "\n").map(String.init)
        #expect(lines.contains("wrote-workspace"))
        #expect(lines.contains("usr-refused"))
        #expect(lines.contains("tmp-writable"))
        #expect(lines.contains("home-is-workspace"))
        #expect(lines.contains("git-works"))
        #expect(
            try String(contentsOf: scratch.workspace.appendingPathComponent("inside.txt"), encoding: .utf8)
                == "inside\n")
        #expect(!FileManager.default.fileExists(atPath: "/usr/charter-sandbox-probe"))
        // The test's temporary directory is hidden behind the private /tmp: whatever the step wrote
        // there vanished with the sandbox.
        #expect(!FileManager.default.fileExists(atPath: outside.path))
        #expect(!FileManager.default.fileExists(atPath: "/tmp/charter-private-probe"))
    }

    @Test(.enabled(if: bubblewrapWorks, "bubblewrap does not work on this machine"))
    func theSandboxSeesNoControllerFiles() async throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let result = try await makeRunner().run(
            scratch.request("ls /work /root /home 2>/dev/null | wc -l; ls / | tr '\\n' ' '", sandbox: .required))
        let lines = try scratch.stdout(result).split(separator: "\n").map(String.init)
        #expect(lines.first?.trimmingCharacters(in: .whitespaces) == "0")
        #expect(lines.last?.contains("usr") == true)
    }

    @Test(.enabled(if: bubblewrapWorks, "bubblewrap does not work on this machine"))
    func exitStatusAndOutputPassThroughTheSandbox() async throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let result = try await makeRunner().run(scratch.request("echo out; echo err >&2; exit 7", sandbox: .required))
        #expect(result.termination == .exited(7))
        #expect(try scratch.stdout(result) == "out\n")
        #expect(try scratch.stderr(result) == "err\n")
        let signaled = try await makeRunner().run(scratch.request("kill -TERM $$", sandbox: .required))
        #expect(signaled.termination == .exited(128 + SIGTERM), "bubblewrap reports a signal death as 128+N")
    }

    @Test(.enabled(if: bubblewrapWorks, "bubblewrap does not work on this machine"))
    func cancellingASandboxedStepKillsEverythingInIt() async throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let runner = makeRunner()
        let request = scratch.request("sleep 1000 & sleep 1000 & echo ready; sleep 1000", sandbox: .required)
        let task = Task { try await runner.run(request) }
        _ = try await scratch.waitForOutput("ready")
        let group = try #require(sandboxLeader(of: scratch.workspace))
        #expect(ProcessTable.members(ofGroup: group).count >= 4, "bwrap, its init, sh and the sleeps share the group")
        task.cancel()
        let result = try await task.value
        #expect(result.stopReason == .cancelled)
        #expect(result.processID == group)
        #expect(await ProcessTable.eventually { ProcessTable.members(ofGroup: group).isEmpty })
    }
}
