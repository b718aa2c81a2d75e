import CharterFoundation
import CharterGit
import CharterMetrics
import CharterModel
import CharterStatus
import CharterStore
import Foundation

/// A stop request shared between a shutdown handler and the loop: set once, read between passes.
public final class StopRequest: @unchecked Sendable {
    // Guarded by `lock`; a shutdown handler and the loop touch it from different threads.
    private let lock = NSLock()
    private var stopped = false
    private var wake: CheckedContinuation<Void, Never>?

    public init() {}

    /// Asks the loop to stop after the pass in flight; wakes it if it is waiting.
    public func stop() {
        lock.lock()
        stopped = true
        let waiting = wake
        wake = nil
        lock.unlock()
        waiting?.resume()
    }

    /// Whether a stop was asked for.
    public var isStopped: Bool {
        lock.lock()
        defer { lock.unlock() }
        return stopped
    }

    /// Waits until `stop()` is called (returns at once if it already was) or the task is cancelled.
    func waitForStop() async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                lock.lock()
                if stopped || Task.isCancelled {
                    lock.unlock()
                    continuation.resume()
                } else {
                    wake = continuation
                    lock.unlock()
                }
            }
        } onCancel: {
            lock.lock()
            let waiting = wake
            wake = nil
            lock.unlock()
            waiting?.resume()
        }
    }
}

/// The long-running loop: a reconcile pass and write-back, then a wait of the poll interval, until
/// stopped. A stop never interrupts a pass: the pass in flight finishes (its apply is one
/// transaction either way), then the loop exits.
public struct Controller: Sendable {
    public var location: String
    public var branch: String?
    public var store: StateStore
    public var dataDirectory: URL
    public var auth: GitAuth
    public var actor: String
    /// Overrides the Organization's poll interval.
    public var interval: Duration?
    public var writeBack: Bool
    public var log: @Sendable (LogLine) -> Void
    public var now: @Sendable () -> Date
    /// Routines and runs, when this process executes them (it holds the ``EngineLock``).
    public var runs: RunService?
    /// The clock of schedules and approval deadlines: `now` unless overridden (`--now`, for demos and
    /// tests).
    public var schedulerNow: @Sendable () -> Date
    /// Whether a pass waits until every run is over or waiting for an approval (`reconcile --once`).
    public var settleRuns: Bool
    /// How long a finished run's workspace is kept (by the real clock, not `schedulerNow`); nil
    /// keeps every workspace.
    public var workspaceRetention: Duration? = RunService.defaultWorkspaceRetention
    /// Where passes, votes and their results are counted (``CharterMetrics/global`` in the controller;
    /// a test's own factory in tests).
    public var metrics: CharterMetrics = .global
    /// The status branch's events files already read: each is read once per process, not per pass.
    public let eventFiles = EventFileCache()
    /// The last pass's report, for the API and the dashboard in this process.
    public let latest = LatestPass()
    /// The notification sub-reconciler, when this process sends notifications.
    public var notifier: Notifier?

    public init(
        location: String, branch: String?, store: StateStore, dataDirectory: URL, auth: GitAuth, actor: String,
        interval: Duration?, writeBack: Bool = true, log: @escaping @Sendable (LogLine) -> Void,
        now: @escaping @Sendable () -> Date = { Date() }, runs: RunService? = nil,
        schedulerNow: (@Sendable () -> Date)? = nil, settleRuns: Bool = false
    ) {
        self.runs = runs
        self.schedulerNow = schedulerNow ?? now
        self.settleRuns = settleRuns
        self.location = location
        self.branch = branch
        self.store = store
        self.dataDirectory = dataDirectory
        self.auth = auth
        self.actor = actor
        self.interval = interval
        self.writeBack = writeBack
        self.log = log
        self.now = now
    }

    /// Runs passes until `stop` is requested or `maxPasses` ran; `wait` sleeps between passes and
    /// returns early when stopped (tests inject one that does not sleep). Returns the passes run.
    @discardableResult
    public func run(
        until stop: StopRequest, maxPasses: Int = .max,
        wait: @escaping @Sendable (Duration, StopRequest) async -> Void = Controller.sleep
    ) async -> Int {
        var passes = 0
        while !stop.isStopped && passes < maxPasses {
            passes += 1
            await pass()
            if stop.isStopped || passes >= maxPasses { break }
            await wait(pollInterval(), stop)
        }
        log(LogLine(time: now(), level: .info, message: "controller stopped", fields: ["passes": String(passes)]))
        return passes
    }

