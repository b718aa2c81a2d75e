import CharterEngine
import CharterFoundation
import CharterModel
import CharterStatus
import CharterStore
import Foundation

/// The status-branch files of runs: `runs/<id>/summary.yaml` (for tools), `runs/<id>/SUMMARY.md`
/// (for people), `runs/<id>/events.jsonl.gz` (the run's own hash-chained event stream, in the
/// deterministic gzip of all events files), and every artifact — prompts, responses, command output —
/// as a content-addressed blob under `blobs/`, named from the summary.
public enum RunStatusWriter {
    /// The files of the `limit` most recent runs.
    public static func files(store: RunStore, limit: Int = 200) throws -> [String: [UInt8]] {
        var files: [String: [UInt8]] = [:]
        for record in try store.runs(limit: limit) {
            guard let detail = try store.run(record.id) else { continue }
            let events = try store.events(run: record.id)
            let dir = "runs/\(record.id)/"
            let usage = RunUsage(events: events)
            let notes = RunSandboxNotes(events: events)
            let agents = AgentActivity(events: events)
            files[dir + "summary.yaml"] = Array(
                YAMLWriter.document(summary(detail, usage: usage, notes: notes, agents: agents)).utf8)
            files[dir + "SUMMARY.md"] = Array(
                DisplayText.sanitized(markdown(detail, usage: usage, notes: notes, agents: agents)).utf8)
            let lines = events.map { CanonicalJSON.string($0.value) + "\n" }.joined()
            files[dir + "events.jsonl.gz"] = Gzip.compress(Array(lines.utf8))
            for step in detail.steps {
                for artifact in step.artifacts.values {
                    let path = BlobStore.path(forHash: artifact.sha256)
                    if files[path] == nil, let bytes = FileManager.default.contents(atPath: artifact.path) {
                        // Only bytes that hash to their name are published: the blob store checks it too.
                        if BlobStore.hash(Array(bytes)) == artifact.sha256 { files[path] = Array(bytes) }
                    }
                }
            }
        }
        return files
    }

    /// The machine-readable summary of a run; `usage` adds the agent steps' tokens and cost, per
    /// step and for the run, and `notes` the shell steps that ran unsandboxed and their network.
    public static func summary(
        _ d: RunDetail, usage: RunUsage = RunUsage(), notes: RunSandboxNotes = RunSandboxNotes(),
        agents: AgentActivity = AgentActivity(events: [])
    )
        -> Value
    {
        let r = d.run
        func time(_ date: Date?) -> Value { date.map { .string(Event.timestamp($0)) } ?? .null }
        return [
            "id": .string(r.id), "template": .string(r.template), "routine": r.routine.map(Value.string) ?? .null,
            "usage": usage.total.calls > 0 ? usage.total.value : .null,
            "state": .string(r.state.rawValue), "scheduledAt": time(r.scheduledAt), "createdAt": time(r.createdAt),
            "startedAt": time(r.startedAt), "finishedAt": time(r.finishedAt),
            "error": r.error.map(Value.string) ?? .null,
            "parameters": .object(r.parameters),
            "steps": .array(
                d.steps.map { s in
                    [
                        "name": .string(s.name), "type": .string(s.spec.type), "state": .string(s.state.rawValue),
                        "attempts": .int(s.attempt), "needs": .array(s.spec.needs.map(Value.string)),
                        "startedAt": time(s.startedAt), "finishedAt": time(s.finishedAt),
                        "durationMs": s.startedAt.flatMap { start in
                            s.finishedAt.map { .int(Int(($0.timeIntervalSince(start) * 1000).rounded())) }
                        } ?? .null,
                        "reason": s.reason.map(Value.string) ?? .null,
                        "usage": usage.steps[s.name]?.value ?? .null,
                        "unsandboxed": notes.unsandboxed[s.name].map(Value.string) ?? .null,
                        "network": notes.network[s.name] ?? .null,
                        "agent": agents.value(step: s.name),
                        "artifacts": .object(
                            s.artifacts.mapValues {
                                ["blob": .string(BlobStore.path(forHash: $0.sha256)), "bytes": .int($0.size)]
                            }),
                    ]
                }),
        ]
    }

