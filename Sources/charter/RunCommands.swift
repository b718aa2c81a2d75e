import ArgumentParser
import CharterControl
import CharterEngine
import CharterModel
import CharterScheduling
import CharterStore
import Foundation

struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Start a run of an applied template (or of a routine) now, and follow it.",
        discussion: """
            Runs come from the applied state only: a template runs as its boards approved it. \
            Parameters are checked against the template's types, defaults and patterns, every \
            problem at once. Without --detach the run executes in this process (unless a controller \
            already executes runs for this data directory: then it follows the run) until it ends or \
            waits for an approval; the exit code is 0 when it succeeded, 1 when it failed, 3 when it \
            waits. --detach only records the run for the controller.

            Examples:
              charter run brainstorm --param topic="offline mode" --param ideas=3
              charter run --routine research-standup
              charter run code-review --param branch=feature/x --detach -o json
            """)

    @Argument(help: "The template to run.") var template: String?
    @Option(
        name: .customLong("param"),
        help: ArgumentHelp("A parameter value, NAME=VALUE (repeatable).", valueName: "NAME=VALUE"))
    var parameters: [String] = []
    @Option(help: ArgumentHelp("Run a routine's template with its arguments.", valueName: "ROUTINE")) var routine:
        String?
    @Flag(help: "Record the run for the controller and return at once.") var detach = false
    @Option(name: [.customShort("o"), .long], help: "Output format: text or json.") var output: OutputFormat = .text
    @OptionGroup var global: GlobalOptions

    func validate() throws {
        if (template == nil) == (routine == nil) {
            throw ValidationError("name a template, or a routine with --routine (one of the two)")
        }
        if routine != nil && !parameters.isEmpty {
            throw ValidationError("--param sets template parameters; a routine's arguments come from its YAML")
        }
        for p in parameters where !p.contains("=") || p.hasPrefix("=") {
            throw ValidationError("--param \(p): expected NAME=VALUE")
        }
    }

    func run() async throws {
        let data = global.dataDirectory
        let (spec, actual) = try await CLIErrors.run {
            let actual = try StateStore(directory: data).actualState()
            var given: [String: String] = [:]
            for p in parameters {
                let i = p.firstIndex(of: "=")!
                given[String(p[..<i])] = String(p[p.index(after: i)...])
            }
            let spec: RunSpec
            do {
                spec = try OnDemandRun.spec(
                    actual: actual, template: template, routine: routine, parameters: given, now: Date())
            } catch let refusal as OnDemandRun.Refusal {
                throw ValidationError(refusal.message)
            }
            return (spec, actual)
        }
        let lock = detach ? nil : try await CLIErrors.run { try EngineLock.tryAcquire(dataDirectory: data) }
        guard let lock else {
            let store = try await CLIErrors.run { try RunStore(directory: data) }
            _ = try await CLIErrors.run { try store.createRun(spec, at: Date(), actor: Operations.defaultActor()) }
            if detach {
                print(output == .json ? CanonicalJSON.string(["id": .string(spec.id)]) : "Recorded run \(spec.id).")
                return
            }
            // A controller executes runs here: follow the run from the store until it settles.
            let detail = try await RunsFollower.settle(spec.id, store: store)
            try await Self.finish(detail, events: try store.events(run: spec.id), output: output)
            return
        }
        defer { lock.release() }
        // This process executes the run: with the applied capacity sources behind the broker.
        let (service, capacity) = try await CLIErrors.run {
            try RunService.withCapacity(dataDirectory: data, actual: actual)
        }
        for note in capacity.notes { Terminal.printError("note: \(note)") }
        let outcome: Result<RunDetail, any Error>
        do {
            outcome = .success(try await Self.execute(spec, on: service))
        } catch {
            outcome = .failure(error)
        }
        await service.engine.halt()
        await capacity.shutdown()
        let detail = try await CLIErrors.run { try outcome.get() }
        let events = try await CLIErrors.run { try service.store.events(run: detail.run.id) }
        try await Self.finish(detail, events: events, output: output)
    }

    /// Runs `spec` in this process until it is over or waits for an approval.
    static func execute(_ spec: RunSpec, on service: RunService) async throws -> RunDetail {
        try await service.start()
        _ = try await service.engine.submit(spec)
        // `charter cancel` from another terminal reaches this process through the database.
        let poller = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(250))
                try? await service.engine.poll()
            }
        }
        defer { poller.cancel() }
        return try await service.engine.waitFor(run: spec.id) { RunsFollower.isSettled($0) }
    }

    static func finish(_ detail: RunDetail, events: [Event], output: OutputFormat) async throws {
        let usage = RunUsage(events: events)
        let notes = RunSandboxNotes(events: events)
        let agents = AgentActivity(events: events)
        switch output {
        case .json:
            print(
                PrettyJSON.string(RunStatusWriter.summary(detail, usage: usage, notes: notes, agents: agents)),
                terminator: "")
        case .text:
            print(
                Terminal.sanitize(RunsText.detail(detail, usage: usage, notes: notes, agents: agents)), terminator: "")
        }
        switch detail.run.state {
        case .succeeded: return
        case .failed, .cancelled: throw ExitCode(1)
        default: throw ExitCode(3)
        }
    }

}

