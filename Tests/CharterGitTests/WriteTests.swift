import CharterTestSupport
import Foundation
import Testing

@testable import CharterGit

@Suite struct WriteTests {
    static let author = GitSignature(
        name: "Charter", email: "charter@example.com", date: Date(timeIntervalSince1970: 1_700_000_000),
        timeZoneOffsetMinutes: 60)

    @Test func createsCommitsWithoutWorkingTree() async throws {
        let fixture = try Fixture()
        let base = try fixture.commit(["keep.yaml": "k\n", "gone.yaml": "g\n", "dir/old.yaml": "o\n"])
        let bare = try fixture.bareClone(named: "status.git")
        let repo = try await GitRepository.open(at: bare)
        let baseID = try #require(ObjectID(hex: base))
        let commit = try await repo.createCommit(
            parent: baseID,
            changes: [
                "gone.yaml": .delete, "dir/old.yaml": .delete, "events/2026/01/02/a.jsonl": .write(Array("{}\n".utf8)),
                "keep.yaml": .write(Array("changed\n".utf8)), "bin/run": .writeExecutable(Array("#!/bin/sh\n".utf8)),
                "never-existed.yaml": .delete,
            ],
            message: "status update\n", author: Self.author)
        // No ref moved: the commit is only an object until updateRef.
        #expect(try await repo.resolve("main") == baseID)
        #expect(try fixture.git("cat-file", "-t", commit.hex, in: bare).trimmed == "commit")
        #expect(
            try fixture.git("ls-tree", "-r", "--name-only", commit.hex, in: bare).split(separator: "\n")
                == ["bin/run", "events/2026/01/02/a.jsonl", "keep.yaml"])
        #expect(try fixture.git("show", "\(commit.hex):keep.yaml", in: bare) == "changed\n")
        #expect(try fixture.git("ls-tree", commit.hex, "bin/run", in: bare).hasPrefix("100755 "))
        #expect(
            try fixture.git("show", "-s", "--format=%an <%ae> %at %ai|%P|%B", commit.hex, in: bare)
                == "Charter <charter@example.com> 1700000000 2023-11-14 23:13:20 +0100|\(base)|status update\n\n")
        try fixture.git("fsck", "--strict", in: bare)

        let info = try await repo.commit(commit)
        #expect(info.author == Self.author)
        #expect(info.parents == [baseID])

        let root = try await repo.createCommit(
            parent: nil, changes: ["a": .write([1])], message: "root", author: Self.author)
        #expect(try await repo.commit(root).parents.isEmpty)

        await #expect(throws: GitError.self) {
            try await repo.createCommit(
                parent: baseID, changes: ["../x": .write([])], message: "m", author: Self.author)
        }
    }

    @Test func aLockAKilledWriterLeftIsRemovedOnceItIsStale() async throws {
        let fixture = try Fixture()
        let first = try #require(ObjectID(hex: try fixture.commit(["a": "1"])))
        let repo = try await GitRepository.open(at: fixture.work)
        let second = try await repo.createCommit(
            parent: first, changes: ["a": .write([2])], message: "2", author: Self.author)
        let lock = fixture.work.appendingPathComponent(".git/refs/heads/main.lock").path
        // A writer holding the lock right now: the update waits for a later try.
        #expect(FileManager.default.createFile(atPath: lock, contents: Data()))
        await #expect(throws: GitError.self) {
            try await repo.updateRef("refs/heads/main", to: second, expected: first)
        }
        #expect(try await repo.resolve("main") == first)
        // The same lock, left by a process SIGKILLed a minute ago: taken for stale, removed, updated.
        try FileManager.default.setAttributes([.modificationDate: Date().addingTimeInterval(-60)], ofItemAtPath: lock)
        try await repo.updateRef("refs/heads/main", to: second, expected: first)
        #expect(try await repo.resolve("main") == second)
        #expect(!FileManager.default.fileExists(atPath: lock))
    }

    /// A tree entry git refuses (`..`, `.`, `.git`), crafted into the parent by someone who can push
    /// the branch, is kept as it is: the commit rewrites only the trees on the way to what it changes.
    @Test func entriesGitRefusesInTheParentNeitherBlockNorDisappear() async throws {
        let fixture = try GitFixture(name: "crafted")
        try fixture.write("votes/P-0001/priya.json", "{}\n")
        try fixture.write("status.yaml", "a: 1\n")
        try fixture.commitAll("status")
        try fixture.commitCraftedEntry(on: "main", in: "votes/P-0001", named: "..")
        try fixture.commitCraftedEntry(on: "main", in: "votes/P-0001", named: ".git", asTree: true)
        try fixture.commitCraftedEntry(on: "main", in: "", named: ".")
        let repo = try await GitRepository.open(at: fixture.root)
        let parent = try await repo.resolve("main")
        let commit = try await repo.createCommit(
            parent: parent,
            changes: [
                "votes/P-0001/jonas.json": .write(Array("{}\n".utf8)), "status.yaml": .write(Array("a: 2\n".utf8)),
                "votes/P-0001/priya.json": .delete,
            ],
            message: "vote", author: Self.author)
        let listed = try fixture.git("ls-tree", "-r", "--name-only", commit.hex).split(separator: "\n")
        #expect(
            listed == [".", "status.yaml", "votes/P-0001/..", "votes/P-0001/.git/x.json", "votes/P-0001/jonas.json"])
        #expect(try fixture.git("show", "\(commit.hex):status.yaml") == "a: 2")
        // The untouched crafted entries are the very objects the parent held.
        #expect(
            try fixture.git("rev-parse", "\(commit.hex):votes/P-0001/.git")
                == (try fixture.git("rev-parse", "main:votes/P-0001/.git")))
        // A directory keeps its crafted entries when the last file Charter wrote there is deleted.
        let emptied = try await repo.createCommit(
            parent: commit, changes: ["votes/P-0001/jonas.json": .delete, "nothing/here": .delete], message: "m",
            author: Self.author)
        #expect(
            try fixture.git("ls-tree", "--name-only", emptied.hex, "votes/P-0001/")
                == "votes/P-0001/..\nvotes/P-0001/.git")
        // Deleting the last file of a directory removes the directory, and its parents when emptied.
        let gone = try await repo.createCommit(
            parent: try await repo.createCommit(
                parent: nil, changes: ["a/b/c": .write([1]), "d": .write([2])], message: "m", author: Self.author),
            changes: ["a/b/c": .delete], message: "m", author: Self.author)
        #expect(try fixture.git("ls-tree", "-r", "--name-only", gone.hex) == "d")
    }

    @Test func updateRefIsCompareAndSwap() async throws {
        let fixture = try Fixture()
        let first = try #require(ObjectID(hex: try fixture.commit(["a": "1"])))
        let repo = try await GitRepository.open(at: fixture.work)
        let second = try await repo.createCommit(
            parent: first, changes: ["a": .write([2])], message: "2", author: Self.author)
        let third = try await repo.createCommit(
            parent: second, changes: ["a": .write([3])], message: "3", author: Self.author)

        try await repo.updateRef("refs/heads/charter/status", to: second, expected: nil)
        #expect(try await repo.resolve("charter/status") == second)
        let exists = try await #require(throws: GitError.self) {
            try await repo.updateRef("refs/heads/charter/status", to: third, expected: nil)
        }
        #expect(exists.code == .exists)

        try await repo.updateRef("refs/heads/charter/status", to: third, expected: second)
        #expect(try fixture.revParse("charter/status") == third.hex)
        let stale = try await #require(throws: GitError.self) {
            try await repo.updateRef("refs/heads/charter/status", to: first, expected: second)
        }
        #expect(stale.code == .modified)
        #expect(stale.operation.contains("refs/heads/charter/status"))
        #expect(try await repo.resolve("charter/status") == third)
    }

    @Test func pushesAndReportsRejectedRefs() async throws {
        let fixture = try Fixture()
        let base = try #require(ObjectID(hex: try fixture.commit(["a": "1"])))
        try fixture.git("branch", "protected", in: fixture.work)
        let served = try fixture.bareClone(named: "served.git")
        try fixture.git("config", "receive.denyNonFastForwards", "true", in: served)
        let daemon = try await startGitDaemon(base: fixture.temp.url, git: fixture.git)
        let url = "git://127.0.0.1:\(daemon.port)/served.git"

        let repo = try await GitRepository.mirror(
            url: url, into: fixture.temp.sub("local.git"), branches: ["main", "protected"])
        let next = try await repo.createCommit(
            parent: base, changes: ["a": .write([2])], message: "2", author: Self.author)
        try await repo.updateRef("refs/heads/main", to: next, expected: base)
        try await repo.push(to: url, refspecs: ["refs/heads/main:refs/heads/main"])
        #expect(try fixture.revParse("main", in: served) == next.hex)

        // A diverging commit: without '+' libgit2 refuses before uploading ...
        let diverging = try await repo.createCommit(
            parent: base, changes: ["b": .write([1])], message: "x", author: Self.author)
        try await repo.updateRef("refs/heads/protected", to: diverging, expected: base)
        try await repo.updateRef("refs/heads/other", to: diverging, expected: nil)
        let local = try await #require(throws: GitError.self) {
            try await repo.push(to: url, refspecs: ["refs/heads/other:refs/heads/main"])
        }
        #expect(local.code == .nonFastForward)

        // ... and with '+' the server refuses (denyNonFastForwards) while libgit2 returns success.
        let rejected = try await #require(throws: GitError.self) {
            try await repo.push(
                to: url, refspecs: ["+refs/heads/other:refs/heads/main", "refs/heads/protected:refs/heads/new"])
        }
        #expect(rejected.code == .pushRejected)
        #expect(rejected.message.contains("refs/heads/main"))
        #expect(!rejected.message.contains("refs/heads/new"))
        #expect(try fixture.revParse("main", in: served) == next.hex)
        #expect(try fixture.revParse("new", in: served) == diverging.hex)
        withExtendedLifetime(daemon) {}
    }
}
