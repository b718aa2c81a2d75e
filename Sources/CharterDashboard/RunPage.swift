import CharterControl
import CharterModel
import CharterStore

/// `/runs/ID`: the run's DAG, its steps (state, attempts, duration, usage, reason), each agent
/// step's turns and tool calls with their decisions, and the log — all from
/// ``RunViews/detail(_:events:)`` (the summary `charter show RUN -o json`, the API and
/// `runs/<id>/summary.yaml` share) and the run's events as `charter logs` prints them.
enum RunPage {
    /// The log shows the newest events up to this many; the API and `charter logs` have them all.
    static let logLimit = 500

    static func render(summary: Value, events: [Event]) -> HTML {
        let id = summary["id"]?.string ?? ""
        let steps = summary["steps"]?.array ?? []
        var body: HTML =
            "<p>\(raw: Layout.badge(summary["state"]?.string ?? "")) template <strong>\(summary["template"]?.string ?? "")</strong>"
        if let routine = summary["routine"]?.string {
            body += ", routine \(raw: Layout.link("/runs?routine=\(routine.addingPercentEncodingForQuery)", routine))"
        }
        body +=
            ". Created \(summary["createdAt"]?.string ?? "—"), finished \(summary["finishedAt"]?.string ?? "—").</p>"
        if let error = summary["error"]?.string { body += "<p role=\"alert\"><strong>Error:</strong> \(error)</p>" }
        if let usage = summary["usage"], usage != .null {
            body +=
                "<p>LLM usage: \(tokens(usage)) tokens, \(usage["cost"]?.string ?? "") from \((usage["sources"]?.array ?? []).compactMap(\.string).joined(separator: ", "))</p>"
        }
        body += Layout.section("Graph", id: "graph", RunGraph.render(steps: steps, run: id))
        body += Layout.section("Steps", id: "steps", stepsTable(steps))
        var agents: HTML = ""
        for step in steps {
            guard let turns = step["agent"]?.array, !turns.isEmpty else { continue }
            agents += "<h3>\(step["name"]?.string ?? "")</h3>" + agentTurns(turns)
        }
        if agents != "" { body += Layout.section("Agent turns and tool calls", id: "agents", agents) }
        body += Layout.section("Log", id: "log", log(events))
        return Layout.page(title: "Run \(id)", section: "/runs", body)
    }

    /// Input plus output tokens of a ``RunUsage`` value.
    static func tokens(_ usage: Value) -> Int { (usage["input"]?.int ?? 0) + (usage["output"]?.int ?? 0) }

    static func stepsTable(_ steps: [Value]) -> HTML {
        Layout.table(
            caption: "Steps", headers: ["step", "type", "needs", "state", "attempts", "duration", "tokens", "reason"],
            rows: steps.map { s in
                let needs = (s["needs"]?.array ?? []).compactMap(\.string).joined(separator: ", ")
                let used = s["usage"].flatMap { $0 == .null ? nil : String(Self.tokens($0)) } ?? ""
                return [
                    "\(s["name"]?.string ?? "")", "\(s["type"]?.string ?? "")", "\(needs)",
                    Layout.badge(s["state"]?.string ?? ""), "\(s["attempts"]?.int ?? 0)",
                    "\(s["durationMs"]?.int.map(RunGraph.durationText) ?? "")", "\(used)",
                    "\(s["reason"]?.string ?? "")",
                ]
            })
    }

    static func agentTurns(_ turns: [Value]) -> HTML {
        var html: HTML = ""
        for turn in turns {
            html +=
                "<h4>Turn \(turn["turn"]?.int ?? 0): \(turn["model"]?.string ?? ""), \(turn["tokens"]?.int ?? 0) tokens</h4>"
            if let text = turn["text"]?.string, !text.isEmpty { html += "<pre>\(block: text)</pre>" }
            let calls = turn["calls"]?.array ?? []
            guard !calls.isEmpty else { continue }
            html += Layout.table(
                caption: "Tool calls", headers: ["call", "tool", "arguments", "decision", "board", "result"],
                rows: calls.map { c in
                    let reason = c["reason"]?.string.map { ": \($0)" } ?? ""
                    let approved = c["approved"]?.bool.map { $0 ? " (approved)" : " (not approved)" } ?? ""
                    return [
                        "\(c["id"]?.string ?? "")", "\(c["tool"]?.string ?? "")",
                        "<code>\(c["arguments"]?.string ?? "")</code>",
                        "\(raw: Layout.badge(c["decision"]?.string ?? ""))\(reason)\(approved)",
                        "\(c["board"]?.string ?? "")",
                        "\(raw: c["isError"]?.bool == true ? Layout.badge("failed") : HTML.empty) \(c["result"]?.string ?? "")",
                    ]
                })
        }
        return html
    }

    static func log(_ events: [Event]) -> HTML {
        let shown = events.suffix(logLimit)
        let lines = shown.map { e in
            "\(e.sequence)  \(Event.timestamp(e.time))  \(e.type)  \(AgentActivity.logLine(e) ?? CanonicalJSON.string(e.data))"
        }
        var html: HTML = ""
        if events.count > shown.count {
            html +=
                "<p>The last \(shown.count) of \(events.count) events; <code>charter logs RUN</code> has them all.</p>"
        }
        return html + "<pre class=\"log\">\(block: lines.joined(separator: "\n"))</pre>"
    }
}
