import CharterControl
import CharterGit
import CharterGovernance
import CharterModel
import CharterStatus
import CharterStore
import CharterTestSupport
import Foundation
import Testing

/// Write-back of events: each publish adds one immutable events file with the events the status
/// branch lacks, chained to the ones before, and the verifier checks the whole branch.
@Suite struct StatusWriterTests {
    let now = Date(timeIntervalSince1970: 1_790_000_000)

    func setUp() async throws -> (GitFixture, StateStore, URL) {
        let repo = try GitFixture(name: "status-writer")
        try repo.copy(from: GitFixture.exampleRepo)
        try repo.commitAll("Northwind Labs")
        let data = makeTemporaryDirectory("status-writer-data")
        let store = try StateStore(directory: data)
        _ = try await Operations.bootstrap(
            SourceRequest(location: repo.root.path, revision: "main"), store: store, dataDirectory: data, actor: "ops",
            now: now)
        return (repo, store, data)
    }

    /// One reconcile pass followed by its write-back; returns the report.
    @discardableResult
    func pass(_ repo: GitFixture, _ store: StateStore, _ data: URL, at time: Date) async throws -> ReconcileReport {
        let report = try await Reconciler.reconcileOnce(
            repository: repo.root.path, store: store, dataDirectory: data, now: time)
        try await StatusWriter.publish(
            try StatusWriter.files(for: report, store: store, now: time), to: repo.root.path, branch: "charter/status",
            dataDirectory: data, message: "charter: \(report.reason)")
        return report
    }

    func eventFiles(_ repo: GitFixture) throws -> [String] {
        try repo.git("ls-tree", "-r", "--name-only", "charter/status", "events").split(separator: "\n").map(String.init)
    }

    func chain(_ repo: GitFixture) async throws -> EventChain {
        let git = try await GitRepository.open(at: repo.root)
        let tip = try #require(try await git.headCommitOfBranch("charter/status"))
        return try await EventChain.read(from: git, at: tip)
    }

    @Test func filesHoldOnlyEventsAfterThePublishedSequence() async throws {
        let (repo, store, data) = try await setUp()
        let report = try await Reconciler.reconcileOnce(
            repository: repo.root.path, store: store, dataDirectory: data, now: now)
        let all = try StatusWriter.files(for: report, store: store, now: now)
        let events = try store.events()
        #expect(events.map(\.type) == ["state.bootstrapped"])
        #expect(all.keys.filter(EventFile.isEventFile) == [EventFile.path(for: events)])
        let none = try StatusWriter.files(for: report, store: store, now: now, publishedSequence: 1)
        #expect(none.keys.filter(EventFile.isEventFile).isEmpty)
        #expect(none["status.yaml"] != nil && none["STATUS.md"] != nil)
    }

    @Test func eachWriteBackAddsOneChainedEventsFile() async throws {
        let (repo, store, data) = try await setUp()
        try await pass(repo, store, data, at: now)
        #expect(try eventFiles(repo) == ["events/2026/09/21/000000000001-000000000001.jsonl.gz"])

        // Nothing new: the same events file, no second one.
        try await pass(repo, store, data, at: now.addingTimeInterval(60))
        #expect(try eventFiles(repo).count == 1)

        let team = try repo.read("teams/research.yaml")
        try repo.write(
            "teams/research.yaml",
            team.replacingOccurrences(of: "displayName: Research", with: "displayName: Research Lab"))
        try repo.commitAll("Rename research")
        let proposed = try await pass(repo, store, data, at: now.addingTimeInterval(120))
        let proposal = try #require(proposed.proposal)
        for voter in ["priya", "jonas"] {
            let key = try SSHPrivateKey(
                contentsOfFile: GitFixture.exampleRepo.appendingPathComponent("demo-keys/\(voter)").path)
            let vote = try VoteDocument(
                proposal: proposal.id.description, changeSetHash: proposal.changeSetHash, decision: "approve",
                voter: voter, date: now)
            try await StatusWriter.publish(
                ["votes/\(proposal.id)/\(voter).json": Array(try vote.signed(with: key).json.utf8)],
                to: repo.root.path, branch: "charter/status", dataDirectory: data, message: "vote")
        }
        let applied = try await pass(repo, store, data, at: now.addingTimeInterval(180))
        #expect(applied.reason == "Applied")

        let files = try eventFiles(repo)
        #expect(files.count == 3)
        let chain = try await chain(repo)
        #expect(chain.verify() == nil)
        #expect(chain.events.map(\.hash) == (try store.events().map(\.hash)))
        #expect(Set(chain.events.map(\.type)).isSuperset(of: ["proposal.created", "vote.accepted", "state.applied"]))

        let git = try await GitRepository.open(at: repo.root)
        let tip = try await git.headCommitOfBranch("charter/status")
        let result = try await StatusVerifier.verify(
            repository: git, branch: "charter/status", tip: tip, actual: try store.actualState(),
            storeEvents: try store.events())
        #expect(result.passed, "\(result.value)")
        #expect(result.voteCount == 2)
        #expect(result.proposalCount == 1)
    }

