import CharterControl
import CharterGit
import CharterGovernance
import CharterModel
import CharterStore
import CharterTestSupport
import Foundation
import Testing

/// Entries on the status branch that git refuses (`..`, `.`, `.git`), crafted by anyone who can push
/// the branch: reported, ignored for decisions, and never a reason for a pass or a vote to fail.
@Suite struct ForeignEntryTests {
    let now = Date(timeIntervalSince1970: 1_790_000_000)
    let helper = ReconcilerTests()

    func controller(_ repo: GitFixture, _ store: StateStore, _ data: URL) -> Controller {
        let time = now
        return Controller(
            location: repo.root.path, branch: nil, store: store, dataDirectory: data, auth: .none, actor: "controller",
            interval: nil, log: { _ in }, now: { time })
    }

    /// Bootstrap, an edit on main, and a pass that proposes it as P-0001 and writes the status branch.
    func proposed() async throws -> (GitFixture, StateStore, URL, Proposal) {
        let (repo, store, data) = try await helper.setUp()
        let team = try repo.read("teams/research.yaml")
        try repo.write(
            "teams/research.yaml", team.replacingOccurrences(of: "displayName: Research", with: "displayName: Lab"))
        try repo.commitAll("Rename research")
        let report = try await controller(repo, store, data).reconcile()
        return (repo, store, data, try #require(report.proposal))
    }

    func signedVote(_ voter: String, on proposal: Proposal) throws -> String {
        let key = try SSHPrivateKey(
            contentsOfFile: GitFixture.exampleRepo.appendingPathComponent("demo-keys/\(voter)").path)
        return try VoteDocument(
            proposal: proposal.id.description, changeSetHash: proposal.changeSetHash, decision: "approve",
            voter: voter, date: now
        ).signed(with: key).json
    }

    @Test func entriesGitRefusesAreReportedIgnoredAndNeverBlockAWrite() async throws {
        let (repo, store, data, proposal) = try await proposed()
        // A valid vote by priya, hidden under `votes/P-0001/../x.json`: a name, not a vote file.
        try repo.commitCraftedEntry(
            on: "charter/status", in: "votes/P-0001", named: "..", contents: try signedVote("priya", on: proposal),
            asTree: true)
        try repo.commitCraftedEntry(on: "charter/status", in: "votes/P-0001", named: ".git")
        try repo.commitCraftedEntry(on: "charter/status", in: "votes/P-0001", named: ".")
        // `git rev-parse BRANCH:votes/P-0001/..` would read `..` as the parent directory: list the entry.
        func craftedEntry() throws -> String? {
            try repo.git("ls-tree", "charter/status", "votes/P-0001/").split(separator: "\n")
                .first { $0.hasSuffix("\tvotes/P-0001/..") }.map(String.init)
        }
        let crafted = try #require(try craftedEntry())

        // Votes are still committed (this is what `charter vote` does), and passes still run.
        try await helper.castVote("approve", by: "jonas", on: proposal, in: repo)
        let waiting = try await controller(repo, store, data).reconcile()
        #expect(waiting.reason == .awaitingVotes, "priya's vote under `..` must not count: \(waiting.message)")
        #expect(waiting.proposal?.votes.map(\.vote.voter) == ["jonas"])
        #expect(
            waiting.foreignEntries.map(\.path) == [
                "votes/P-0001/.", "votes/P-0001/../x.json", "votes/P-0001/.git",
            ])
        #expect(waiting.foreignEntries.allSatisfy { $0.reason.contains("one git refuses") })
        let status = try repo.git("show", "charter/status:status.yaml")
        #expect(status.contains("foreignEntries:"), "\(status)")
        #expect(status.contains("votes/P-0001/../x.json"))
        #expect(status.contains("foreignEntryCount: 3"))
        let markdown = try repo.git("show", "charter/status:STATUS.md")
        #expect(markdown.contains("## Entries Charter ignores"), "\(markdown)")
        #expect(markdown.contains("`votes/P-0001/.git`"))

        try await helper.castVote("approve", by: "priya", on: proposal, in: repo)
        let applied = try await controller(repo, store, data).reconcile()
        #expect(applied.reason == .applied, "\(applied.message)")
        // The crafted entries are left exactly as they were.
        #expect(try craftedEntry() == crafted)
        let listed = try repo.git("ls-tree", "--name-only", "charter/status", "votes/P-0001/")
        #expect(listed.split(separator: "\n").filter { !$0.hasSuffix(".json") }.count == 3, "\(listed)")

        // `charter verify` (the verifier) names them too, and fails.
        let git = try await GitRepository.open(at: repo.root)
        let verified = try await StatusVerifier.verify(
            repository: git, branch: "charter/status", tip: try await git.headCommitOfBranch("charter/status"),
            actual: try store.actualState(), storeEvents: try store.events())
        #expect(!verified.passed)
        #expect(verified.foreignEntries.count == 3)
        #expect(verified.refusedVotes.isEmpty, "\(verified.refusedVotes)")
    }

    @Test func aRemoteStatusBranchWithCraftedEntriesIsWrittenToo() async throws {
        let (repo, store, data, proposal) = try await proposed()
        try repo.commitCraftedEntry(on: "charter/status", in: "votes/P-0001", named: "..")
        let bare = makeTemporaryDirectory("foreign-remote").appendingPathComponent("org.git")
        try GitFixture.run(["clone", "-q", "--bare", repo.root.path, bare.path])
        let remote = "file://" + bare.path
        let key = try SSHPrivateKey(
            contentsOfFile: GitFixture.exampleRepo.appendingPathComponent("demo-keys/priya").path)
        let vote = try VoteDocument(
            proposal: proposal.id.description, changeSetHash: proposal.changeSetHash, decision: "approve",
            voter: "priya", date: now
        ).signed(with: key)
        try await StatusWriter.publish(
            ["votes/P-0001/priya.json": Array(vote.json.utf8)], to: remote, branch: "charter/status",
            dataDirectory: data, message: "vote")
        var loop = controller(repo, store, data)
        loop.location = remote
        let report = try await loop.reconcile()
        #expect(report.foreignEntries.map(\.path) == ["votes/P-0001/.."])
        let listed = try GitFixture.run(["-C", bare.path, "ls-tree", "--name-only", "charter/status", "votes/P-0001/"])
        #expect(listed.split(separator: "\n") == ["votes/P-0001/..", "votes/P-0001/priya.json"])
        #expect(try GitFixture.run(["-C", bare.path, "show", "charter/status:status.yaml"]).contains("foreignEntries"))
    }
}
