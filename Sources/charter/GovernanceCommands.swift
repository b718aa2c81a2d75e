import ArgumentParser
import CharterControl
import CharterEngine
import CharterFoundation
import CharterGit
import CharterGovernance
import CharterModel
import CharterScheduling
import CharterStatus
import CharterStore
import Foundation

struct ReconcileCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reconcile",
        abstract: "Run one pass of the governed loop: plan the watched branch, propose, count votes, apply.",
        discussion: """
            Reads the watched branch (default: the applied Organization's, else main), turns its \
            difference from the applied state into a proposal routed by the applied policies, counts \
            the signed votes on the status branch, applies what the boards approved, and writes \
            status.yaml, STATUS.md and proposals/ back to the status branch. While the watched branch \
            is applied, proposals/NAME branches are proposed too, and an approved one is merged.

            Unless a controller executes runs for this data directory, the pass also fires the \
            routines that are due (--now moves the scheduler's clock, for demos and tests), counts \
            votes on approval steps, waits until every run is over or waits for a board, and writes \
            runs/ back as well.

            Examples:
              charter reconcile --once ./org
              charter reconcile --once ./org --now 2026-11-23T14:00:30Z
              charter reconcile --once ssh://git@host/org.git --ssh-key ~/.ssh/charter -o json
            """)

    @Flag(help: "Run exactly one pass (`charter controller` runs them continuously).") var once = false
    @OptionGroup var source: SourceOptions
    @Option(help: ArgumentHelp("The watched branch.", valueName: "BRANCH")) var branch: String?
    @OptionGroup var workspaces: WorkspaceRetentionOptions
    @Flag(name: .customLong("no-write-back"), help: "Do not write to the status branch.") var noWriteBack = false
    @Option(
        help: ArgumentHelp(
            "The scheduler's time for this pass (RFC 3339, e.g. 2026-11-23T14:00:30Z), for demos and tests; runs still execute in real time.",
            valueName: "TIME"))
    var now: String?
    @Option(name: [.customShort("o"), .long], help: "Output format: text or json.") var output: OutputFormat = .text
    @OptionGroup var global: GlobalOptions

    func validate() throws {
        guard once else { throw ValidationError("only `charter reconcile --once` exists; `charter controller` loops") }
        if source.rev != nil { throw ValidationError("use --branch to choose the watched branch, not --rev") }
        if let now, Timestamp.parse(now) == nil {
            throw ValidationError(
                "--now \(now): expected an RFC 3339 time with an offset, such as 2026-11-23T14:00:30Z")
        }
    }

    func run() async throws {
        let data = global.dataDirectory
        // Runs execute here unless a controller already executes them for this data directory.
        let lock = try await CLIErrors.run { try EngineLock.tryAcquire(dataDirectory: data) }
        defer { lock?.release() }
        // One store for the whole pass, so the applied state is read from SQLite once, not per use.
        let store = try await CLIErrors.run { try StateStore(directory: data) }
        let (runs, capacity) = try await CLIErrors.run { () -> (RunService?, CapacitySetup?) in
            guard lock != nil else { return (nil, nil) }
            let actual = try store.actualState()
            let request = try source.request()
            let (service, capacity) = try RunService.withCapacity(
                dataDirectory: data, actual: actual,
                proposals: ProposalTarget(
                    location: request.location ?? ".", branch: branch, auth: request.auth, dataDirectory: data))
            if !actual.routines.isEmpty || !actual.templates.isEmpty {
                for note in capacity.notes { Terminal.printError("note: \(note)") }
            }
            try await service.start()
            return (service, capacity)
        }
        if lock == nil {
            Terminal.printError("note: a controller executes runs for \(data.path); this pass skips routines")
        }
        let fixed = now.flatMap(Timestamp.parse)
        let schedulerNow: (@Sendable () -> Date)? = fixed.map { time in { @Sendable in time } }
        let outcome: Result<ReconcileReport, any Error>
        do {
            let request = try source.request()
            var controller = Controller(
                location: request.location ?? ".", branch: branch, store: store, dataDirectory: data,
                auth: request.auth, actor: Operations.defaultActor(), interval: nil, writeBack: !noWriteBack,
                log: { line in
                    // The pass's own log is its report; only say why it has to wait.
                    if line.message == "waiting for the pass lock" {
                        Terminal.printError("note: waiting for the pass lock, held by \(line.fields["holder"] ?? "?")")
                    }
                }, runs: runs, schedulerNow: schedulerNow, settleRuns: true)
            controller.workspaceRetention = workspaces.retention
            let notifier = Notifier(store: store, dataDirectory: data, actor: controller.actor)
            controller.notifier = notifier
            do {
                outcome = .success(try await controller.reconcile())
            } catch {
                outcome = .failure(error)
            }
            await notifier.shutdown()
        } catch {
            outcome = .failure(error)
        }
        // The engine and the HTTP client stop whatever happened, before the process reports.
        await runs?.engine.halt()
        await capacity?.shutdown()
        let report = try await CLIErrors.run { try outcome.get() }
        switch output {
        case .json:
            let value: Value = [
                "condition": .string(report.condition.rawValue), "reason": .string(report.reason.rawValue),
                "message": .string(report.message),
                "observedRevision": report.observedRevision.map(Value.string) ?? .null,
                "appliedRevision": report.appliedRevision.map(Value.string) ?? .null,
                "proposal": report.proposal.map { .string($0.id.description) } ?? .null,
                "proposalState": report.proposal.map { .string($0.state.rawValue) } ?? .null,
                "votesRecorded": .int(report.votesRecorded),
                "branches": .array(
                    report.branches.map {
                        [
                            "branch": .string($0.branch),
                            "proposal": $0.proposal.map { .string($0.description) } ?? .null,
                            "reason": .string($0.reason.rawValue), "message": .string($0.message),
                        ]
                    }),
                "damagedEventFiles": .array(
                    report.damagedEventFiles.map { ["path": .string($0.path), "reason": .string($0.reason)] }),
                "foreignEntries": .array(
                    report.foreignEntries.map { ["path": .string($0.path), "reason": .string($0.reason)] }),
                "ticks": .array(
                    report.ticks.map {
                        [
                            "routine": .string($0.routine), "action": .string($0.action),
                            "run": $0.runID.map(Value.string) ?? .null, "message": .string($0.message),
                        ]
                    }),
                "capacity": .array(report.capacity.map(Value.string)),
                "workspacesRemoved": .array(report.workspacesRemoved.map(Value.string)),
                "diagnostics": .array(report.diagnostics.map(DiagnosticJSON.value)),
            ]
            print(PrettyJSON.string(value), terminator: "")
        case .text:
            print(Terminal.sanitize("\(report.condition.rawValue): \(report.reason) — \(report.message)"))
            for b in report.branches { print(Terminal.sanitize("  \(b.branch): \(b.reason) — \(b.message)")) }
            for p in report.damagedEventFiles {
                Terminal.printError("warning: damaged events file \(p.path): \(p.reason)")
            }
            for p in report.foreignEntries.prefix(20) {
                Terminal.printError("warning: the status branch holds \(p.path), ignored: \(p.reason)")
            }
            if report.foreignEntries.count > 20 {
                Terminal.printError(
                    "warning: … and \(report.foreignEntries.count - 20) more entries Charter ignores; `charter verify` lists them all"
                )
            }
            for t in report.ticks { print(Terminal.sanitize("  routine \(t.routine): \(t.action) — \(t.message)")) }
            for a in report.approvals { print(Terminal.sanitize("  approval \(a)")) }
            for c in report.capacity { Terminal.printError("note: \(c)") }
            if !report.workspacesRemoved.isEmpty {
                print(
                    Terminal.sanitize(
                        "  removed the workspaces of \(report.workspacesRemoved.count) finished runs: "
                            + report.workspacesRemoved.joined(separator: ", ")))
            }
            for (run, why) in report.workspacesNotRemoved.sorted(by: { $0.key < $1.key }) {
                Terminal.printError("warning: cannot remove the workspace of \(run): \(why)")
            }
            for d in report.diagnostics { Terminal.printError(d.description) }
        }
        if report.condition == .stalled { throw ExitCode(1) }
    }
}