/// Waiting on a run from a process that does not execute it.
enum RunsFollower {
    /// Over, or waiting for an approval (which may take days).
    static func isSettled(_ d: RunDetail) -> Bool {
        d.run.state.isTerminal || d.steps.contains { $0.state == .waiting }
    }

    static func settle(_ id: String, store: RunStore) async throws -> RunDetail {
        while true {
            if let d = try store.run(id), isSettled(d) { return d }
            try await Task.sleep(for: .milliseconds(200))
        }
    }
}

/// Text renderings of runs.
enum RunsText {
    static func detail(
        _ d: RunDetail, usage: RunUsage = RunUsage(), notes: RunSandboxNotes = RunSandboxNotes(),
        agents: AgentActivity = AgentActivity(events: [])
    )
        -> String
    {
        let r = d.run
        var s = "Run \(r.id) — \(r.state.rawValue)\n"
        s += "template: \(r.template)" + (r.routine.map { "  routine: \($0)" } ?? "")
        s += r.scheduledAt.map { "  scheduled: \(Event.timestamp($0))" } ?? ""
        s += "\n"
        if let error = r.error { s += "error: \(error)\n" }
        if let warning = notes.warning { s += "WARNING: \(warning)\n" }
        if usage.total.calls > 0 {
            let t = usage.total
            s += "LLM usage: \(t.tokens) tokens, \(t.costText) (\(t.sources.joined(separator: ", ")))\n"
        }
        s += "\nsteps:\n"
        let width = d.steps.map(\.name.count).max() ?? 4
        for step in d.steps {
            let duration =
                step.startedAt.flatMap { start in
                    step.finishedAt.map { String(format: "%.2fs", $0.timeIntervalSince(start)) }
                } ?? "-"
            let needs = step.spec.needs.isEmpty ? "" : "  ← \(step.spec.needs.joined(separator: ", "))"
            s += "  \(step.name.padding(toLength: width, withPad: " ", startingAt: 0))  "
            s += "\(step.spec.type.padding(toLength: 8, withPad: " ", startingAt: 0)) "
            s += "\(step.state.rawValue.padding(toLength: 10, withPad: " ", startingAt: 0)) "
            s += "attempts \(step.attempt)  \(duration)\(needs)"
            s += usage.steps[step.name].map { "  \($0.tokens) tokens \($0.costText)" } ?? ""
            s += "\n"
            if let reason = step.reason { s += "      \(reason)\n" }
            if let note = notes.unsandboxed[step.name] { s += "      \(note)\n" }
            if let network = notes.networkText(step.name) { s += "      network: \(network)\n" }
            for line in agents.lines(step: step.name, run: r.id) { s += line + "\n" }
        }
        return s
    }
}

