import CharterEngine
import CharterGit
import CharterGovernance
import CharterModel
import CharterStatus
import CharterStore
import Foundation

/// A run step waiting for its board: an `approval` step, or an agent step's tool call that a
/// Policy's `runRules.tools.requireApproval` holds.
public struct PendingApproval: Sendable, Hashable {
    /// The run.
    public var run: String
    /// The approval step, or the agent step whose call waits.
    public var step: String
    /// The tool call waiting (`call_1`), for an agent step's call.
    public var call: String?
    /// The call's tool and its arguments (canonical JSON), for an agent step's call.
    public var tool: String?
    public var arguments: String?
    /// The board that decides.
    public var board: String
    /// What the board is asked.
    public var message: String
    /// What a vote must name (`changeSetHash` of the vote document): binds the vote to this exact
    /// request, as a proposal's votes bind to its change set.
    public var hash: String
    /// When the board's time runs out (the step's `timeout` after it started waiting), if it has one.
    public var deadline: Date?

    /// `RUN/STEP` (or `RUN/STEP/CALL`): the vote document's `proposal` field and the votes directory.
    public var key: String { "\(run)/\(step)" + (call.map { "/\($0)" } ?? "") }

    /// Where the request is published on the status branch: what `charter vote` reads and signs.
    public var file: String { "runs/\(run)/approvals/\(step)" + (call.map { "/\($0)" } ?? "") + ".json" }
}

/// Approval steps decided with the same signed votes as proposals: `charter vote RUN/STEP approve …`
/// commits a signed vote under `votes/RUN/STEP/` on the status branch; each pass verifies the votes
/// against the voters' keys in the applied state, counts them under the board's quorum rule over its
/// applied roster, and resumes the run (approved) or fails the step (rejected) once decided.
public enum RunApprovals {
    /// The waiting approval steps of the runs in `store`.
    public static func pending(_ store: RunStore) throws -> [PendingApproval] {
        var result: [PendingApproval] = []
        for record in try store.runs(states: [.running], limit: 10_000) {
            guard let detail = try store.run(record.id) else { continue }
            for step in detail.steps where step.state == .waiting && step.spec.type == "agent" {
                if let call = try toolCall(store, run: record.id, step: step.name) { result.append(call) }
            }
            for step in detail.steps where step.state == .waiting && step.spec.type == "approval" {
                let board = step.spec.payload["board"]?.string ?? ""
                let message = step.reason ?? ""
                let hash =
                    "sha256:"
                    + CanonicalJSON.sha256([
                        "run": .string(record.id), "step": .string(step.name), "board": .string(board),
                        "message": .string(message),
                    ])
                let deadline = step.spec.timeoutMilliseconds.flatMap { ms in
                    step.startedAt.map { $0.addingTimeInterval(Double(DurationRange.stepTimeout.clamp(ms)) / 1000) }
                }
                result.append(
                    PendingApproval(
                        run: record.id, step: step.name, board: board, message: message, hash: hash, deadline: deadline)
                )
            }
        }
        return result
    }

    /// The tool call an agent step waits on: its newest `agent.approval` event, when no
    /// `step.resolved` came after it. Call ids come from the model, so only safe ones are published.
    static func toolCall(_ store: RunStore, run: String, step: String) throws -> PendingApproval? {
        guard let event = try store.events(run: run, step: step).last(where: { $0.type != "step.waiting" }),
            event.type == "agent.approval", let call = event.data["call"]?.string, isSafeName(call)
        else { return nil }
        let tool = event.data["tool"]?.string ?? ""
        let arguments = event.data["arguments"]?.string ?? "{}"
        return PendingApproval(
            run: run, step: step, call: call, tool: tool, arguments: arguments,
            board: event.data["board"]?.string ?? "", message: "call \(tool) with \(arguments)",
            hash: event.data["hash"]?.string ?? "", deadline: nil)
    }