struct ProposalsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "proposals", abstract: "List proposals, newest first.",
        discussion: """
            Examples:
              charter proposals
              charter proposals --state open -o json
            """)

    @Option(help: "Only proposals in this state: open, approved, rejected, superseded, applied, failed.")
    var state: String?
    @Option(name: [.customShort("o"), .long], help: "Output format: text or json.") var output: OutputFormat = .text
    @OptionGroup var global: GlobalOptions

    func validate() throws {
        if let state, ProposalState(rawValue: state) == nil {
            throw ValidationError(
                "unknown state `\(state)`; states are open, approved, rejected, superseded, applied, failed")
        }
    }

    func run() async throws {
        let proposals = try await CLIErrors.run {
            try StateStore(directory: global.dataDirectory).proposals(state: state.flatMap(ProposalState.init))
                .sorted { $0.id > $1.id }
        }
        switch output {
        case .json:
            print(String(decoding: try Proposal.json(proposals), as: UTF8.self))
        case .text:
            if proposals.isEmpty {
                print("No proposals.")
                return
            }
            for p in proposals {
                let boards = p.boards.map(\.board).joined(separator: ",")
                let count = "\(p.changes.count) change\(p.changes.count == 1 ? "" : "s")"
                let state = p.state.rawValue.padding(toLength: 10, withPad: " ", startingAt: 0)
                print(
                    Terminal.sanitize(
                        "\(p.id)  \(state)  \(count)  boards: \(boards.isEmpty ? "-" : boards)  \(p.explanation)"))
            }
        }
    }
}