struct RunsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "runs", abstract: "List runs, newest first.",
        discussion: """
            Examples:
              charter runs
              charter runs --routine research-standup --state failed -o json
            """)

    @Option(help: "Only this routine's runs.") var routine: String?
    @Option(help: "Only runs in this state: pending, running, succeeded, failed, cancelled.") var state: String?
    @Option(help: "At most this many.") var limit = 50
    @Option(name: [.customShort("o"), .long], help: "Output format: text or json.") var output: OutputFormat = .text
    @OptionGroup var global: GlobalOptions

    func validate() throws {
        if let state, RunState(rawValue: state) == nil {
            throw ValidationError(
                "--state \(state): expected one of \(RunState.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        if limit < 1 { throw ValidationError("--limit must be at least 1") }
    }

    func run() async throws {
        let runs = try await CLIErrors.run {
            try RunStore(directory: global.dataDirectory).runs(
                routine: routine, states: state.flatMap(RunState.init).map { [$0] }, limit: limit)
        }
        switch output {
        case .json:
            let value = RunViews.list(runs)
            print(PrettyJSON.string(value), terminator: "")
        case .text:
            if runs.isEmpty {
                print("No runs.")
                return
            }
            for r in runs {
                print(
                    Terminal.sanitize(
                        "\(r.id)  \(r.state.rawValue)  \(r.template)\(r.routine.map { " (\($0))" } ?? "")  \(Event.timestamp(r.createdAt))"
                    ))
            }
        }
    }
}

struct LogsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "logs", abstract: "Show a run's events (attempts, outputs, failures), optionally following it.",
        discussion: """
            Examples:
              charter logs research-standup-20261123T1400Z
              charter logs RUN --step notes -o json
              charter logs RUN --follow
            """)

    @Argument(help: "The run id.") var id: String
    @Option(help: "Only this step's events.") var step: String?
    @Flag(help: "Keep printing new events until the run ends.") var follow = false
    @Option(name: [.customShort("o"), .long], help: "Output format: text or json.") var output: OutputFormat = .text
    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let store = try await CLIErrors.run { try RunStore(directory: global.dataDirectory) }
        guard try await CLIErrors.run({ try store.run(id) }) != nil else {
            Terminal.printError("error: no run \(id) in \(store.path); see `charter runs`")
            throw ExitCode(1)
        }
        var printed = 0
        while true {
            let events = try await CLIErrors.run { try store.events(run: id, step: step) }
            for event in events.dropFirst(printed) {
                switch output {
                case .json: print(CanonicalJSON.string(event.value))
                case .text:
                    let text = AgentActivity.logLine(event) ?? CanonicalJSON.string(event.data)
                    print(
                        Terminal.sanitize("\(event.sequence)  \(Event.timestamp(event.time))  \(event.type)  \(text)"))
                }
            }
            printed = max(printed, events.count)
            guard follow, let detail = try await CLIErrors.run({ try store.run(id) }), !detail.run.state.isTerminal
            else { return }
            try await Task.sleep(for: .milliseconds(250))
        }
    }
}

struct CancelCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cancel", abstract: "Cancel a run: waiting steps stop at once, running ones are killed.",
        discussion: """
            The request is recorded in the run database; the process executing the run (the \
            controller, or `charter run`) cancels it within a moment, killing shell steps' whole \
            process groups.

            Examples:
              charter cancel brainstorm-20261121T101500Z-1a2b3c
            """)

    @Argument(help: "The run id.") var id: String
    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let accepted = try await CLIErrors.run { try RunStore(directory: global.dataDirectory).requestCancel(run: id) }
        guard accepted else {
            Terminal.printError("error: run \(id) is unknown or already over; see `charter runs`")
            throw ExitCode(1)
        }
        print("Cancellation of \(id) requested.")
    }
}
