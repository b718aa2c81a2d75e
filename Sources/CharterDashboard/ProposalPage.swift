import CharterFoundation
import CharterGovernance
import CharterStore

/// `/proposals/P-NNNN`: the plan a board approves (the `+ ~ -` text of `charter plan`), the
/// required boards and who has not voted, counted and refused votes with their reasons, the
/// history, and the exact `charter vote` command.
enum ProposalPage {
    static func render(_ p: Proposal, plan: String?) -> HTML {
        var body: HTML = """
            <p>\(raw: Layout.badge(p.state.rawValue)) \(p.explanation)</p>
            <p>Source <code>\(p.source.description)</code>, base <code>\(String(p.base.prefix(12)))</code>,
            head <code>\(String(p.head.prefix(12)))</code>, change set <code>\(p.changeSetHash)</code>.
            Also as JSON: <a href="/api/v1/proposals/\(attribute: p.id.description)">/api/v1/proposals/\(plain: p.id.description)</a>.</p>
            """
        if p.state == .open {
            body += Layout.section(
                "Vote", id: "vote",
                """
                <p>Board members sign a vote with their SSH key (it binds to the change set's hash):</p>
                <pre><code>\(VoteCommand.text(p.id.description))</code></pre>
                <p>Use <code>reject</code> or <code>abstain</code> instead of <code>approve</code>, and add
                <code>--comment TEXT</code> to say why.</p>
                """)
        }
        body += Layout.section(
            "Plan", id: "plan",
            plan.map { "<pre class=\"plan\">\(block: $0)</pre>" }
                ?? "<p class=\"empty\">The change set of this proposal is not in the store.</p>")
        body += Layout.section("Boards", id: "boards", boards(p))
        body += Layout.section("Votes", id: "votes", votes(p))
        body += Layout.section(
            "History", id: "history",
            Layout.table(
                caption: "State changes", headers: ["time", "state", "reason"],
                rows: p.history.map { h in
                    ["\(Event.timestamp(h.time))", Layout.badge(h.state.rawValue), "\(h.reason)"]
                }))
        return Layout.page(title: "Proposal \(p.id)", section: "/proposals", body)
    }

    static func boards(_ p: Proposal) -> HTML {
        Layout.table(
            caption: "Required boards",
            headers: ["board", "outcome", "approved by", "rejected by", "not voted", "status"],
            rows: p.tally.status.boards.map { b in
                [
                    "\(b.board)", Layout.badge(b.outcome.rawValue), "\(b.approvedBy.sorted().joined(separator: ", "))",
                    "\(b.rejectedBy.sorted().joined(separator: ", "))",
                    "\(b.awaiting.sorted().joined(separator: ", "))",
                    "\(b.explanation)",
                ]
            }, empty: "No board is required.")
    }

    static func votes(_ p: Proposal) -> HTML {
        // Voters, comments, paths and reasons come from vote files anyone who can push the status
        // branch wrote: every one is escaped and checked for look-alikes by interpolation.
        var rows: [[HTML]] = p.votes.map { v in
            [
                "\(v.vote.voter)", "\(v.vote.decision.rawValue)",
                v.accepted ? Layout.badge("counted") : "\(raw: Layout.badge("refused")) \(v.reason ?? "")",
                "\(v.vote.comment ?? "")", "\(Event.timestamp(v.recordedAt))",
            ]
        }
        rows += p.refusedVoteFiles.map { f in
            [
                "<code>\(f.path)</code>", "—", "\(raw: Layout.badge("refused")) \(f.reason)", "",
                "\(Event.timestamp(f.recordedAt))",
            ]
        }
        return Layout.table(
            caption: "Votes, counted and refused",
            headers: ["voter or file", "decision", "verdict", "comment", "recorded"],
            rows: rows, empty: "No votes yet.")
    }
}

/// `/proposals`: every proposal, newest first.
enum ProposalsPage {
    /// Shown at most; older ones are in `charter proposals` and the API.
    static let limit = 200

    static func render(_ proposals: [Proposal]) -> HTML {
        var body = Layout.table(
            caption: "Proposals, newest first",
            headers: ["proposal", "state", "changes", "boards", "status", "created"],
            rows: proposals.prefix(limit).map { p in
                [
                    Layout.link("/proposals/\(p.id)", p.id.description), Layout.badge(p.state.rawValue),
                    "\(p.changes.count)", "\(p.boardNames.joined(separator: ", "))", "\(p.explanation)",
                    "\(Event.timestamp(p.createdAt))",
                ]
            }, empty: "No proposals yet.")
        if proposals.count > limit {
            body += "<p>\(proposals.count - limit) older proposals: <code>charter proposals</code>.</p>"
        }
        return Layout.page(title: "Proposals", section: "/proposals", body)
    }
}
