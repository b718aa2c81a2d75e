import CharterFoundation
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// What a child needs to start. The file descriptors stay owned by the caller.
struct SpawnSpec: Sendable {
    var executable: String
    /// The whole argument vector, `argv[0]` included.
    var arguments: [String]
    var environment: [String: String]
    var directory: String
    /// The child's stdin, or nil for `/dev/null`.
    var stdin: Int32? = nil
    var stdout: Int32
    var stderr: Int32
    /// Descriptors the child gets at 3, 4, … (bubblewrap's `--args`, data and seccomp files).
    var descriptors: [Int32] = []
}

/// How and when a child ended.
struct ChildExit: Sendable {
    var termination: ShellTermination
    var endedAt: ContinuousClock.Instant
    var userCPUTime: Duration
    var systemCPUTime: Duration
}

/// A child process that leads its own session and process group, so that one signal reaches it and
/// every descendant that did not leave the group on purpose.
///
/// Each child gets a dedicated thread that spawns it and then blocks in `waitid` until it exits.
/// That thread, not a SIGCHLD handler or the cooperative pool, is the right place because:
/// - a blocking wait never occupies one of Swift's few cooperative threads, however long a step runs;
/// - waiting for one pid never steals the exit status of children that others (Foundation's
///   `Process`, libgit2) started, which a process-wide SIGCHLD + `waitpid(-1)` reaper would;
/// - bubblewrap's `--die-with-parent` uses `PR_SET_PDEATHSIG`, which fires when the *thread* that
///   spawned it exits; a pool thread may retire at any time, this one lives exactly as long as the child.
final class ChildProcess: Sendable {
    /// Where timeouts and grace periods fire. A queue of its own gets a thread of its own: on the
    /// global queue a stop waited behind whatever blocked its few workers (a minute, under load).
    static let timers = DispatchQueue(label: "charter.shell.timers")

    let pid: pid_t
    let startedAt: ContinuousClock.Instant
    private let state = Locked(State())

    private struct State {
        var exit: ChildExit?
        var waiter: CheckedContinuation<ChildExit, Never>?
        var reaped = false
        var stopReason: ShellStopReason?
        var killedAfterGracePeriod = false
    }

    init(pid: pid_t, startedAt: ContinuousClock.Instant) {
        self.pid = pid
        self.startedAt = startedAt
    }

    /// Starts `spec` on its own thread; returns once the process exists (or failed to start).
    static func launch(_ spec: SpawnSpec) async throws -> ChildProcess {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<ChildProcess, any Error>) in
            Thread.detachNewThread {
                let child: ChildProcess
                do {
                    child = try spawn(spec)
                } catch {
                    continuation.resume(throwing: error)
                    return
                }
                continuation.resume(returning: child)
                child.reap()
            }
        }
    }

    /// Why Charter stopped the child, if it did.
    var stopReason: ShellStopReason? { state.withLock { $0.stopReason } }
    /// Whether SIGTERM was not enough.
    var killedAfterGracePeriod: Bool { state.withLock { $0.killedAfterGracePeriod } }

    /// Waits for the child to exit and be reaped, without blocking a thread.
    func waitForExit() async -> ChildExit {
        await withCheckedContinuation { continuation in
            let exit: ChildExit? = state.withLock { s in
                if s.exit == nil { s.waiter = continuation }
                return s.exit
            }
            if let exit { continuation.resume(returning: exit) }
        }
    }

    /// Sends SIGTERM to the whole process group, then SIGKILL after `gracePeriod` if the leader has
    /// not exited. Only the first stop counts; later calls (a timeout racing a cancel) do nothing.
    func terminate(_ reason: ShellStopReason, gracePeriod: Duration) {
        let first = state.withLock { s -> Bool in
            guard !s.reaped, s.stopReason == nil else { return false }
            s.stopReason = reason
            _ = kill(-pid, SIGTERM)
            // A stopped process would hold SIGTERM pending until the grace period ends.
            _ = kill(-pid, SIGCONT)
            return true
        }
        guard first else { return }
        if gracePeriod <= .zero {
            escalate()
        } else {
            Self.timers.asyncAfter(deadline: .now() + gracePeriod.timeInterval) { self.escalate() }
        }
    }

    private func escalate() {
        state.withLock { s in
            guard !s.reaped else { return }
            s.killedAfterGracePeriod = true
            _ = kill(-pid, SIGKILL)
        }
    }

    /// Runs on the child's own thread until the child is reaped.
    private func reap() {
        // Wait without reaping: while the leader is a zombie its pid (the group id) cannot be reused,
        // so the group kill below cannot reach an unrelated process.
        var info = siginfo_t()
        var waited: Int32
        repeat { waited = waitid(P_PID, id_t(pid), &info, WEXITED | WNOWAIT) } while waited != 0 && errno == EINTR
        let (exit, waiter) = state.withLock { s -> (ChildExit, CheckedContinuation<ChildExit, Never>?) in
            // Background processes the command left behind die with it; they would otherwise hold
            // the output pipes open and outlive the step's workspace. Skipped if the wait failed
            // (someone else reaped our child), since the group id might then name a stranger.
            if waited == 0 { _ = kill(-pid, SIGKILL) }
            var status: Int32 = 0
            var usage = rusage()
            var reaped: pid_t
            repeat { reaped = wait4(pid, &status, 0, &usage) } while reaped < 0 && errno == EINTR
            s.reaped = true
            let exit = ChildExit(
                termination: reaped == pid ? Self.termination(status) : .exited(-1), endedAt: .now,
                userCPUTime: Self.duration(usage.ru_utime), systemCPUTime: Self.duration(usage.ru_stime))
            s.exit = exit
            defer { s.waiter = nil }
            return (exit, s.waiter)
        }
        waiter?.resume(returning: exit)
    }

    private static func termination(_ status: Int32) -> ShellTermination {
        let signal = status & 0x7f
        return signal == 0 ? .exited((status >> 8) & 0xff) : .signaled(signal)
    }

    private static func duration(_ time: timeval) -> Duration {
        .seconds(Int64(time.tv_sec)) + .microseconds(Int64(time.tv_usec))
    }
}

extension Duration {
    /// The duration in seconds, for Dispatch deadlines.
    var timeInterval: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