struct ShowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract:
            "Show a proposal (changes, boards, votes, what is missing) or a run (its DAG: each step's state, attempts, duration).",
        discussion: """
            Examples:
              charter show P-0007
              charter show P-0007 -o json
              charter show research-standup-20261123T1400Z
            """)

    @Argument(help: "A proposal id such as P-0007, or a run id.") var id: String
    @Option(name: [.customShort("o"), .long], help: "Output format: text or json.") var output: OutputFormat = .text
    @OptionGroup var global: GlobalOptions

    func run() async throws {
        guard ProposalID(id) != nil else {
            let store = try await CLIErrors.run { try RunStore(directory: global.dataDirectory) }
            let detail = try await CLIErrors.run { try store.run(id) }
            guard let detail else {
                Terminal.printError("error: no proposal or run \(id); see `charter proposals` and `charter runs`")
                throw ExitCode(1)
            }
            let events = try await CLIErrors.run { try store.events(run: id) }
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
                    Terminal.sanitize(RunsText.detail(detail, usage: usage, notes: notes, agents: agents)),
                    terminator: "")
            }
            return
        }
        let store = try await CLIErrors.run { try StateStore(directory: global.dataDirectory) }
        guard let proposal = try await CLIErrors.run({ try store.proposal(id: ProposalID(id)!) }) else {
            Terminal.printError("error: no proposal \(id) in \(store.path)")
            throw ExitCode(1)
        }
        if output == .json {
            print(String(decoding: try Proposal.json(proposal), as: UTF8.self))
            return
        }
        var s = "\(proposal.id) — \(proposal.state.rawValue)\n"
        s +=
            "source: \(DisplayText.escaped(proposal.source.description))  base: \(proposal.base.prefix(12))  head: \(proposal.head.prefix(12))\n"
        s += "change set: \(proposal.changeSetHash)\n\n"
        s += "changes:\n" + proposal.changes.map { "  \($0)" }.joined(separator: "\n") + "\n\n"
        s += "boards:\n"
        for b in proposal.tally.status.boards {
            s += "  \(b.board): \(b.outcome.rawValue) — \(DisplayText.escaped(b.explanation))\n"
        }
        s += "\nvotes:\n"
        if proposal.votes.isEmpty && proposal.refusedVoteFiles.isEmpty { s += "  none yet\n" }
        // Voters, paths and reasons come from vote files anyone who can push the status branch wrote.
        for v in proposal.votes {
            let verdict = v.accepted ? "counted" : "refused: \(DisplayText.escaped(v.reason ?? ""))"
            s += "  \(DisplayText.escaped(v.vote.voter)) \(v.vote.decision.rawValue) (\(verdict))\n"
        }
        for file in proposal.refusedVoteFiles {
            s += "  \(DisplayText.escaped(file.path)) (refused: \(DisplayText.escaped(file.reason)))\n"
        }
        s +=
            "\nhistory:\n"
            + proposal.history.map { "  \($0.state.rawValue): \(DisplayText.escaped($0.reason))" }.joined(
                separator: "\n")
            + "\n"
        print(Terminal.sanitize(s), terminator: "")
    }
}

