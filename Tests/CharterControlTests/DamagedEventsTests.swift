import CharterControl
import CharterGit
import CharterGovernance
import CharterModel
import CharterStatus
import CharterStore
import CharterTestSupport
import Foundation
import Testing

/// A truncated events file on the status branch: the pass is Stalled and says why, the events it held
/// are written again in a new file, the damaged file and every older commit stay as they are, and
/// verify and rebuild name it.
@Suite struct DamagedEventsTests {
    let now = Date(timeIntervalSince1970: 1_790_000_000)
    let helper = ReconcilerTests()

    func controller(_ repo: GitFixture, _ store: StateStore, _ data: URL, at time: Date) -> Controller {
        Controller(
            location: repo.root.path, branch: nil, store: store, dataDirectory: data, auth: .none, actor: "controller",
            interval: nil, log: { _ in }, now: { time })
    }

    func eventFiles(_ repo: GitFixture) throws -> [String] {
        try repo.git("ls-tree", "-r", "--name-only", "charter/status", "events").split(separator: "\n").map(String.init)
    }

    /// Replaces the events file at `path` on the status branch with its first half, in a new commit.
    func truncate(_ path: String, in repo: GitFixture) async throws {
        let git = try await GitRepository.open(at: repo.root)
        let tip = try #require(try await git.headCommitOfBranch("charter/status"))
        let blob = try #require(try await git.blobID(at: tip, path: path))
        let bytes = try await git.blobData(blob)
        let commit = try await git.createCommit(
            parent: tip, changes: [path: .write(Array(bytes.prefix(bytes.count / 2)))], message: "truncate",
            author: GitSignature(name: "Mallory", email: "m@example.com"))
        try await git.updateRef("refs/heads/charter/status", to: commit, expected: tip)
    }

    @Test func aTruncatedEventsFileStallsThePassAndItsEventsAreWrittenAgain() async throws {
        let (repo, store, data) = try await helper.setUp()
        _ = try await controller(repo, store, data, at: now).reconcile()
        let team = try repo.read("teams/research.yaml")
        try repo.write(
            "teams/research.yaml", team.replacingOccurrences(of: "displayName: Research", with: "displayName: Lab"))
        try repo.commitAll("Rename research")
        let proposal = try #require(try await controller(repo, store, data, at: now).reconcile().proposal)
        // The file with the highest sequence numbers (directories are days, and the events' days differ).
        let newest = try #require(
            try eventFiles(repo).max { $0.split(separator: "/").last! < $1.split(separator: "/").last! })
        #expect(newest.hasSuffix("000000000002-000000000002.jsonl.gz"), "\(newest)")
        try await truncate(newest, in: repo)
        let damagedBlob = try repo.git("rev-parse", "charter/status:\(newest)")
        let damagedCommit = try repo.git("rev-parse", "charter/status")

        let stalled = try await controller(repo, store, data, at: now.addingTimeInterval(60)).reconcile()
        #expect(stalled.condition == .stalled)
        #expect(stalled.reason == .eventsDamaged)
        #expect(stalled.message.contains(newest), "\(stalled.message)")
        #expect(stalled.message.contains("AwaitingVotes"), "the pass's own outcome stays in the message")
        let copy = newest.replacingOccurrences(of: ".jsonl.gz", with: ".1.jsonl.gz")
        #expect(stalled.damagedEventFiles.map(\.path) == [newest])
        #expect(stalled.damagedEventFiles.first?.reason.contains("written again in \(copy)") == true)
        // Written again in a new file; the damaged file and the history are untouched.
        let listed = try eventFiles(repo)
        #expect(listed.contains(copy), "\(listed)")
        #expect(try repo.git("rev-parse", "charter/status:\(newest)") == damagedBlob)
        #expect(try repo.git("merge-base", "--is-ancestor", damagedCommit, "charter/status").isEmpty)
        let status = try repo.git("show", "charter/status:status.yaml")
        #expect(status.contains("reason: EventsDamaged"), "\(status)")
        #expect(status.contains("damagedEventFiles:"))
        #expect(try repo.git("show", "charter/status:STATUS.md").contains("## Damaged events files"))

