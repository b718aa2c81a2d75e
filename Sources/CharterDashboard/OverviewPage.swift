import CharterControl
import CharterEngine
import CharterGovernance
import CharterModel
import CharterStore

/// `/`: the controller's conditions and revisions, proposals waiting and who has not voted, runs
/// waiting for approval, failing routines, and today's spend against the budgets. Lists here are
/// what needs someone; each is bounded so a 10k-resource organization stays one short page.
enum OverviewPage {
    /// At most this many entries per list; the rest are counted and linked.
    static let listLimit = 20

    static func render(
        status: Value, waiting: [Proposal], approvals: [PendingApproval], failing: [RunRecord], spend: Spend,
        state: OrgState
    ) -> HTML {
        var body: HTML = ""
        body += Layout.section("Controller", id: "controller", controller(status))
        body += Layout.section("Proposals waiting", id: "proposals", proposals(waiting, state: state))
        body += Layout.section("Runs waiting for approval", id: "approvals", self.approvals(approvals))
        body += Layout.section("Failing routines", id: "failing", self.failing(failing))
        body += Layout.section("Today's spend", id: "spend", self.spend(spend))
        return Layout.page(title: "Overview", section: "/", live: true, body)
    }

    static func controller(_ status: Value) -> HTML {
        func text(_ key: String) -> String { status[key]?.string ?? "—" }
        var rows: [[HTML]] = [
            ["applied revision", "<code>\(text("appliedRevision"))</code>"],
            ["observed revision", "<code>\(text("observedRevision"))</code>"],
            ["applied by", "\(text("appliedBy")) (\(text("appliedMethod")))"],
        ]
        if let last = status["lastPassAt"]?.string { rows.append(["last pass", "\(last)"]) }
        var html = Layout.table(caption: "Revisions", headers: ["what", "value"], rows: rows)
        let conditions = status["conditions"]?.array ?? []
        html += Layout.table(
            caption: "Conditions", headers: ["type", "status", "reason", "message", "since"],
            rows: conditions.map { c in
                [
                    "\(c["type"]?.string ?? "")", Layout.badge(c["status"]?.string ?? ""),
                    "\(c["reason"]?.string ?? "")",
                    "\(c["message"]?.string ?? "")", "\(c["lastTransitionTime"]?.string ?? "")",
                ]
            },
            empty: "No pass in this process yet: conditions appear after the controller's first pass.")
        return html
    }

    static func proposals(_ waiting: [Proposal], state: OrgState) -> HTML {
        let rows: [[HTML]] = waiting.prefix(listLimit).map { p in
            let missing = p.tally.status.boards.filter { !$0.outcome.isDecided }.map { b -> HTML in
                let people = b.awaiting.sorted()
                return
                    "<strong>\(b.board)</strong>: \(people.isEmpty ? "nobody left to vote" : people.joined(separator: ", "))"
            }
            return [
                Layout.link("/proposals/\(p.id)", p.id.description), Layout.badge(p.state.rawValue),
                "\(p.changes.count)", "\(p.explanation)", HTML.join(missing, separator: "<br>"),
            ]
        }
        var html = Layout.table(
            caption: "Open and approved proposals",
            headers: ["proposal", "state", "changes", "status", "vote missing"],
            rows: rows, empty: "No proposal is waiting.")
        if waiting.count > listLimit {
            html += "<p>\(waiting.count - listLimit) more on <a href=\"/proposals\">Proposals</a>.</p>"
        }
        return html
    }

    static func approvals(_ pending: [PendingApproval]) -> HTML {
        let rows: [[HTML]] = pending.prefix(listLimit).map { a in
            [
                Layout.link("/runs/\(a.run)", a.run), "\(a.step)\(a.call.map { " / \($0)" } ?? "")", "\(a.board)",
                "\(a.message)", "<code>\(VoteCommand.text(a.key))</code>",
            ]
        }
        var html = Layout.table(
            caption: "Approval steps and tool calls waiting", headers: ["run", "step", "board", "asks", "vote with"],
            rows: rows, empty: "No run is waiting for approval.")
        if pending.count > listLimit { html += "<p>\(pending.count - listLimit) more.</p>" }
        return html
    }

    static func failing(_ runs: [RunRecord]) -> HTML {
        let rows: [[HTML]] = runs.prefix(listLimit).map { r in
            [
                "\(r.routine ?? "")", Layout.link("/runs/\(r.id)", r.id), Layout.badge(r.state.rawValue),
                "\(r.error ?? "")", "\(r.finishedAt.map(Event.timestamp) ?? "")",
            ]
        }
        var html = Layout.table(
            caption: "Routines whose last finished run failed",
            headers: ["routine", "last run", "state", "error", "finished"],
            rows: rows, empty: "No routine is failing.")
        if runs.count > listLimit { html += "<p>\(runs.count - listLimit) more.</p>" }
        return html
    }

    static func spend(_ spend: Spend) -> HTML {
        let lines = spend.lines.filter { $0.limit != nil || $0.tokens > 0 || $0.scope == "organization" }
        let rows: [[HTML]] = lines.prefix(listLimit).map { l in
            ["\(l.scope)", "\(Spend.text(tokens: l.tokens, costMicros: l.costMicros, limit: l.limit))"]
        }
        var html: HTML = "<p>Budget day \(spend.day) (\(spend.zone)). Details on <a href=\"/cost\">Cost</a>.</p>"
        html += Layout.table(caption: "Spend today against daily budgets", headers: ["scope", "used"], rows: rows)
        if lines.count > listLimit {
            html += "<p>\(lines.count - listLimit) more scopes on <a href=\"/cost\">Cost</a>.</p>"
        }
        return html
    }
}

/// The exact `charter vote` command for a proposal or a run's approval, as the API and STATUS.md give it.
enum VoteCommand {
    static func text(_ key: String) -> String { "charter vote \(key) approve --as NAME --key KEYFILE" }
}
