import CharterShell
import Foundation
import Testing

@Suite("ShellRunner: cancellation and timeouts reach the whole process group")
struct ShellCancellationTests {
    /// Starts `command` in a task, waits for it to print `ready`, cancels the task, and returns the
    /// result with the step's output at the moment it was ready.
    private func runAndCancel(
        _ command: String, sandbox: ShellSandboxMode = .disabled, grace: Duration = .milliseconds(300),
        in scratch: Scratch
    ) async throws -> (ShellResult, String) {
        let runner = makeRunner(grace: grace)
        let request = scratch.request(command, sandbox: sandbox)
        let task = Task { try await runner.run(request) }
        let ready = try await scratch.waitForOutput("ready")
        task.cancel()
        return (try await task.value, ready)
    }

    @Test func cancellingKillsTheShellAndItsGrandchildren() async throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let (result, ready) = try await runAndCancel(
            "sleep 1000 & echo \"grandchild $!\"; echo ready; sleep 1000", in: scratch)
        #expect(result.stopReason == .cancelled)
        #expect(result.termination == .signaled(SIGTERM))
        #expect(!result.killedAfterGracePeriod, "sh and sleep die of SIGTERM")
        let grandchild = try #require(
            ready.split(separator: "\n").first { $0.hasPrefix("grandchild ") }.flatMap { Int32($0.dropFirst(11)) })
        #expect(await ProcessTable.eventually { !ProcessTable.isAlive(grandchild) })
        #expect(await ProcessTable.eventually { ProcessTable.members(ofGroup: result.processID).isEmpty })
        #expect(kill(result.processID, 0) == -1 && errno == ESRCH, "the shell itself was reaped")
    }

    @Test func escalatesToSIGKILLAfterTheGracePeriod() async throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let (result, _) = try await runAndCancel(
            "trap '' TERM; sh -c \"trap '' TERM; sleep 1000\" & echo ready; while :; do sleep 1; done",
            grace: .milliseconds(100), in: scratch)
        #expect(result.stopReason == .cancelled)
        #expect(result.killedAfterGracePeriod)
        #expect(result.termination == .signaled(SIGKILL))
        #expect(await ProcessTable.eventually { ProcessTable.members(ofGroup: result.processID).isEmpty })
    }

    @Test func aZeroGracePeriodKillsAtOnce() async throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let (result, _) = try await runAndCancel("trap '' TERM; echo ready; sleep 1000", grace: .zero, in: scratch)
        #expect(result.stopReason == .cancelled)
        #expect(result.killedAfterGracePeriod)
        #expect(result.termination == .signaled(SIGKILL))
    }

    @Test func keepsTheOutputPrintedBeforeTheCancel() async throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let (result, _) = try await runAndCancel("echo 'partial work'; echo ready; sleep 1000", in: scratch)
        #expect(try scratch.stdout(result) == "partial work\nready\n")
        #expect(result.stdout.bytesWritten == 19)
    }

    @Test func aTimeoutStopsTheStep() async throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let result = try await makeRunner().run(
            scratch.request("sleep 1000 & echo ready; sleep 1000", timeout: .milliseconds(200)))
        #expect(result.stopReason == .timedOut)
        #expect(result.termination == .signaled(SIGTERM))
        #expect(try scratch.stdout(result) == "ready\n")
        #expect(await ProcessTable.eventually { ProcessTable.members(ofGroup: result.processID).isEmpty })
    }

    @Test func aStepThatFinishesBeforeItsTimeoutIsNotStopped() async throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let result = try await makeRunner().run(scratch.request("echo done", timeout: .seconds(60)))
        #expect(result.stopReason == nil)
        #expect(result.succeeded)
    }

    @Test func aTaskCancelledBeforeTheStartStartsNothing() async throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let request = scratch.request("echo started > started.txt")
        let task = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            return try await makeRunner().run(request)
        }
        await #expect(throws: CancellationError.self) { try await task.value }
        #expect(!FileManager.default.fileExists(atPath: scratch.workspace.appendingPathComponent("started.txt").path))
    }
}
