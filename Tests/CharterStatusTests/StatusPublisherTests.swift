import CharterGit
import CharterStatus
import CharterStore
import CharterTestSupport
import Foundation
import Testing

/// A bare remote served by `git daemon` (which, unlike `file://`, enforces compare-and-swap on ref
/// updates), a local bare mirror for the publisher, and a human's clone pushing through the daemon.
struct StatusRemote {
    let base: URL
    let served: URL
    let daemon: LoopbackGitDaemon
    let mirror: GitRepository
    let human: URL
    var url: String { daemon.url("served.git") }
    let branch = "charter/status"

    init() async throws {
        base = makeTemporaryDirectory("status")
        served = base.appendingPathComponent("served.git")
        try GitFixture.run(["init", "-q", "--bare", served.path])
        try git("config", "receive.denyNonFastForwards", "true", in: served)
        try git("config", "receive.denyDeletes", "true", in: served)
        // Record every update of the branch, to check none of them rewrote history.
        try git("config", "core.logAllRefUpdates", "always", in: served)
        daemon = try await LoopbackGitDaemon(serving: base)
        mirror = try await GitRepository.openOrCreateBare(at: base.appendingPathComponent("mirror.git"))
        human = base.appendingPathComponent("human")
        try GitFixture.run(["init", "-q", "-b", "main", human.path])
    }

    func publisher(
        sleeps: Locked<[Duration]> = Locked([]),
        beforePush: (@Sendable (Int, ObjectID) async throws -> Void)? = nil
    ) -> StatusPublisher {
        StatusPublisher(
            repository: mirror, remoteURL: url, branch: branch, maxAttempts: 5,
            sleep: { duration in sleeps.withValue { $0.append(duration) } }, beforePush: beforePush)
    }

    /// A human commits `path` on top of the remote branch (or as its first commit) and pushes it, plain.
    @discardableResult
    func humanPush(_ path: String, _ text: String) throws -> String {
        let exists = !(try git("ls-remote", url, "refs/heads/\(branch)", in: human)).isEmpty
        if exists {
            try git("fetch", "-q", url, "refs/heads/\(branch)", in: human)
            try git("checkout", "-q", "-B", "work", "FETCH_HEAD", in: human)
        } else {
            try git("checkout", "-q", "--orphan", "work-\(UUID().uuidString)", in: human)
        }
        let file = human.appendingPathComponent(path)
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        try text.write(to: file, atomically: true, encoding: .utf8)
        try git("add", "-A", in: human)
        try git("commit", "-q", "-m", "human: \(path)", in: human)
        try git("push", "-q", url, "HEAD:refs/heads/\(branch)", in: human)
        return try git("rev-parse", "HEAD", in: human)
    }

    /// `git rev-list --parents` of the served branch: each line a commit followed by its parents, newest
    /// first.
    func history() throws -> [[String]] {
        try git("rev-list", "--parents", "refs/heads/\(branch)", in: served)
            .split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
    }

    /// Every value the served branch has had, oldest first, from its reflog.
    func refValues() throws -> [String] {
        try git("log", "-g", "--format=%H", "refs/heads/\(branch)", in: served)
            .split(separator: "\n").map(String.init).reversed()
    }

    func isAncestor(_ a: String, of b: String) -> Bool {
        (try? git("merge-base", "--is-ancestor", a, b, in: served)) != nil
    }

    func file(_ path: String, at rev: String = "refs/heads/charter/status") throws -> String {
        try git("show", "\(rev):\(path)", in: served)
    }

    func cleanUp() { try? FileManager.default.removeItem(at: base) }

    /// Installs a `pre-receive` hook on the served repository that, once per `armRace()`, moves the branch
    /// itself (a commit adding `race-N.md`) after the pusher has read the refs but before receive-pack
    /// updates them: only the server's compare-and-swap can catch that.
    func installRaceHook() throws {
        let hook = served.appendingPathComponent("hooks/pre-receive")
        let script = """
            #!/bin/sh
            [ -f race-armed ] || exit 0
            rm -f race-armed
            unset GIT_QUARANTINE_PATH GIT_OBJECT_DIRECTORY GIT_ALTERNATE_OBJECT_DIRECTORIES
            export GIT_AUTHOR_NAME=Human GIT_AUTHOR_EMAIL=human@example.com
            export GIT_COMMITTER_NAME=Human GIT_COMMITTER_EMAIL=human@example.com
            tip=$(git rev-parse refs/heads/\(branch)) || exit 1
            n=$(cat race-commits 2>/dev/null | wc -l)
            blob=$(echo "landed during push $n" | git hash-object -w --stdin) || exit 1
            tree=$( (git ls-tree "$tip"; printf '100644 blob %s\trace-%s.md\n' "$blob" "$n") | git mktree) || exit 1
            commit=$(echo "human: race" | git commit-tree "$tree" -p "$tip") || exit 1
            git update-ref refs/heads/\(branch) "$commit" "$tip" || exit 1
            echo "$commit" >> race-commits
            exit 0

            """
        try script.write(to: hook, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: hook.path)
    }