struct VoteCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vote",
        abstract:
            "Sign a vote on a proposal, a run's approval step or an agent's tool call with your SSH key and commit it to the status branch.",
        discussion: """
            The vote names the proposal and the hash of the exact change set it approves (read from \
            proposals/<id>/proposal.json on the status branch), and is signed in the SSHSIG format of \
            `ssh-keygen -Y sign` with namespace charter-vote. No working tree is needed. The vote is \
            committed to the status branch of the Organization applied in the data directory (its \
            controller.statusBranch), else to charter/status; --status-branch overrides both.

            Examples:
              charter vote P-0007 approve --as priya --key demo-keys/priya ./org
              charter vote P-0007 reject --comment "not this quarter" --as jonas --key ~/.ssh/id_ed25519 ssh://git@host/org.git

            A run's approval step is RUN/STEP, and a tool call an agent step waits on is RUN/STEP/CALL \
            (shown by `charter show RUN`); the vote binds to the hash in \
            runs/<RUN>/approvals/<STEP>[/<CALL>].json, which covers the exact tool and arguments:
              charter vote nightly-20261205T0100Z/review/call_2 approve --as priya --key demo-keys/priya ./org
            """)

    @Argument(help: "A proposal id such as P-0007, RUN/STEP or RUN/STEP/CALL.") var id: String
    @Argument(help: "approve, reject or abstain.") var decision: String
    @Option(name: .customLong("as"), help: ArgumentHelp("Your Person name.", valueName: "PERSON")) var voter: String
    @Option(help: ArgumentHelp("Your unencrypted OpenSSH ed25519 private key.", valueName: "KEYFILE")) var key: String
    @Option(help: "A comment recorded with the vote.") var comment: String?
    @Option(
        help: ArgumentHelp(
            "The status branch (default: the applied Organization's in the data directory, else charter/status).",
            valueName: "BRANCH"))
    var statusBranch: String?
    @OptionGroup var source: SourceOptions
    @OptionGroup var global: GlobalOptions

    func validate() throws {
        let parts = id.split(separator: "/", omittingEmptySubsequences: false)
        let safe = parts.allSatisfy { part in
            !part.isEmpty && part.allSatisfy { $0.isLetter || $0.isNumber || "._-".contains($0) } && part != "."
                && part != ".."
        }
        if ProposalID(id) == nil && !((parts.count == 2 || parts.count == 3) && safe) {
            throw ValidationError(
                "`\(id)` is neither a proposal id (P-0007), a run's approval step (RUN/STEP) nor an agent's tool call (RUN/STEP/CALL)"
            )
        }
        if VoteDecision(rawValue: decision) == nil {
            throw ValidationError("`\(decision)` is not a decision; use approve, reject or abstain")
        }
    }

    func run() async throws {
        let path = try await CLIErrors.run {
            let request = try source.request()
            let location = request.location ?? "."
            // The vote goes where the controller reads votes: the applied Organization's status branch,
            // when this data directory has an applied state (a voter's own machine usually has none).
            let hasStore = FileManager.default.fileExists(
                atPath: global.dataDirectory.appendingPathComponent(StateStore.fileName).path)
            let applied = try hasStore ? StateStore(directory: global.dataDirectory).actualState().organization : nil
            let statusBranch = statusBranch ?? applied?.statusBranch ?? StatusPublisher.defaultBranch
            // A proposal (P-0007) or a run's approval step (RUN/STEP): each names what a vote binds to.
            let isStep = id.contains("/")
            let parts = id.split(separator: "/").map(String.init)
            let file =
                isStep
                ? "runs/\(parts[0])/approvals/\(parts.dropFirst().joined(separator: "/")).json"
                : "proposals/\(id)/proposal.json"
            guard
                let bytes = try await StatusWriter.read(
                    file, from: location, branch: statusBranch, dataDirectory: global.dataDirectory, auth: request.auth),
                let object = try? Value(json: bytes), let hash = object[isStep ? "hash" : "changeSetHash"]?.string
            else {
                throw SourceError(
                    isStep
                        ? "no approval step or tool call \(id) waiting on the status branch \(statusBranch) of \(location); see `charter runs`"
                        : "no proposal \(id) on the status branch \(statusBranch) of \(location); run `charter reconcile --once` first"
                )
            }
            let signingKey = try SSHPrivateKey(contentsOfFile: key)
            let document = try VoteDocument(
                proposal: id, changeSetHash: hash, decision: decision, voter: voter, date: Date(), comment: comment)
            let signed = try document.signed(with: signingKey)
            let voteFile = VoteFiles.path(for: document, signature: signed.signature, bytes: Array(signed.json.utf8))
            try await StatusWriter.publish(
                [voteFile: Array(signed.json.utf8)], to: location, branch: statusBranch,
                dataDirectory: global.dataDirectory,
                auth: request.auth, message: "vote: \(voter) \(decision)s \(id)")
            return voteFile
        }
        print("Signed and committed \(path) (\(decision) \(id) as \(voter)).")
    }
}
