import CharterControl
import CharterGit
import CharterGovernance
import CharterModel
import CharterStore
import CharterTestSupport
import Foundation
import Testing

/// `proposals/NAME` branches: proposed against the watched branch, voted on, then merged by the
/// controller (a merge commit it authors) and applied — like a merge bot.
@Suite struct ProposalBranchTests {
    let now = Date(timeIntervalSince1970: 1_790_000_000)
    let helper = ReconcilerTests()

    func pass(_ repo: GitFixture, _ store: StateStore, _ data: URL) async throws -> ReconcileReport {
        try await Reconciler.reconcileOnce(repository: repo.root.path, store: store, dataDirectory: data, now: now)
    }

    @Test func anApprovedProposalBranchIsMergedIntoTheWatchedBranchAndApplied() async throws {
        let (repo, store, data) = try await helper.setUp()
        let mainBefore = try repo.git("rev-parse", "main")
        try repo.git("checkout", "-q", "-b", "proposals/rename-research")
        let team = try repo.read("teams/research.yaml")
        try repo.write(
            "teams/research.yaml", team.replacingOccurrences(of: "displayName: Research", with: "displayName: Lab"))
        let tip = try repo.commitAll("Rename research")
        try repo.git("checkout", "-q", "main")

        let first = try await pass(repo, store, data)
        #expect(first.reason == "UpToDate")
        let outcome = try #require(first.branches.first)
        #expect(first.branches.count == 1)
        #expect(outcome.branch == "proposals/rename-research")
        #expect(outcome.reason == "AwaitingVotes")
        let id = try #require(outcome.proposal)
        let proposal = try #require(try store.proposal(id: id))
        #expect(proposal.source == .proposalBranch("rename-research"))
        #expect(proposal.head == tip)
        #expect(proposal.boards.map(\.board) == ["change"])
        #expect(proposal.commits.map(\.summary) == ["Rename research"])
        #expect(try repo.git("rev-parse", "main") == mainBefore)

        try await helper.castVote("approve", by: "priya", on: proposal, in: repo)
        try await helper.castVote("approve", by: "jonas", on: proposal, in: repo)
        let merged = try await pass(repo, store, data)
        #expect(merged.branches.first?.reason == "Merged", "\(merged.branches)")
        let mainAfter = try repo.git("rev-parse", "main")
        #expect(mainAfter != mainBefore)
        // A merge commit by Charter whose parents are the old main and the branch tip.
        #expect(try repo.git("log", "-1", "--format=%P", "main") == "\(mainBefore) \(tip)")
        #expect(try repo.git("log", "-1", "--format=%an", "main") == "Charter")
        #expect(try store.actualState().teams["research"]?.displayName == "Lab")
        #expect(try store.appliedRevision()?.revision == mainAfter)
        #expect(try store.proposal(id: proposal.id)?.state == .applied)

        // The next pass finds main applied and the branch merged: nothing more to do.
        let after = try await pass(repo, store, data)
        #expect(after.reason == "UpToDate")
        #expect(after.branches.isEmpty)
        #expect(try store.proposals().count == 1)
    }

    @Test func aConflictingBranchIsReportedAndNotProposed() async throws {
        let (repo, store, data) = try await helper.setUp()
        let team = try repo.read("teams/research.yaml")
        try repo.git("checkout", "-q", "-b", "proposals/a")
        try repo.write(
            "teams/research.yaml", team.replacingOccurrences(of: "displayName: Research", with: "displayName: A"))
        try repo.commitAll("A")
        try repo.git("checkout", "-q", "main")
        // main changes the same line, and is applied by its own proposal first.
        try repo.write(
            "teams/research.yaml", team.replacingOccurrences(of: "displayName: Research", with: "displayName: B"))
        try repo.commitAll("B")
        let proposed = try #require(try await pass(repo, store, data).proposal)
        #expect(try await pass(repo, store, data).branches.isEmpty, "branches wait while main is not applied")
        try await helper.castVote("approve", by: "priya", on: proposed, in: repo)
        try await helper.castVote("approve", by: "jonas", on: proposed, in: repo)
        let report = try await pass(repo, store, data)
        #expect(report.reason == "Applied")
        let outcome = try #require(report.branches.first)
        #expect(outcome.reason == "Conflict")
        #expect(outcome.message.contains("teams/research.yaml"))
        #expect(outcome.proposal == nil)
    }

    /// A branch holding an entry git refuses (`teams/.git`) is reported with why and skipped; the other
    /// branches are proposed, and the watched branch's own flow goes on.
    @Test func aBranchGitCannotMergeIsReportedAndTheOthersGoOn() async throws {
        let (repo, store, data) = try await helper.setUp()
        let team = try repo.read("teams/research.yaml")
        try repo.git("branch", "proposals/evil")
        try repo.commitCraftedEntry(on: "proposals/evil", in: "teams", named: ".git")
        try repo.git("checkout", "-q", "-b", "proposals/good")
        try repo.write(
            "teams/research.yaml", team.replacingOccurrences(of: "displayName: Research", with: "displayName: Lab"))
        try repo.commitAll("Rename research")
        try repo.git("checkout", "-q", "main")

        let time = now
        let loop = Controller(
            location: repo.root.path, branch: nil, store: store, dataDirectory: data, auth: .none, actor: "controller",
            interval: nil, log: { _ in }, now: { time })
        let report = try await loop.reconcile()
        #expect(report.condition == .ready)
        #expect(report.reason == .upToDate)
        let evil = try #require(report.branches.first { $0.branch == "proposals/evil" })
        #expect(evil.reason == .unreadable)
        #expect(evil.message.contains(".git"), "\(evil.message)")
        #expect(evil.proposal == nil)
        let good = try #require(report.branches.first { $0.branch == "proposals/good" })
        #expect(good.reason == .awaitingVotes, "\(good.message)")
        // Reported on the status branch, with the reason.
        let status = try repo.git("show", "charter/status:status.yaml")
        #expect(status.contains("proposalBranches:"), "\(status)")
        #expect(status.contains("branch: proposals/evil"))
        #expect(status.contains("reason: Unreadable"))
        #expect(try repo.git("show", "charter/status:STATUS.md").contains("`proposals/evil`: **Unreadable**"))

        // The watched branch's own change is still proposed while the bad branch stays.
        try repo.write(
            "teams/research.yaml", team.replacingOccurrences(of: "displayName: Research", with: "displayName: Main"))
        try repo.commitAll("Rename on main")
        let next = try await loop.reconcile()
        #expect(next.reason == .awaitingVotes, "\(next.message)")
        #expect(next.proposal?.source == .branch("main"))
    }
}