    /// Makes the next push's `pre-receive` hook race it.
    func armRace() throws {
        try Data().write(to: served.appendingPathComponent("race-armed"))
    }

    /// The commits the race hook made, oldest first.
    func raceCommits() throws -> [String] {
        let text = (try? String(contentsOf: served.appendingPathComponent("race-commits"), encoding: .utf8)) ?? ""
        return text.split(separator: "\n").map(String.init)
    }
}

@Suite(.serialized) struct StatusPublisherTests {
    static let start = Date(timeIntervalSince1970: 1_795_241_100.123)

    @Test func firstPublishCreatesARootCommitAndLaterOnesBuildOnIt() async throws {
        let remote = try await StatusRemote()
        defer { remote.cleanUp() }
        let publisher = remote.publisher()

        var events = EventLogWriter()
        events.append(type: "applied", actor: "alice", time: Self.start, data: ["revision": "abc"])
        let batch1 = try flush(&events)
        let prompt = Array("a prompt".utf8)
        var files = [batch1.path: batch1.bytes, "STATUS.md": Array("# Status\none\n".utf8)]
        files.merge(BlobStore.updates(for: [prompt])) { $1 }
        let first = try await publisher.publish(files, message: "charter: status 1")

        var history = try remote.history()
        #expect(history == [[first.hex]])  // no parent
        #expect(try remote.file("STATUS.md") == "# Status\none")
        #expect(try remote.file(BlobStore.path(for: prompt)) == "a prompt")

        events.append(type: "vote", actor: "bob", time: Self.start.addingTimeInterval(90), data: ["vote": "yes"])
        let batch2 = try flush(&events)
        let second = try await publisher.publish(
            [batch2.path: batch2.bytes, "STATUS.md": Array("# Status\ntwo\n".utf8)], message: "charter: status 2")
        history = try remote.history()
        #expect(history == [[second.hex, first.hex], [first.hex]])
        #expect(try remote.file("STATUS.md") == "# Status\ntwo")
        #expect(try remote.file(batch1.path, at: second.hex).isEmpty == false)

        // The mirror now holds the branch; the events read back as one verified chain, blobs verify.
        let chain = try await EventChain.read(from: remote.mirror, at: second)
        #expect(chain.events.map(\.sequence) == [1, 2])
        #expect(chain.verify() == nil)
        #expect(try await BlobStore.verify(in: remote.mirror, at: second).isEmpty)

        // Publishing what is already there changes nothing: no empty commit, nothing pushed.
        let again = try await publisher.publish(
            [batch2.path: batch2.bytes, "STATUS.md": Array("# Status\ntwo\n".utf8)], message: "charter: same")
        #expect(again == second)
        #expect(try remote.history().count == 2)
    }