    /// One reconcile pass followed by the write-back to the status branch.
    public func reconcile() async throws -> ReconcileReport {
        // One pass at a time per data directory: two passes would both propose the same change.
        let log = self.log
        let lock = try await PassLock.acquire(dataDirectory: dataDirectory, holder: "a reconcile pass") { holder in
            log(LogLine(time: Date(), level: .info, message: "waiting for the pass lock", fields: ["holder": holder]))
        }
        defer { lock.release() }
        let time = now()
        var report: ReconcileReport
        do {
            report = try await Reconciler.reconcileOnce(
                repository: location, branch: branch, store: store, dataDirectory: dataDirectory, auth: auth,
                actor: actor, now: time, metrics: metrics)
        } catch {
            // An unreachable repository must not stop the schedules: routines run from the applied
            // state, which is still here.
            if let runs, try store.appliedRevision() != nil {
                try? await runs.engine.poll()
                if let actual = try? store.actualState() {
                    _ = await runs.refresh(actual)
                    _ = try? await runs.tick(actual, now: schedulerNow())
                }
            }
            // Nor the notifications: failed runs, approvals, budgets and votes still page people.
            if let notifier, let actual = try? store.actualState() {
                logNotifications(
                    await notifier.pass(actual: actual, inputs: Notifier.Inputs(runs: runs, stalled: nil), now: now()))
            }
            throw error
        }
        guard report.reason != .notBootstrapped else { return report }
        if let runs {
            // Routines run from the applied state only, whatever the watched branch says meanwhile.
            try await runs.engine.poll()
            let actual = try store.actualState()
            // Runs started from here on use what the pass applied: sources, limits, budgets.
            report.capacity = await runs.refresh(actual)
            report.ticks = try await runs.tick(actual, now: schedulerNow())
            let pending = try RunApprovals.pending(runs.store)
            if !pending.isEmpty {
                let statusBranch = actual.organization?.statusBranch ?? StatusPublisher.defaultBranch
                let repository = try await StatusWriter.statusRepository(
                    of: location, branch: statusBranch, dataDirectory: dataDirectory, auth: auth)
                report.approvals = try await RunApprovals.resolve(
                    pending, engine: runs.engine, repository: repository, branch: "refs/heads/" + statusBranch,
                    actual: actual, now: schedulerNow())
            }
            if settleRuns { try await runs.settle() }
            if let retention = workspaceRetention {
                let cutoff = now().addingTimeInterval(-Double(retention.components.seconds))
                let cleanup = try runs.removeWorkspaces(endedBefore: cutoff)
                report.workspacesRemoved = cleanup.removed
                report.workspacesNotRemoved = cleanup.failed
            }
        }
        if writeBack {
            do {
                try await writeBack(&report, at: time)
            } catch {
                // A status branch that cannot be written is no reason to stay quiet about the rest.
                await notify(&report)
                logNotifications(report.notifications)
                throw error
            }
        }
        await notify(&report)
        return report
    }

    /// The notification step of a pass: what holds now, routed through the applied Notifications.
    /// Runs once per pass: inside the write-back when there is one (after the status branch's
    /// inspection, which can stall the pass, and before the files are made, so the notifications'
    /// events are published with this pass), else at its end.
    func notify(_ report: inout ReconcileReport) async {
        guard !report.notifications.ran else { return }
        report.notifications.ran = true
        guard let notifier, let actual = try? store.actualState() else { return }
        let stalled = report.condition == .stalled ? (reason: report.reason.rawValue, message: report.message) : nil
        report.notifications = await notifier.pass(
            actual: actual, inputs: Notifier.Inputs(runs: runs, stalled: stalled), now: now())
        // The summary replaces the marker: keep it, or the pass's end would notify a second time
        // and report that second, empty, try instead of this one.
        report.notifications.ran = true
    }

    /// Writes the pass back to the status branch: first looks at what is there (entries that are not
    /// Charter's, damaged events files, the conditions' times — see ``StatusBranchInspection``) and adds
    /// it to `report`, then publishes. Files equal to the branch's commit nothing.
    func writeBack(_ report: inout ReconcileReport, at time: Date) async throws {
        let statusBranch = try store.actualState().organization?.statusBranch ?? StatusPublisher.defaultBranch
        let storeEvents = try store.events()
        let repository = try await StatusWriter.statusRepository(
            of: location, branch: statusBranch, dataDirectory: dataDirectory, auth: auth)
        let inspection = try await StatusBranchInspection.inspect(
            repository, branch: statusBranch, storeEvents: storeEvents, cache: eventFiles)
        inspection.annotate(&report, branch: statusBranch)
        await notify(&report)
        let overview = try runs.map { try RunOverview(store: $0.store) }
        var files = try StatusWriter.files(
            for: report, store: store, now: time, runs: overview, previousConditions: inspection.previousConditions)
        if let runs, let overview {
            files.merge(try RunStatusWriter.files(store: runs.store)) { mine, _ in mine }
            files.merge(RunApprovals.files(overview.approvals)) { mine, _ in mine }
        }
        try await StatusWriter.publish(
            files, to: location, branch: statusBranch, dataDirectory: dataDirectory, auth: auth,
            message: "charter: \(report.reason) \(report.observedRevision?.prefix(12) ?? "")", cache: eventFiles)
    }

