import CharterControl
import CharterGovernance
import CharterModel
import CharterStore
import CharterTestSupport
import Foundation
import Testing

/// A pass that changes nothing commits nothing: conditions keep their `lastTransitionTime` while their
/// status, reason and message stay the same (as kstatus and Flux do), and no file holds the time of the
/// last pass.
@Suite struct IdlePassTests {
    let start = Date(timeIntervalSince1970: 1_790_000_000)
    let helper = ReconcilerTests()

    func pass(
        _ repo: GitFixture, _ store: StateStore, _ data: URL, after seconds: Double
    ) async throws
        -> ReconcileReport
    {
        let time = start.addingTimeInterval(seconds)
        return try await Controller(
            location: repo.root.path, branch: nil, store: store, dataDirectory: data, auth: .none, actor: "controller",
            interval: nil, log: { _ in }, now: { time }
        ).reconcile()
    }

    func conditions(_ repo: GitFixture) throws -> [String: StatusCondition] {
        let text = try repo.git("show", "charter/status:status.yaml")
        return Dictionary(
            uniqueKeysWithValues: StatusCondition.conditions(inStatusYAML: Array(text.utf8)).map { ($0.type, $0) })
    }

    func tip(_ repo: GitFixture) throws -> String { try repo.git("rev-parse", "charter/status") }

    @Test func twoIdlePassesLeaveTheStatusBranchAsItWas() async throws {
        let (repo, store, data) = try await helper.setUp()
        _ = try await pass(repo, store, data, after: 0)
        let first = try tip(repo)
        _ = try await pass(repo, store, data, after: 60)
        _ = try await pass(repo, store, data, after: 120)
        #expect(try tip(repo) == first)
        let status = try repo.git("show", "charter/status:status.yaml")
        #expect(!status.contains("lastReconcileTime"), "\(status)")
        #expect(try conditions(repo)["Ready"]?.lastTransitionTime == "2026-09-21T14:13:20Z")
    }

    @Test func aConditionKeepsItsTimeUntilItsStatusReasonOrMessageChanges() async throws {
        let (repo, store, data) = try await helper.setUp()
        _ = try await pass(repo, store, data, after: 0)
        let team = try repo.read("teams/research.yaml")
        try repo.write(
            "teams/research.yaml", team.replacingOccurrences(of: "displayName: Research", with: "displayName: Lab"))
        try repo.commitAll("Rename research")
        let proposal = try #require(try await pass(repo, store, data, after: 60).proposal)
        let proposed = try conditions(repo)
        #expect(proposed["Reconciling"]?.status == "True")
        #expect(proposed["Reconciling"]?.lastTransitionTime == "2026-09-21T14:14:20Z")
        #expect(proposed["Ready"]?.status == "False")
        #expect(proposed["Ready"]?.lastTransitionTime == "2026-09-21T14:14:20Z")
        #expect(proposed["Stalled"]?.lastTransitionTime == "2026-09-21T14:13:20Z", "unchanged since the first pass")

        // Waiting for votes is idle too.
        let waiting = try tip(repo)
        _ = try await pass(repo, store, data, after: 120)
        let diff = try repo.git("diff", waiting, "charter/status")
        #expect(diff.isEmpty, "\(diff)")

        // A vote changes the Reconciling message, so that condition moves; Ready does not.
        try await helper.castVote("approve", by: "priya", on: proposal, in: repo)
        _ = try await pass(repo, store, data, after: 180)
        let voted = try conditions(repo)
        #expect(voted["Reconciling"]?.lastTransitionTime == "2026-09-21T14:16:20Z")
        #expect(voted["Reconciling"]?.message != proposed["Reconciling"]?.message)
        #expect(voted["Ready"]?.lastTransitionTime == "2026-09-21T14:14:20Z")
    }
}
