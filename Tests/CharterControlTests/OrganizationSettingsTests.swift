import CharterControl
import CharterGit
import CharterGovernance
import CharterModel
import CharterStore
import CharterTestSupport
import Foundation
import Testing

/// The applied Organization's `controller.statusBranch` and `controller.proposalBranchPrefix` are where
/// the controller writes status, reads votes, finds proposal branches and prepares reverts.
@Suite struct OrganizationSettingsTests {
    let now = Date(timeIntervalSince1970: 1_790_000_000)

    /// example-repo with another status branch and proposal prefix, bootstrapped.
    func setUp() async throws -> (GitFixture, StateStore, URL) {
        let repo = try GitFixture(name: "settings")
        try repo.copy(from: GitFixture.exampleRepo)
        let org = try repo.read("organization.yaml")
        try repo.write(
            "organization.yaml",
            org.replacingOccurrences(of: "statusBranch: charter/status", with: "statusBranch: governance/record")
                .replacingOccurrences(of: "proposalBranchPrefix: proposals/", with: "proposalBranchPrefix: changes/"))
        try repo.commitAll("Northwind Labs")
        let data = makeTemporaryDirectory("settings-data")
        let store = try StateStore(directory: data)
        _ = try await Operations.bootstrap(
            SourceRequest(location: repo.root.path, revision: "main"), store: store, dataDirectory: data, actor: "ops")
        return (repo, store, data)
    }

    func vote(_ voter: String, on proposal: Proposal, in repo: GitFixture, data: URL) async throws {
        let key = try SSHPrivateKey(
            contentsOfFile: GitFixture.exampleRepo.appendingPathComponent("demo-keys/\(voter)").path)
        let signed = try VoteDocument(
            proposal: proposal.id.description, changeSetHash: proposal.changeSetHash, decision: "approve",
            voter: voter, date: now
        ).signed(with: key)
        try await StatusWriter.publish(
            ["votes/\(proposal.id)/\(voter).json": Array(signed.json.utf8)], to: repo.root.path,
            branch: "governance/record", dataDirectory: data, message: "vote")
    }

    @Test func statusBranchAndProposalPrefixComeFromTheAppliedOrganization() async throws {
        let (repo, store, data) = try await setUp()
        let team = try repo.read("teams/research.yaml")
        for (branch, name) in [("changes/rename", "Lab"), ("proposals/ignored", "Other")] {
            try repo.git("checkout", "-q", "-b", branch, "main")
            try repo.write(
                "teams/research.yaml",
                team.replacingOccurrences(of: "displayName: Research", with: "displayName: \(name)"))
            try repo.commitAll("Rename to \(name)")
        }
        try repo.git("checkout", "-q", "main")
        let time = now
        let loop = Controller(
            location: repo.root.path, branch: nil, store: store, dataDirectory: data, auth: .none, actor: "controller",
            interval: nil, log: { _ in }, now: { time })
        let report = try await loop.reconcile()
        #expect(report.branches.map(\.branch) == ["changes/rename"], "only the Organization's prefix is proposed")
        let id = try #require(report.branches.first?.proposal)
        #expect(try repo.git("show", "governance/record:status.yaml").contains("branch: changes/rename"))
        #expect((try? repo.git("rev-parse", "--verify", "-q", "charter/status")) == nil, "no status on the default")

        let proposal = try #require(try store.proposal(id: id))
        try await vote("priya", on: proposal, in: repo, data: data)
        try await vote("jonas", on: proposal, in: repo, data: data)
        let merged = try await loop.reconcile()
        #expect(merged.branches.first?.reason == .merged, "\(merged.branches)")
        #expect(try store.actualState().teams["research"]?.displayName == "Lab")

        // A revert is prepared under the same prefix, so the controller finds it.
        let prepared = try await Reverter.prepare(
            id, location: repo.root.path, watched: "main", proposalPrefix: "changes/", store: store,
            dataDirectory: data, author: GitSignature(name: "Ops", email: "ops@example.com"))
        #expect(prepared.branch == "changes/revert-p-0001")
        let proposedRevert = try await loop.reconcile()
        #expect(proposedRevert.branches.map(\.branch).contains("changes/revert-p-0001"), "\(proposedRevert.branches)")
    }
}