    /// The readable summary: the DAG with each step's state, attempts, duration and LLM usage, and
    /// each agent's answer.
    public static func markdown(
        _ d: RunDetail, usage: RunUsage = RunUsage(), notes: RunSandboxNotes = RunSandboxNotes(),
        agents: AgentActivity = AgentActivity(events: [])
    ) -> String {
        let r = d.run
        var s = "# Run \(r.id)\n\n"
        s += "**\(r.state.rawValue)** — template `\(r.template)`"
        if let routine = r.routine { s += ", routine `\(routine)`" }
        if let at = r.scheduledAt { s += ", scheduled for \(Event.timestamp(at))" }
        s += "\n\n"
        if let error = r.error { s += "> \(StatusText.line(error))\n\n" }
        if let warning = notes.warning { s += "> **\(warning)**\n\n" }
        if usage.total.calls > 0 {
            let t = usage.total
            s += "LLM usage: \(t.tokens) tokens (\(t.input) in, \(t.cachedInput) of them cached, \(t.output) out), "
            s += "\(t.costText), from \(t.sources.joined(separator: ", "))\n\n"
        }
        s += "| step | type | needs | state | attempts | duration | tokens | cost |\n"
        s += "| --- | --- | --- | --- | --- | --- | --- | --- |\n"
        for step in d.steps {
            let duration =
                step.startedAt.flatMap { start in
                    step.finishedAt.map { String(format: "%.1f s", $0.timeIntervalSince(start)) }
                } ?? ""
            let used = usage.steps[step.name]
            s += "| \(step.name) | \(step.spec.type) | \(step.spec.needs.joined(separator: ", ")) "
            s += "| \(step.state.rawValue) | \(step.attempt) | \(duration) "
            s += "| \(used.map { String($0.tokens) } ?? "") | \(used?.costText ?? "") |\n"
        }
        for step in d.steps {
            let activity = agentMarkdown(agents, run: r.id, step: step.name, artifacts: step.artifacts)
            guard let output = step.output, !output.isEmpty || step.reason != nil else {
                if step.reason != nil || !activity.isEmpty { s += "\n## \(step.name)\n\n" }
                if let reason = step.reason { s += "\(StatusText.line(reason))\n" }
                s += activity
                continue
            }
            s += "\n## \(step.name)\n\n"
            s += activity
            if let note = notes.unsandboxed[step.name] { s += "**This step \(note).**\n\n" }
            if let network = notes.networkText(step.name) { s += "Network: \(network).\n\n" }
            if let reason = step.reason { s += "\(StatusText.line(reason))\n\n" }
            let shown = String(output.prefix(4000)) + (output.count > 4000 ? "\n…" : "")
            let fence = codeFence(for: shown)
            s += fence + "\n" + shown + "\n" + fence + "\n"
        }
        return s
    }

    /// A fence longer than any run of backticks in `text` (an agent's answer is the model's text),
    /// so nothing in it closes the block and adds markdown of its own to the page.
    static func codeFence(for text: String) -> String {
        var longest = 0
        var run = 0
        for c in text.unicodeScalars {
            run = c == "`" ? run + 1 : 0
            longest = max(longest, run)
        }
        return String(repeating: "`", count: max(3, longest + 1))
    }

    /// An agent step's turns and tool calls as a table, with the full transcript's blob.
    static func agentMarkdown(
        _ agents: AgentActivity, run: String, step: String, artifacts: [String: ArtifactRecord]
    ) -> String {
        guard let turns = agents.steps[step], !turns.isEmpty else { return "" }
        func cell(_ text: String) -> String {
            AgentActivity.oneLine(text, 160).replacingOccurrences(of: "|", with: "\\|")
                .replacingOccurrences(of: "`", with: "'")
        }
        var s = "| turn | call | tool | arguments | decision | result | ms |\n"
        s += "| --- | --- | --- | --- | --- | --- | --- |\n"
        for turn in turns {
            if turn.calls.isEmpty {
                s += "| \(turn.number) | | | | answered | \(cell(turn.text)) | |\n"
            }
            for call in turn.calls {
                // Described without the model's text before the arrow (id, name, arguments), which
                // could hold an arrow of its own and put words of its choosing in this cell.
                var bare = call
                bare.tool = ""
                bare.arguments = ""
                if !RunApprovals.isSafeName(call.id) { bare.id = "" }
                let decision =
                    AgentActivity.describe(bare, run: run, step: step)
                    .split(separator: "→", maxSplits: 1).last.map { String($0) } ?? call.decision
                s += "| \(turn.number) | \(cell(call.id)) | \(cell(call.tool)) | \(cell(call.arguments)) "
                s += "| \(cell(String(decision.split(separator: ":").first ?? ""))) | \(cell(call.result ?? "")) "
                s += "| \(call.durationMs.map(String.init) ?? "") |\n"
            }
        }
        if let transcript = artifacts["transcript.json"] {
            s += "\nFull transcript: `\(BlobStore.path(forHash: transcript.sha256))`\n"
        }
        return s + "\n"
    }
}
