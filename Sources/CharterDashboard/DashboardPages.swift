import CharterBroker
import CharterControl
import CharterEngine
import CharterFoundation
import CharterGovernance
import CharterModel
import CharterPlan
import CharterStore
import Foundation
import HTTPTypes

/// Reads what each page shows from the data directory's stores — through the same builders as the
/// API and the CLI — and hands it to the page's renderer. The stores are the controller's own,
/// shared with the API: a `StateStore` keeps the applied state and the proposals it last decoded,
/// which on a 10k-resource organization is most of a page's time.
public struct DashboardPages: Sendable {
    /// A page and its status.
    public struct Rendered: Sendable {
        public var html: HTML
        public var status: HTTPResponse.Status
    }

    let dataDirectory: URL
    let state: StateStore
    let runs: RunStore
    let latest: LatestPass?
    let now: @Sendable () -> Date
    /// The usage ledger, opened once it exists (the first LLM call creates it) and kept.
    let openedLedger = Locked<UsageLedger?>(nil)

    /// Pages over the stores of `dataDirectory`; `latest` is the controller's last pass, when in
    /// its process.
    public init(
        dataDirectory: URL, state: StateStore, runs: RunStore, latest: LatestPass?,
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.dataDirectory = dataDirectory
        self.state = state
        self.runs = runs
        self.latest = latest
        self.now = now
    }

    /// Runs shown per page of the runs list, people per page of the organization.
    static let runsPerPage = 50
    static let peoplePerPage = 100

    /// The usage ledger, or nil before any LLM call created it.
    func ledger() throws -> UsageLedger? {
        try openedLedger.withLock { opened in
            if let opened { return opened }
            guard
                FileManager.default.fileExists(atPath: dataDirectory.appendingPathComponent(UsageLedger.fileName).path)
            else { return nil }
            let ledger = try UsageLedger(directory: dataDirectory)
            opened = ledger
            return ledger
        }
    }

    func ok(_ html: HTML) -> Rendered { Rendered(html: html, status: .ok) }

    /// `/`: what needs attention.
    public func overview() throws -> Rendered {
        let store = self.state
        let state = try store.actualState()
        let waiting = try store.proposals().filter { $0.state == .open || $0.state == .approved }.sorted {
            $0.id < $1.id
        }
        return ok(
            OverviewPage.render(
                status: try StatusView.value(store: store, latest: latest?.current), waiting: waiting,
                approvals: try RunApprovals.pending(runs),
                failing: try runs.latestFinishedPerRoutine().filter { $0.state == .failed },
                spend: try Spend(state: state, ledger: try ledger(), now: now()), state: state))
    }

    /// `/proposals`: every proposal, newest first.
    public func proposals() throws -> Rendered {
        ok(ProposalsPage.render(try state.proposals().sorted { $0.id > $1.id }))
    }

    /// `/proposals/P-NNNN`: its plan, boards, votes and the vote command.
    public func proposal(_ text: String) throws -> Rendered {
        let store = state
        guard let id = ProposalID(text), let proposal = try store.proposal(id: id) else {
            return Rendered(html: ErrorPage.render(status: 404, message: "no proposal \(text)"), status: .notFound)
        }
        let plan = try store.changeSet(ofProposal: id).map { changes in
            PlanRenderer(color: false).human(
                changes,
                context: PlanContext(
                    source: proposal.source.description, desiredRevision: proposal.head, actualRevision: proposal.base))
        }
        return ok(ProposalPage.render(proposal, plan: plan))
    }

    /// `/runs`: runs newest first, a page at a time.
    public func runs(page: Int, routine: String?) throws -> Rendered {
        // One more than a page says whether there is a next one.
        let fetched = try runs.runs(routine: routine, limit: page * Self.runsPerPage + 1)
        let shown = Array(fetched.dropFirst((page - 1) * Self.runsPerPage).prefix(Self.runsPerPage))
        return ok(
            RunsPage.render(
                RunViews.list(shown), page: page, hasMore: fetched.count > page * Self.runsPerPage, routine: routine))
    }

    /// `/runs/ID`: the DAG, steps, agent activity and log.
    public func run(_ id: String) throws -> Rendered {
        let store = runs
        guard let detail = try store.run(id) else {
            return Rendered(html: ErrorPage.render(status: 404, message: "no run \(id)"), status: .notFound)
        }
        let events = try store.events(run: id)
        return ok(RunPage.render(summary: RunViews.detail(detail, events: events), events: events))
    }

    /// `/org`: teams, people (a page at a time), roles, boards, routines and sources.
    public func organization(page: Int) throws -> Rendered {
        ok(OrgPage.render(try state.actualState(), page: page, now: now()))
    }

    /// `/cost`: the last `days` days by day, role, routine and source.
    public func cost(days: Int) throws -> Rendered {
        let since = now().addingTimeInterval(-Double(days) * 86_400)
        let ledger = try ledger()
        var groups: [(UsageGrouping, Value)] = []
        for grouping in [UsageGrouping.day, .role, .routine, .source] {
            groups.append((grouping, CostView.rows(try ledger?.totals(by: grouping, since: since) ?? [], by: grouping)))
        }
        let spend = try Spend(state: try state.actualState(), ledger: ledger, now: now())
        return ok(CostPage.render(groups: groups, days: days, spend: spend))
    }
}