    /// One pass; failures are logged, never thrown, so the loop goes on.
    public func pass() async {
        let clock = ContinuousClock()
        let start = clock.now
        let report: ReconcileReport
        do {
            report = try await reconcile()
        } catch {
            metrics.reconcilePass(.failure, duration: clock.now - start, endedAt: now().timeIntervalSince1970)
            log(LogLine(time: now(), level: .error, message: "reconcile failed: \(error)", fields: [:]))
            return
        }
        latest.record(report, at: now())
        // Counted before anything is logged: whoever sees the pass's lines sees it counted.
        metrics.reconcilePass(
            report.condition == .stalled ? .stalled : .success, duration: clock.now - start,
            endedAt: now().timeIntervalSince1970)
        logOutcome(of: report)
    }

    /// What the notification step did, when it did something or could not work.
    private func logNotifications(_ n: NotificationSummary) {
        if n.sent + n.retrying + n.failed > 0 {
            log(
                LogLine(
                    time: now(), level: n.failed + n.retrying > 0 ? .warning : .info,
                    message: "notifications: \(n.sent) sent, \(n.retrying) to retry, \(n.failed) failed",
                    fields: ["sent": String(n.sent), "retrying": String(n.retrying), "failed": String(n.failed)]))
        }
        // Every pass while it lasts: a notifier that cannot work is silent everywhere else.
        if let problem = n.problem { log(LogLine(time: now(), level: .warning, message: problem, fields: [:])) }
    }

    /// The log lines of a pass that completed.
    private func logOutcome(of report: ReconcileReport) {
        var fields = ["condition": report.condition.rawValue, "reason": report.reason.rawValue]
        if let p = report.proposal { fields["proposal"] = p.id.description }
        if let r = report.observedRevision { fields["observed"] = String(r.prefix(12)) }
        log(
            LogLine(
                time: now(), level: report.condition == .stalled ? .warning : .info, message: report.message,
                fields: fields))
        for t in report.ticks {
            var fields = ["routine": t.routine, "action": t.action]
            if let id = t.runID { fields["run"] = id }
            log(
                LogLine(
                    time: now(), level: t.action == "error" ? .warning : .info, message: t.message, fields: fields))
        }
        for a in report.approvals { log(LogLine(time: now(), level: .info, message: a, fields: [:])) }
        logNotifications(report.notifications)
        for c in report.capacity { log(LogLine(time: now(), level: .info, message: c, fields: [:])) }
        if !report.workspacesRemoved.isEmpty {
            log(
                LogLine(
                    time: now(), level: .info,
                    message: "removed the workspaces of \(report.workspacesRemoved.count) finished runs",
                    fields: ["runs": report.workspacesRemoved.joined(separator: ",")]))
        }
        for (run, why) in report.workspacesNotRemoved.sorted(by: { $0.key < $1.key }) {
            log(
                LogLine(
                    time: now(), level: .warning, message: "cannot remove the workspace of \(run): \(why)",
                    fields: ["run": run]))
        }
        // A branch that needs its author's attention is a warning; the others are progress.
        let problem: Set<BranchOutcome.Reason> = [.unreadable, .conflict, .invalidRevision]
        for b in report.branches {
            var fields = ["branch": b.branch, "reason": b.reason.rawValue]
            if let p = b.proposal { fields["proposal"] = p.description }
            log(
                LogLine(
                    time: now(), level: problem.contains(b.reason) ? .warning : .info, message: b.message,
                    fields: fields))
        }
        for p in report.damagedEventFiles {
            log(
                LogLine(
                    time: now(), level: .warning, message: "damaged events file: \(p.reason)",
                    fields: ["path": p.path]))
        }
        if let first = report.foreignEntries.first {
            log(
                LogLine(
                    time: now(), level: .warning,
                    message:
                        "the status branch holds \(report.foreignEntries.count) entries Charter ignores; first: \(first.path): \(first.reason)",
                    fields: ["entries": String(report.foreignEntries.count)]))
        }
    }

    /// The shortest wait between passes. `charter validate` refuses a shorter `pollInterval` and the
    /// command line a shorter `--interval`; this floor also holds for a state applied before that check.
    public static let minimumPollInterval: Duration = .seconds(1)

    /// The wait between passes: the flag, else the applied Organization's `pollInterval`, else 1
    /// minute; never below ``minimumPollInterval``, so a zero interval cannot spin the loop.
    public func pollInterval() -> Duration {
        let ms = (try? store.actualState().organization?.pollIntervalMilliseconds) ?? nil
        return max(interval ?? .milliseconds(ms ?? 60_000), Self.minimumPollInterval)
    }

    /// Sleeps `duration` or until `stop` is requested, whichever comes first.
    public static func sleep(_ duration: Duration, _ stop: StopRequest) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { try? await Task.sleep(for: duration) }
            group.addTask { await stop.waitForStop() }
            await group.next()
            group.cancelAll()
        }
    }
}
