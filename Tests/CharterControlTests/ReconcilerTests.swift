import CharterControl
import CharterGit
import CharterGovernance
import CharterModel
import CharterStore
import CharterTestSupport
import Foundation
import Testing

/// The governed loop on example-repo: a pushed edit becomes a proposal that the change board must
/// approve with signed votes read from the status branch, then it is applied.
@Suite struct ReconcilerTests {
    let now = Date(timeIntervalSince1970: 1_790_000_000)

    func setUp() async throws -> (GitFixture, StateStore, URL) {
        let repo = try GitFixture(name: "governed")
        try repo.copy(from: GitFixture.exampleRepo)
        try repo.commitAll("Northwind Labs")
        let data = makeTemporaryDirectory("reconcile-data")
        let store = try StateStore(directory: data)
        _ = try await Operations.bootstrap(
            SourceRequest(location: repo.root.path, revision: "main"), store: store, dataDirectory: data, actor: "ops")
        return (repo, store, data)
    }

    /// Commits a vote file signed with `voter`'s demo key onto the status branch.
    func castVote(
        _ decision: String, by voter: String, keyOf signer: String? = nil, on proposal: Proposal, in repo: GitFixture,
        hash: String? = nil
    ) async throws {
        let key = try SSHPrivateKey(
            contentsOfFile: GitFixture.exampleRepo.appendingPathComponent("demo-keys/\(signer ?? voter)").path)
        let vote = try VoteDocument(
            proposal: proposal.id.description, changeSetHash: hash ?? proposal.changeSetHash, decision: decision,
            voter: voter, date: now)
        let signed = try vote.signed(with: key)
        let git = try await GitRepository.open(at: repo.root)
        let parent = try await git.headCommitOfBranch("charter/status")
        let path = "votes/\(proposal.id)/\(voter)-\(UUID().uuidString.prefix(8)).json"
        let commit = try await git.createCommit(
            parent: parent, changes: [path: .write(Array(signed.json.utf8))], message: "vote",
            author: GitSignature(name: voter, email: "\(voter)@northwind.example"))
        try await git.updateRef("refs/heads/charter/status", to: commit, expected: parent)
    }

    @Test func pushedChangeIsProposedVotedAndApplied() async throws {
        let (repo, store, data) = try await setUp()
        let clean = try await Reconciler.reconcileOnce(
            repository: repo.root.path, store: store, dataDirectory: data, now: now)
        #expect(clean.condition == .ready)
        #expect(clean.reason == "UpToDate")

        let team = try repo.read("teams/research.yaml")
        try repo.write(
            "teams/research.yaml",
            team.replacingOccurrences(of: "displayName: Research", with: "displayName: Research Lab"))
        let head = try repo.commitAll("Rename research")

        let first = try await Reconciler.reconcileOnce(
            repository: repo.root.path, store: store, dataDirectory: data, now: now)
        #expect(first.condition == .reconciling)
        #expect(first.reason == "AwaitingVotes")
        let proposal = try #require(first.proposal)
        #expect(proposal.id.description == "P-0001")
        #expect(proposal.boards.map(\.board) == ["change"])
        #expect(proposal.head == head)
        #expect(try store.actualState().teams["research"]?.displayName == "Research")

        // A forged vote (maria's key signing as priya), a vote for another change set and a
        // non-member never count; two members' approvals reach the atLeast-2 quorum.
        try await castVote("approve", by: "priya", keyOf: "maria", on: proposal, in: repo)
        try await castVote(
            "approve", by: "jonas", on: proposal, in: repo, hash: "sha256:" + String(repeating: "0", count: 64))
        try await castVote("approve", by: "maria", on: proposal, in: repo)
        let pending = try await Reconciler.reconcileOnce(
            repository: repo.root.path, store: store, dataDirectory: data, now: now)
        #expect(pending.proposal?.state == .open)
        #expect(pending.votesRecorded == 3)
        #expect(pending.proposal?.votes.allSatisfy { !$0.accepted } == true)

        try await castVote("approve", by: "priya", on: proposal, in: repo)
        try await castVote("approve", by: "jonas", on: proposal, in: repo)
        let applied = try await Reconciler.reconcileOnce(
            repository: repo.root.path, store: store, dataDirectory: data, now: now)
        #expect(applied.condition == .ready)
        #expect(applied.reason == "Applied")
        #expect(applied.proposal?.state == .applied)
        #expect(applied.appliedRevision == head)
        #expect(try store.actualState().teams["research"]?.displayName == "Research Lab")
        #expect(try store.appliedRevision()?.method == .governed)

        // Applying is idempotent: another pass changes nothing.
        let again = try await Reconciler.reconcileOnce(
            repository: repo.root.path, store: store, dataDirectory: data, now: now)
        #expect(again.reason == "UpToDate")
        #expect(try store.history().count == 2)
    }