        // Nothing changed since: the next pass says the same and commits nothing.
        let tip = try repo.git("rev-parse", "charter/status")
        let again = try await controller(repo, store, data, at: now.addingTimeInterval(120)).reconcile()
        #expect(again.reason == .eventsDamaged)
        let diff = try repo.git("diff", "--stat", tip, "charter/status")
        #expect(diff.isEmpty, "\(diff)")

        // New events go on in new files, chained across the copy.
        try await helper.castVote("approve", by: "priya", on: proposal, in: repo)
        try await helper.castVote("approve", by: "jonas", on: proposal, in: repo)
        let applied = try await controller(repo, store, data, at: now.addingTimeInterval(180)).reconcile()
        #expect(applied.reason == .eventsDamaged)
        #expect(applied.message.contains("Ready Applied"), "\(applied.message)")
        #expect(try store.proposal(id: proposal.id)?.state == .applied)
        let git = try await GitRepository.open(at: repo.root)
        let head = try await git.headCommitOfBranch("charter/status")
        let (chain, unreadable) = try await EventChain.readReadable(from: git, at: try #require(head))
        #expect(unreadable.map(\.path) == [newest])
        #expect(chain.verify() == nil)
        #expect(chain.events.map(\.hash) == (try store.events().map(\.hash)))

        // verify names the damaged file and where its events are; it fails while the file is there.
        let verified = try await StatusVerifier.verify(
            repository: git, branch: "charter/status", tip: head, actual: try store.actualState(),
            storeEvents: try store.events())
        #expect(!verified.passed)
        #expect(verified.unreadableEventFiles.map(\.path) == [newest])
        #expect(verified.eventFileCopies[newest] == [copy])
        #expect(verified.chainProblem == nil)

        // rebuild needs nothing from the damaged file, says so, and matches the live store.
        let rebuilt = try await StatusRebuilder.rebuild(
            location: repo.root.path, branch: "charter/status", dataDirectory: data,
            into: makeTemporaryDirectory("rebuilt"))
        #expect(rebuilt.skippedEventFiles.map(\.path) == [newest])
        #expect(rebuilt.stateHash == (try store.stateHash()))

        // Once a person removes the damaged file (a new commit), the pass is no longer stalled.
        let fixTip = try #require(try await git.headCommitOfBranch("charter/status"))
        let fixed = try await git.createCommit(
            parent: fixTip, changes: [newest: .delete], message: "remove the damaged events file",
            author: GitSignature(name: "Ops", email: "ops@example.com"))
        try await git.updateRef("refs/heads/charter/status", to: fixed, expected: fixTip)
        let clean = try await controller(repo, store, data, at: now.addingTimeInterval(240)).reconcile()
        #expect(clean.condition == .ready, "\(clean.message)")
        #expect(clean.damagedEventFiles.isEmpty)
    }

    @Test func rebuildNamesADamagedFileWhoseEventsAreNowhereElse() async throws {
        let (repo, store, data) = try await helper.setUp()
        _ = try await controller(repo, store, data, at: now).reconcile()
        let only = try #require(try eventFiles(repo).first)
        try await truncate(only, in: repo)
        let error = try await #require(throws: SourceError.self) {
            try await StatusRebuilder.rebuild(
                location: repo.root.path, branch: "charter/status", dataDirectory: data,
                into: makeTemporaryDirectory("rebuilt"))
        }
        #expect(error.message.contains(only), "\(error)")
        #expect(error.message.contains("held event 1, which is in no other file"), "\(error)")
    }

    @Test func aBranchWrittenFromAnotherStoreStallsWithoutAppending() async throws {
        let (repo, store, data) = try await helper.setUp()
        _ = try await controller(repo, store, data, at: now).reconcile()
        let otherData = makeTemporaryDirectory("other-store")
        let other = try StateStore(directory: otherData)
        _ = try await Operations.bootstrap(
            SourceRequest(location: repo.root.path, revision: "main"), store: other, dataDirectory: otherData,
            actor: "someone-else", now: now)
        let files = try eventFiles(repo)
        let report = try await controller(repo, other, otherData, at: now).reconcile()
        #expect(report.condition == .stalled)
        #expect(report.reason == .eventsDiverged)
        #expect(report.message.contains("not this store's"), "\(report.message)")
        #expect(try eventFiles(repo) == files)
    }
}
