import CharterBroker
import CharterEngine
import CharterFoundation
import CharterModel
import CharterScheduling
import CharterShell
import Foundation

/// What the scheduler did for one routine at one tick.
public struct TickOutcome: Sendable, Hashable {
    /// The routine.
    public var routine: String
    /// `started`, `replaced`, `skipped` or `error`.
    public var action: String
    /// The run started, or the tick's run id when skipped.
    public var runID: String?
    /// Why, for people.
    public var message: String
}

/// Routines and runs in one process: the workflow engine with Charter's step executors, template
/// instantiation, and the scheduler's ticks with their state in `runs.sqlite`.
///
/// A tick's run id is a function of (routine, scheduled time) and creating a run is idempotent on its
/// id, so the run is created first and the routine's schedule state saved after: a crash in between
/// makes the next tick find the same run instead of starting a second one.
public final class RunService: Sendable {
    /// The runs database.
    public let store: RunStore
    /// The engine executing the runs.
    public let engine: WorkflowEngine
    /// The broker behind agent steps, when the service was made
    /// ``withCapacity(dataDirectory:actual:environment:onEvent:)``.
    public let capacity: CapacitySetup?
    /// The applied run rules shell steps start under.
    public let rules: StepRules
    let clock: any WallClock

    /// A service over the data directory's `runs.sqlite`; nothing runs before ``start()``. Agent
    /// steps get `toolbox`'s tools, by default a ``StepToolbox`` over `rules` and `shell`.
    public init(
        dataDirectory: URL, provider: any CompletionProvider = OfflineProvider(),
        clock: any WallClock = SystemWallClock(),
        configuration: EngineConfiguration = EngineConfiguration(), capacity: CapacitySetup? = nil,
        rules: StepRules? = nil, shell: ShellRunner = ShellRunner(), toolbox: (any AgentToolbox)? = nil,
        proposals: ProposalTarget? = nil
    ) throws {
        store = try RunStore(directory: dataDirectory)
        self.capacity = capacity
        let rules =
            rules
            ?? StepRules(RunRules(policies: []), credentials: DataDirectory.credentials(dataDirectory: dataDirectory))
        self.rules = rules
        self.clock = clock
        // Agent steps' commands run with the shell steps' runner, under the same rules.
        let store = self.store
        let toolbox =
            toolbox
            ?? StepToolbox(
                rules: rules, runner: shell,
                extra: [
                    OrgResourcesTool(rules: rules), OrgRunsTool(store: store),
                    OrgProposalsTool(dataDirectory: dataDirectory),
                ] + (proposals.map { [OrgProposeTool(rules: rules, target: $0)] } ?? []))
        let agent =
            (provider as? CapacityBroker).map { AgentStepExecutor(broker: $0, rules: rules, toolbox: toolbox) }
            ?? AgentStepExecutor(provider: provider, rules: rules, toolbox: toolbox)
        var configuration = configuration
        configuration.resumableStepTypes.insert("agent")
        engine = WorkflowEngine(
            store: store,
            executors: [
                "agent": agent, "shell": ShellStepExecutor(runner: shell, rules: rules),
                "approval": ApprovalStepExecutor(),
            ],
            gate: TemplateGate(), clock: clock, configuration: configuration)
    }

    /// Brings the capacity broker (sources, budgets, time zone) and the run rules shell steps start
    /// under in line with the applied `state`; returns what changed in capacity, empty when nothing
    /// did or there is no broker.
    public func refresh(_ state: OrgState) async -> [String] {
        rules.update(state)
        return await capacity?.update(actual: state) ?? []
    }

    /// Resumes every unfinished run.
    public func start() async throws { try await engine.start() }

    /// Creates a run of `template` from `--param` strings or typed arguments (checked, every problem
    /// at once) and hands it to the engine.
    @discardableResult
    public func submit(
        template: Template, instance: TemplateInstance, routine: String? = nil, scheduledAt: Date? = nil,
        priority: Int = 0, roles: [String: Role]
    ) async throws -> RunRecord {
        let spec = TemplateRuns.spec(
            instance, id: instance.runID, routine: routine, scheduledAt: scheduledAt, priority: priority, roles: roles)
        return try await engine.submit(spec)
    }