    @Test func aChangedChangeSupersedesTheProposalAndItsVotesLapse() async throws {
        let (repo, store, data) = try await setUp()
        let team = try repo.read("teams/research.yaml")
        try repo.write(
            "teams/research.yaml", team.replacingOccurrences(of: "displayName: Research", with: "displayName: Lab A"))
        try repo.commitAll("A")
        let a = try #require(
            try await Reconciler.reconcileOnce(repository: repo.root.path, store: store, dataDirectory: data, now: now)
                .proposal)
        try await castVote("approve", by: "priya", on: a, in: repo)

        try repo.write(
            "teams/research.yaml", team.replacingOccurrences(of: "displayName: Research", with: "displayName: Lab B"))
        try repo.commitAll("B")
        let b = try #require(
            try await Reconciler.reconcileOnce(repository: repo.root.path, store: store, dataDirectory: data, now: now)
                .proposal)
        #expect(b.id.description == "P-0002")
        #expect(b.votes.isEmpty)
        #expect(try store.proposal(id: a.id)?.state == .superseded)

        // An unrelated commit that leaves the change set alone keeps the proposal and its votes.
        try repo.write("README.md", "notes")
        try repo.commitAll("docs")
        try await castVote("approve", by: "priya", on: b, in: repo)
        let kept = try #require(
            try await Reconciler.reconcileOnce(repository: repo.root.path, store: store, dataDirectory: data, now: now)
                .proposal)
        #expect(kept.id == b.id)
        #expect(kept.votes.filter(\.accepted).map(\.vote.voter) == ["priya"])
    }

    @Test func anAuthorOfALaterCommitOnTheSameChangeCannotVoteOnIt() async throws {
        let (repo, store, data) = try await setUp()
        let team = try repo.read("teams/research.yaml")
        try repo.write(
            "teams/research.yaml", team.replacingOccurrences(of: "displayName: Research", with: "displayName: Lab"))
        try repo.commitAll("Rename")
        let proposal = try #require(
            try await Reconciler.reconcileOnce(repository: repo.root.path, store: store, dataDirectory: data, now: now)
                .proposal)
        try await castVote("approve", by: "priya", on: proposal, in: repo)
        _ = try await Reconciler.reconcileOnce(repository: repo.root.path, store: store, dataDirectory: data, now: now)

        // priya adds a commit that leaves the change set alone: the proposal keeps its id, but she
        // is now an author of the change, so her approval stops counting and jonas's alone is not
        // enough for the change board's atLeast 2.
        try repo.git(
            "-c", "user.name=Priya Raman", "-c", "user.email=priya@northwind.example", "commit", "-q", "--allow-empty",
            "-m", "nudge")
        try await castVote("approve", by: "jonas", on: proposal, in: repo)
        let after = try #require(
            try await Reconciler.reconcileOnce(repository: repo.root.path, store: store, dataDirectory: data, now: now)
                .proposal)
        #expect(after.id == proposal.id)
        #expect(after.ineligible["priya"] != nil)
        #expect(after.commits.map(\.summary).contains("nudge"))
        #expect(after.state == .open)
        #expect(try store.actualState().teams["research"]?.displayName == "Research")
    }

    /// Commits an unsigned vote document onto the status branch.
    func castUnsignedVote(_ decision: String, by voter: String, on proposal: Proposal, in repo: GitFixture) async throws
    {
        let vote = try VoteDocument(
            proposal: proposal.id.description, changeSetHash: proposal.changeSetHash, decision: decision, voter: voter,
            date: now)
        let git = try await GitRepository.open(at: repo.root)
        let parent = try await git.headCommitOfBranch("charter/status")
        let commit = try await git.createCommit(
            parent: parent,
            changes: ["votes/\(proposal.id)/\(voter)-unsigned.json": .write(Array(PrettyJSON.string(vote.value).utf8))],
            message: "unsigned vote", author: GitSignature(name: voter, email: "\(voter)@northwind.example"))
        try await git.updateRef("refs/heads/charter/status", to: commit, expected: parent)
    }

    @Test func unsignedVotesCountOnlyWhereTheOrganizationAllowsThem() async throws {
        for allowed in [false, true] {
            let repo = try GitFixture(name: "unsigned")
            try repo.copy(from: GitFixture.exampleRepo)
            if allowed {
                let org = try repo.read("organization.yaml")
                try repo.write(
                    "organization.yaml",
                    org.replacingOccurrences(of: "requireSignedVotes: true", with: "requireSignedVotes: false"))
            }
            try repo.commitAll("Northwind Labs")
            let data = makeTemporaryDirectory("unsigned-data")
            let store = try StateStore(directory: data)
            _ = try await Operations.bootstrap(
                SourceRequest(location: repo.root.path, revision: "main"), store: store, dataDirectory: data,
                actor: "ops")
            let team = try repo.read("teams/research.yaml")
            try repo.write(
                "teams/research.yaml", team.replacingOccurrences(of: "displayName: Research", with: "displayName: Lab"))
            try repo.commitAll("edit")
            let proposal = try #require(
                try await Reconciler.reconcileOnce(
                    repository: repo.root.path, store: store, dataDirectory: data, now: now
                ).proposal)
            try await castUnsignedVote("approve", by: "priya", on: proposal, in: repo)
            try await castUnsignedVote("approve", by: "jonas", on: proposal, in: repo)
            let after = try await Reconciler.reconcileOnce(
                repository: repo.root.path, store: store, dataDirectory: data, now: now)
            if allowed {
                #expect(after.proposal?.state == .applied)
            } else {
                #expect(after.proposal?.state == .open)
                #expect(
                    after.proposal?.votes.allSatisfy { !$0.accepted && ($0.reason ?? "").contains("not signed") }
                        == true)
            }
            // Recorded once: another pass does not count the same files again.
            let again = try await Reconciler.reconcileOnce(
                repository: repo.root.path, store: store, dataDirectory: data, now: now)
            #expect(again.votesRecorded == 0)
            // `charter verify` applies the same rule as the pass: it refuses exactly what the pass refused.
            let verified = try await StatusVerifier.verify(
                location: repo.root.path, branch: "charter/status", dataDirectory: data,
                actual: try store.actualState())
            if allowed {
                #expect(verified.refusedVotes.isEmpty, "\(verified.refusedVotes)")
            } else {
                #expect(verified.refusedVotes.count == 2)
                #expect(verified.refusedVotes.allSatisfy { $0.reason.contains("not signed") })
            }
        }
    }

    @Test func anInvalidRevisionStallsAndChangesNothing() async throws {
        let (repo, store, data) = try await setUp()
        try repo.write("teams/research.yaml", "apiVersion: charter/v1\nkind: Team\n")
        try repo.commitAll("broken")
        let report = try await Reconciler.reconcileOnce(
            repository: repo.root.path, store: store, dataDirectory: data, now: now)
        #expect(report.condition == .stalled)
        #expect(report.reason == "InvalidRevision")
        #expect(!report.diagnostics.isEmpty)
        #expect(try store.proposals().isEmpty)
    }
}