    @Test func remoteWriteBackContinuesTheChain() async throws {
        let (repo, store, data) = try await setUp()
        let bare = makeTemporaryDirectory("status-writer-remote").appendingPathComponent("org.git")
        try GitFixture.run(["clone", "-q", "--bare", repo.root.path, bare.path])
        let remote = "file://" + bare.path
        let report = try await Reconciler.reconcileOnce(
            repository: repo.root.path, store: store, dataDirectory: data, now: now)
        try await StatusWriter.publish(
            try StatusWriter.files(for: report, store: store, now: now), to: remote, branch: "charter/status",
            dataDirectory: data, message: "first")
        let team = try repo.read("teams/research.yaml")
        try repo.write(
            "teams/research.yaml",
            team.replacingOccurrences(of: "displayName: Research", with: "displayName: Research Lab"))
        try repo.commitAll("Rename research")
        let proposed = try await Reconciler.reconcileOnce(
            repository: repo.root.path, store: store, dataDirectory: data, now: now)
        // Every event of the store is offered; only the unpublished one is written.
        try await StatusWriter.publish(
            try StatusWriter.files(for: proposed, store: store, now: now), to: remote, branch: "charter/status",
            dataDirectory: data, message: "second")
        let listed = try GitFixture.run([
            "-C", bare.path, "ls-tree", "-r", "--name-only", "charter/status", "events",
        ])
        #expect(
            listed.split(separator: "\n") == [
                "events/2026/09/21/000000000001-000000000001.jsonl.gz",
                "events/2026/09/21/000000000002-000000000002.jsonl.gz",
            ])
        let git = try await GitRepository.open(at: bare)
        let tip = try #require(try await git.headCommitOfBranch("charter/status"))
        let chain = try await EventChain.read(from: git, at: tip)
        #expect(chain.verify() == nil)
        #expect(chain.events.map(\.hash) == (try store.events().map(\.hash)))
    }

    @Test func eventsFromAnotherStoreAreNotAppended() async throws {
        let (repo, store, data) = try await setUp()
        try await pass(repo, store, data, at: now)
        let otherData = makeTemporaryDirectory("status-writer-other")
        let other = try StateStore(directory: otherData)
        _ = try await Operations.bootstrap(
            SourceRequest(location: repo.root.path, revision: "main"), store: other, dataDirectory: otherData,
            actor: "someone-else", now: now)
        try await pass(repo, other, otherData, at: now.addingTimeInterval(5))
        #expect(try eventFiles(repo).count == 1)
        #expect(try await chain(repo).events.map(\.hash) == (try store.events().map(\.hash)))
    }

    @Test func verifierNamesTheFirstBrokenEventAndRefusedVotes() async throws {
        let (repo, store, data) = try await setUp()
        try await pass(repo, store, data, at: now)
        let git = try await GitRepository.open(at: repo.root)
        var tip = try #require(try await git.headCommitOfBranch("charter/status"))
        var event = try #require(try store.events().first)
        event.actor = "mallory"
        let path = EventFile.path(for: [event])
        let forgedVote = try VoteDocument(
            proposal: "P-0001", changeSetHash: "sha256:" + String(repeating: "a", count: 64), decision: "approve",
            voter: "priya", date: now
        ).signed(
            with: SSHPrivateKey(contentsOfFile: GitFixture.exampleRepo.appendingPathComponent("demo-keys/maria").path))
        tip = try await git.createCommit(
            parent: tip,
            changes: [
                path: .write(EventFile.contents([event])),
                "votes/P-0001/priya.json": .write(Array(forgedVote.json.utf8)),
                "proposals/P-0002/proposal.json": .write(Array("{}".utf8)),
            ],
            message: "tamper", author: GitSignature(name: "Mallory", email: "m@example.com"))
        let result = try await StatusVerifier.verify(
            repository: git, branch: "charter/status", tip: tip, actual: try store.actualState(),
            storeEvents: try store.events())
        #expect(!result.passed)
        #expect(result.chainProblem?.sequence == 1)
        #expect(result.chainProblem?.path == path)
        #expect(result.refusedVotes.map(\.path) == ["votes/P-0001/priya.json"])
        #expect(result.refusedVotes.first?.reason.contains("does not verify") == true)
        #expect(result.proposalProblems.map(\.path) == ["proposals/P-0002/proposal.json"])
    }
}