    @Test func retriesOnTopOfAConcurrentHumanPush() async throws {
        let remote = try await StatusRemote()
        defer { remote.cleanUp() }
        var events = EventLogWriter()
        events.append(type: "applied", actor: "alice", time: Self.start, data: ["n": 1])
        let batch1 = try flush(&events)
        let first = try await remote.publisher().publish([batch1.path: batch1.bytes], message: "status 1")

        // Between the publisher's fetch and its push, a human pushes another commit to the branch.
        let humanCommit = Locked<String?>(nil)
        let attempts = Locked<[Int]>([])
        let sleeps = Locked<[Duration]>([])
        let racing = remote.publisher(sleeps: sleeps) { attempt, _ in
            attempts.withValue { $0.append(attempt) }
            if attempt == 1 { humanCommit.value = try remote.humanPush("notes/human.md", "written by a human\n") }
        }
        events.append(type: "vote", actor: "bob", time: Self.start.addingTimeInterval(60), data: ["n": 2])
        let batch2 = try flush(&events)
        let ours = try await racing.publish(
            [batch2.path: batch2.bytes, "STATUS.md": Array("two\n".utf8)], message: "status 2")

        #expect(attempts.value == [1, 2])
        #expect(sleeps.value == [.milliseconds(200)])
        let human = try #require(humanCommit.value)
        // Linear: ours on top of the human's on top of the first; every commit has one parent but the root.
        #expect(try remote.history() == [[ours.hex, human], [human, first.hex], [first.hex]])
        #expect(try remote.file("notes/human.md") == "written by a human")
        #expect(try remote.file("STATUS.md") == "two")
        #expect(try !remote.file(batch1.path).isEmpty)
        #expect(try !remote.file(batch2.path).isEmpty)
        // Nothing was force-pushed: every value the branch took descends from the one before.
        let values = try remote.refValues()
        #expect(values == [first.hex, human, ours.hex])
        for (old, new) in zip(values, values.dropFirst()) { #expect(remote.isAncestor(old, of: new)) }
        // The mirror tracks the remote.
        #expect(try await remote.mirror.headCommitOfBranch("charter/status") == ours)
        #expect(try await EventChain.read(from: remote.mirror, at: ours).verify() == nil)
    }

    @Test func theServersCompareAndSwapCatchesARaceAfterTheRefsWereRead() async throws {
        let remote = try await StatusRemote()
        defer { remote.cleanUp() }
        try remote.installRaceHook()
        let first = try await remote.publisher().publish(["a.md": Array("a\n".utf8)], message: "one")

        // One attempt only: the push is refused by the server itself (libgit2 saw the old tip, so its
        // own fast-forward check passed), and reported although libgit2's push call returned success.
        try remote.armRace()
        let once = StatusPublisher(repository: remote.mirror, remoteURL: remote.url, maxAttempts: 1)
        let error = try await #require(throws: StatusPublishError.self) {
            try await once.publish(["b.md": Array("b\n".utf8)], message: "two")
        }
        guard case .contended(_, let last) = error else {
            Issue.record("expected .contended, got \(error)")
            return
        }
        #expect(last.code == .pushRejected)
        let race1 = try #require(try remote.raceCommits().first)
        #expect(try remote.history() == [[race1, first.hex], [first.hex]])

        // With retries, the publisher fetches the raced tip and lands on top of it.
        try remote.armRace()
        let sleeps = Locked<[Duration]>([])
        let ours = try await remote.publisher(sleeps: sleeps).publish(["b.md": Array("b\n".utf8)], message: "two")
        let race2 = try #require(try remote.raceCommits().last)
        #expect(race2 != race1)
        #expect(sleeps.value.count == 1)
        #expect(try remote.history() == [[ours.hex, race2], [race2, race1], [race1, first.hex], [first.hex]])
        #expect(try remote.file("b.md") == "b")
        #expect(try remote.file("race-0.md") == "landed during push 0")
        #expect(try remote.file("race-1.md") == "landed during push 1")
        try git("fsck", "--strict", "--no-progress", in: remote.served)
        let values = try remote.refValues()
        for (old, new) in zip(values, values.dropFirst()) { #expect(remote.isAncestor(old, of: new)) }
    }

    @Test func givesUpAfterBoundedBackoffWhenTheBranchKeepsMoving() async throws {
        let remote = try await StatusRemote()
        defer { remote.cleanUp() }
        try remote.humanPush("README.md", "status branch\n")
        let sleeps = Locked<[Duration]>([])
        let counter = Locked(0)
        let publisher = remote.publisher(sleeps: sleeps) { attempt, _ in
            counter.withValue { $0 += 1 }
            try remote.humanPush("human-\(attempt).md", "\(attempt)\n")
        }
        let error = try await #require(throws: StatusPublishError.self) {
            try await publisher.publish(["STATUS.md": Array("x".utf8)], message: "never lands")
        }
        guard case .contended(let attempts, let last) = error else {
            Issue.record("expected .contended, got \(error)")
            return
        }
        #expect(attempts == 5)
        #expect(last.code == .pushRejected || last.code == .nonFastForward)
        #expect(counter.value == 5)
        #expect(sleeps.value == [.milliseconds(200), .milliseconds(400), .milliseconds(800), .milliseconds(1600)])
        // Only the human's six commits, in a line; ours never landed.
        let history = try remote.history()
        #expect(history.count == 6)
        #expect(history.dropLast().allSatisfy { $0.count == 2 })
        #expect(throws: (any Error).self) { try remote.file("STATUS.md") }
        // The cap applies to long waits.
        let capped = StatusPublisher(
            repository: remote.mirror, remoteURL: remote.url, initialBackoff: .seconds(1), maxBackoff: .seconds(3))
        #expect((2...6).map { capped.backoff(beforeAttempt: $0) } == [1, 2, 3, 3, 3].map { .seconds($0) })
    }

    @Test func refusesToRewriteAnImmutablePath() async throws {
        let remote = try await StatusRemote()
        defer { remote.cleanUp() }
        let publisher = remote.publisher()
        let path = "events/2026/11/21/000000000001-000000000001.jsonl.gz"
        let tip = try await publisher.publish([path: Gzip.compress(Array("a\n".utf8))], message: "one")
        let error = try await #require(throws: StatusPublishError.self) {
            try await publisher.publish([path: Gzip.compress(Array("b\n".utf8))], message: "other")
        }
        guard case .conflict(let conflicting, let at) = error else {
            Issue.record("expected .conflict, got \(error)")
            return
        }
        #expect(conflicting == path)
        #expect(at == tip)
        #expect(error.description.contains(path))
        // Mutable files are simply replaced.
        let status = try await publisher.publish(["STATUS.md": [1]], message: "s1")
        let replaced = try await publisher.publish(["STATUS.md": [2]], message: "s2")
        #expect(try remote.history().map(\.first) == [replaced.hex, status.hex, tip.hex])
    }
}