    /// A name usable as a path component on the status branch and in `charter vote`.
    static func isSafeName(_ name: String) -> Bool {
        !name.isEmpty && name.count <= 128 && name != "." && name != ".."
            && name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) }
    }

    /// `runs/<RUN>/approvals/<STEP>.json` (or `…/<STEP>/<CALL>.json` for a tool call) for each
    /// pending approval: what `charter vote` signs.
    public static func files(_ pending: [PendingApproval]) -> [String: [UInt8]] {
        var files: [String: [UInt8]] = [:]
        for p in pending {
            var value: [String: Value] = [
                "run": .string(p.run), "step": .string(p.step), "board": .string(p.board),
                "message": .string(p.message), "hash": .string(p.hash),
            ]
            if let call = p.call { value["call"] = .string(call) }
            if let tool = p.tool { value["tool"] = .string(tool) }
            if let arguments = p.arguments { value["arguments"] = .string(arguments) }
            files[p.file] = Array((CanonicalJSON.string(.object(value)) + "\n").utf8)
        }
        return files
    }

    /// The tally of `votes` (vote files' bytes) on `approval` under the applied state: refused votes
    /// (bad signature, another request, not a member) never count.
    public static func tally(
        _ approval: PendingApproval, votes: [[UInt8]], actual: OrgState
    ) -> (tally: BoardTally?, refused: [String]) {
        guard let board = actual.boards[approval.board] else {
            return (nil, ["board \(approval.board) is not in the applied state"])
        }
        let roster = actual.roster(ofBoard: board.name).filter { actual.people[$0] != nil }
        var tally = BoardTally(board, roster: roster)
        var refused: [String] = []
        let verifier = VoteVerifier(actual: actual)
        for bytes in votes {
            let d: VoteDocument
            switch verifier.check(bytes, subject: approval.key, hash: approval.hash) {
            case .valid(let document, _): d = document
            case .refused(let document, let reason):
                refused.append(document.map { "\($0.voter): \(reason)" } ?? reason)
                continue
            }
            guard let decision = VoteDecision(rawValue: d.decision) else { continue }
            let check = tally.record(decision, by: d.voter)
            if !check.isCounted { refused.append("\(d.voter): \(check)") }
        }
        return (tally, refused)
    }

    /// Counts the votes on every pending approval from the status branch `branch` of `repository`
    /// and resolves the decided ones in `engine`; returns what was decided, for the log.
    ///
    /// An approval still undecided at its deadline (`now` past it) is rejected: the step's `timeout`
    /// bounds how long a board may take, as it bounds any attempt.
    public static func resolve(
        _ pending: [PendingApproval], engine: WorkflowEngine, repository: GitRepository, branch: String,
        actual: OrgState, now: Date
    ) async throws -> [String] {
        guard !pending.isEmpty else { return [] }
        let tip = try await repository.headCommitOfBranch(branch)
        var decided: [String] = []
        for approval in pending {
            let prefix = "\(Reconciler.votesDirectory)/\(approval.key)/"
            var votes: [[UInt8]] = []
            if let tip {
                let listed = try await repository.listFiles(at: tip) { $0.hasPrefix(prefix) }
                for file in listed.sorted(by: { $0.path < $1.path }) where StatusLayout.isVote(file, on: approval.key) {
                    votes.append(try await repository.blobData(file.blob))
                }
            }
            let (tally, refused) = tally(approval, votes: votes, actual: actual)
            guard let tally else { continue }
            let status = tally.status
            switch status.outcome {
            case .approved, .rejected:
                let approved = status.outcome == .approved
                var detail = "board \(approval.board) \(approved ? "approved" : "rejected"): \(status.explanation)"
                if !refused.isEmpty { detail += "; refused: \(refused.joined(separator: "; "))" }
                try await engine.resolve(run: approval.run, step: approval.step, approved: approved, detail: detail)
                decided.append("\(approval.key): \(detail)")
            case .pending:
                guard let deadline = approval.deadline, now > deadline else { continue }
                let detail =
                    "board \(approval.board) did not decide by \(Event.timestamp(deadline)) (the step's timeout): \(status.explanation)"
                try await engine.resolve(run: approval.run, step: approval.step, approved: false, detail: detail)
                decided.append("\(approval.key): \(detail)")
            }
        }
        return decided
    }
}