    /// Decides every routine of `state` at `now` (the scheduler never reads a clock itself) and starts
    /// what is due: the most recent missed tick within its starting deadline, under its concurrency
    /// policy. Routines seen for the first time start counting from `now` (no backfill).
    public func tick(_ state: OrgState, now: Date) async throws -> [TickOutcome] {
        let organizationZone = state.organization?.timeZone ?? "UTC"
        let saved = try store.scheduleStates()
        var firstSeen: [String: ScheduleState] = [:]
        var outcomes: [TickOutcome] = []
        for (name, routine) in state.routines.sorted(by: { $0.key < $1.key }) {
            let scheduled: ScheduledRoutine
            do {
                scheduled = try ScheduledRoutine(routine, organizationTimeZone: organizationZone)
            } catch {
                outcomes.append(TickOutcome(routine: name, action: "error", runID: nil, message: "\(error)"))
                continue
            }
            guard let current = saved[name] else {
                firstSeen[name] = ScheduleState(firstSeen: now)
                continue
            }
            let active = try store.runs(routine: name, states: [.pending, .running]).map(\.id)
            let decision = Scheduler.decide(scheduled, state: current, now: now, activeRunIDs: active)
            switch decision.action {
            case .nothingDue:
                continue
            case .skip(let skipped):
                outcomes.append(
                    TickOutcome(
                        routine: name, action: "skipped", runID: skipped.runID,
                        message: "tick \(Timestamp.utc(skipped.scheduledTime)) skipped: \(skipped.reason.rawValue)"))
            case .start(let run):
                outcomes.append(try await startTick(run, routine: routine, state: state, action: "started"))
            case .replace(let cancel, let run):
                for id in cancel { _ = try await engine.cancel(run: id, by: "scheduler") }
                outcomes.append(try await startTick(run, routine: routine, state: state, action: "replaced"))
            }
            try store.saveScheduleState(decision.state, routine: name)
        }
        // Routines seen for the first time start counting from now, all in one transaction.
        try store.saveScheduleStates(firstSeen)
        return outcomes
    }

    func startTick(_ run: ScheduledRun, routine: Routine, state: OrgState, action: String) async throws -> TickOutcome {
        guard let template = state.templates[routine.template] else {
            return TickOutcome(
                routine: routine.name, action: "error", runID: run.id,
                message: "template \(routine.template) is not applied")
        }
        let instance: TemplateInstance
        do {
            instance = try TemplateInstance(
                template: template, arguments: routine.arguments, runID: run.id, routine: routine.name)
        } catch {
            return TickOutcome(routine: routine.name, action: "error", runID: run.id, message: "\(error)")
        }
        let record = try await submit(
            template: template, instance: instance, routine: routine.name, scheduledAt: run.scheduledTime,
            priority: run.priority, roles: state.roles)
        return TickOutcome(
            routine: routine.name, action: action, runID: record.id,
            message: "tick \(Timestamp.utc(run.scheduledTime)) → run \(record.id) (\(record.state.rawValue))")
    }
}

extension RunService {
    /// Waits until every run this engine holds is over or waiting for an approval.
    public func settle() async throws {
        for record in try store.runs(states: [.pending, .running], limit: 10_000) {
            _ = try await engine.waitFor(run: record.id) { detail in
                detail.run.state.isTerminal || detail.steps.contains { $0.state == .waiting }
            }
        }
    }
}

extension RunService {
    /// The service of a data directory with its capacity — the applied sources behind a broker (see
    /// ``CapacitySetup`` for its notes) — and the applied run rules; `reservedEndpoints` are the
    /// controller's own listeners, which steps may not reach. Shut the setup down when done.
    public static func withCapacity(
        dataDirectory: URL, actual: OrgState, environment: [String: String] = ProcessInfo.processInfo.environment,
        reservedEndpoints: [EgressRules.Endpoint] = [], proposals: ProposalTarget? = nil,
        onEvent: (@Sendable (BrokerEvent) -> Void)? = nil
    ) throws -> (RunService, CapacitySetup) {
        let capacity = try CapacitySetup(
            actual: actual, dataDirectory: dataDirectory, environment: environment, onEvent: onEvent)
        let rules = StepRules(
            RunRules(actual),
            credentials: DataDirectory.credentials(dataDirectory: dataDirectory, environment: environment),
            reservedEndpoints: reservedEndpoints)
        rules.update(actual)
        let service = try RunService(
            dataDirectory: dataDirectory, provider: capacity.broker, capacity: capacity, rules: rules,
            proposals: proposals)
        return (service, capacity)
    }
}
