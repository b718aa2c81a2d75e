import CharterTestSupport
import Foundation
import Testing

/// A bare `org.git` served by `git daemon` on 127.0.0.1 holding example-repo on `main`, and a human's
/// clone of it. The bare repository refuses non-fast-forward updates and deletions and records every
/// ref update, so a forced push by the controller would fail and any rewrite would show in its reflog.
private struct RemoteOrg {
    let base: URL
    let bare: URL
    let daemon: LoopbackGitDaemon
    let human: URL
    let url: String
    let statusBranch = "charter/status"

    init() async throws {
        base = makeTemporaryDirectory("remote-loop")
        let served = base.appendingPathComponent("served")
        bare = served.appendingPathComponent("org.git")
        try GitFixture.run(["init", "-q", "--bare", "-b", "main", bare.path])
        try GitFixture.run(["-C", bare.path, "config", "receive.denyNonFastForwards", "true"])
        try GitFixture.run(["-C", bare.path, "config", "receive.denyDeletes", "true"])
        try GitFixture.run(["-C", bare.path, "config", "core.logAllRefUpdates", "always"])
        daemon = try await LoopbackGitDaemon(serving: served)
        url = daemon.url("org.git")
        let source = try exampleClone()
        try source.git("push", "-q", url, "main")
        human = base.appendingPathComponent("human")
        try GitFixture.run(["clone", "-q", url, human.path])
    }

    /// git in the served bare repository (what the remote holds).
    @discardableResult
    func remote(_ args: String...) throws -> String {
        try GitFixture.run(["--git-dir=\(bare.path)"] + args)
    }

    /// git in the human's clone.
    @discardableResult
    func humanGit(_ args: String...) throws -> String {
        try GitFixture.run(["-C", human.path] + args)
    }

    /// A file of the remote status branch.
    func statusFile(_ path: String) throws -> String {
        try remote("show", "\(statusBranch):\(path)")
    }

    /// The human renames the research team on main and pushes it; returns the new commit.
    @discardableResult
    func humanRenamesResearch() throws -> String {
        try humanGit("checkout", "-q", "main")
        let file = human.appendingPathComponent("teams/research.yaml")
        let team = try String(contentsOf: file, encoding: .utf8)
        try team.replacingOccurrences(of: "displayName: Research", with: "displayName: Research Lab")
            .write(to: file, atomically: true, encoding: .utf8)
        try humanGit("commit", "-q", "-am", "Rename research")
        try humanGit("push", "-q", "origin", "main")
        return try humanGit("rev-parse", "HEAD")
    }

    /// The human commits `path` on top of the remote status branch and pushes it, plain (no force);
    /// returns the new tip.
    @discardableResult
    func humanPushesToStatus(_ path: String, _ text: String) throws -> String {
        try humanGit("fetch", "-q", "origin", "refs/heads/\(statusBranch)")
        try humanGit("checkout", "-q", "-B", "status-work", "FETCH_HEAD")
        let file = human.appendingPathComponent(path)
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        try text.write(to: file, atomically: true, encoding: .utf8)
        try humanGit("add", "-A")
        try humanGit("commit", "-q", "-m", "human: \(path)")
        try humanGit("push", "-q", "origin", "HEAD:refs/heads/\(statusBranch)")
        return try humanGit("rev-parse", "HEAD")
    }

    /// `rev-list --parents` of the remote status branch, newest first: each row a commit then its parents.
    func statusHistory() throws -> [[String]] {
        try remote("rev-list", "--parents", "refs/heads/\(statusBranch)")
            .split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
    }

    /// Commit subjects of the remote status branch, oldest first.
    func statusSubjects() throws -> [String] {
        try remote("log", "--reverse", "--format=%s", "refs/heads/\(statusBranch)")
            .split(separator: "\n").map(String.init)
    }

    /// Every value the remote status branch has had, oldest first (its reflog).
    func statusRefValues() throws -> [String] {
        try remote("log", "-g", "--format=%H", "refs/heads/\(statusBranch)")
            .split(separator: "\n").map(String.init).reversed()
    }

    func isAncestor(_ a: String, of b: String) -> Bool {
        (try? remote("merge-base", "--is-ancestor", a, b)) != nil
    }

    /// Checks that the status branch is one linear history (one root, every other commit exactly one
    /// parent) and that every update of it was a fast-forward.
    func expectLinearFastForwardHistory(sourceLocation: SourceLocation = #_sourceLocation) throws {
        let history = try statusHistory()
        #expect(!history.isEmpty, sourceLocation: sourceLocation)
        #expect(history.last?.count == 1, "the first commit has no parent: \(history)", sourceLocation: sourceLocation)
        #expect(
            history.dropLast().allSatisfy { $0.count == 2 }, "every later commit has exactly one parent: \(history)",
            sourceLocation: sourceLocation)
        let values = try statusRefValues()
        for (old, new) in zip(values, values.dropFirst()) {
            #expect(isAncestor(old, of: new), "\(old) → \(new) is not a fast-forward", sourceLocation: sourceLocation)
        }
    }

    /// Bootstrap from the remote, then the human's rename and the first reconcile (P-0001 awaiting votes).
    func bootstrapAndPropose(_ charter: CharterBinary) throws {
        let bootstrap = try charter.run(["apply", "--bootstrap", url])
        #expect(bootstrap.status == 0, "\(bootstrap.stderr)")
        #expect(bootstrap.stdout.contains("Bootstrap applied: revision \(try remote("rev-parse", "main"))"))
        try humanRenamesResearch()
        let proposed = try charter.run(["reconcile", "--once", url])
        #expect(proposed.status == 0, "\(proposed.stdout)\(proposed.stderr)")
        #expect(
            proposed.stdout.contains("Reconciling: AwaitingVotes — P-0001 board change: needs 2 more approvals"),
            "\(proposed.stdout)")
    }

    /// `charter vote P-0001 approve --as voter` with the voter's demo key, against the remote.
    func vote(_ voter: String, _ charter: CharterBinary) throws -> CharterBinary.Result {
        try charter.vote(as: voter, on: url)
    }
}

/// The governed loop run by the built `charter` against a remote reached over git:// (`git daemon`),
/// rather than a local path: every read is a fetch and every write-back a compare-and-swap push.
@Suite(.serialized) struct RemoteLoopTests {
    @Test func theGovernedLoopOverGit() async throws {
        let org = try await RemoteOrg()
        defer { org.daemon.stop() }
        let charter = CharterBinary()

        try org.bootstrapAndPropose(charter)
        let watched = try org.remote("rev-parse", "main")
        let status = try org.statusFile("STATUS.md")
        #expect(status.contains("**Reconciling** — AwaitingVotes: P-0001"), "\(status)")
        #expect(try org.statusFile("proposals/P-0001/diff.txt").contains("~ Team/research"))
        #expect(try org.statusSubjects() == ["charter: AwaitingVotes \(watched.prefix(12))"])

        for voter in ["priya", "jonas"] {
            let before = try org.remote("rev-parse", "refs/heads/charter/status")
            let vote = try org.vote(voter, charter)
            #expect(vote.status == 0, "\(vote.stdout)\(vote.stderr)")
            #expect(vote.stdout.contains("Signed and committed votes/P-0001/\(voter)-"), "\(vote.stdout)")
            // One new commit on the remote branch, on top of the previous tip, holding the vote file.
            let history = try org.statusHistory()
            #expect(history.first.map { Array($0.dropFirst()) } == [before])
            #expect(
                try org.remote("log", "-1", "--format=%s", "refs/heads/charter/status")
                    == "vote: \(voter) approves P-0001")
            let votes = try org.remote("ls-tree", "--name-only", "refs/heads/charter/status", "votes/P-0001/")
            #expect(votes.contains("votes/P-0001/\(voter)-"), "\(votes)")
        }

        let applied = try charter.run(["reconcile", "--once", org.url])
        #expect(applied.status == 0, "\(applied.stderr)")
        #expect(applied.stdout.hasPrefix("Ready: Applied — P-0001 applied \(watched.prefix(12))"), "\(applied.stdout)")
        #expect(try org.statusFile("STATUS.md").contains("**Ready** — Applied: P-0001"))
        #expect(try org.statusFile("status.yaml").contains("appliedRevision: \(watched)"))
        #expect(try charter.run(["get", "team", "research", "-o", "json"]).stdout.contains("\"Research Lab\""))

        // The watched branch was never changed by the controller: still the human's commit, two commits deep.
        #expect(try org.remote("rev-parse", "main") == watched)
        #expect(
            try org.remote("log", "--format=%s", "main").split(separator: "\n") == [
                "Rename research", "Northwind Labs",
            ])
        #expect(try org.remote("log", "-g", "--format=%H", "refs/heads/main").split(separator: "\n").count == 2)

        #expect(
            try org.statusSubjects() == [
                "charter: AwaitingVotes \(watched.prefix(12))", "vote: priya approves P-0001",
                "vote: jonas approves P-0001", "charter: Applied \(watched.prefix(12))",
            ])
        try org.expectLinearFastForwardHistory()
        // Four pushes, four fast-forward updates of the remote branch (its reflog records each one).
        #expect(try org.statusRefValues().count == 4)

        let verify = try charter.run(["verify", org.url])
        #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
        #expect(verify.stdout.hasSuffix("Verified.\n"), "\(verify.stdout)")
    }

    @Test(arguments: ["reconcile.after-apply", "writeback.before-commit"])
    func aControllerKilledMidPassOverGitRecoversOnTheNextPass(_ point: String) async throws {
        let org = try await RemoteOrg()
        defer { org.daemon.stop() }
        let charter = CharterBinary()
        try org.bootstrapAndPropose(charter)
        for voter in ["priya", "jonas"] { #expect(try org.vote(voter, charter).status == 0) }

        let killed = try charter.run(["reconcile", "--once", org.url], environment: ["CHARTER_FAILPOINT": point])
        #expect(killed.status == SIGKILL, "\(killed.stdout)\(killed.stderr)")
        let recovered = try charter.run(["reconcile", "--once", org.url])
        #expect(recovered.status == 0, "\(recovered.stderr)")
        #expect(try charter.run(["reconcile", "--once", org.url]).stdout.hasPrefix("Ready: UpToDate"))

        // Applied once, every event on the remote status branch exactly once, verified and rebuildable.
        let log = try charter.run(["log", "-o", "json"])
        let events = try #require(try JSONSerialization.jsonObject(with: Data(log.stdout.utf8)) as? [[String: Any]])
        let types = events.compactMap { $0["type"] as? String }
        #expect(types.filter { $0 == "state.applied" }.count == 1, "\(types)")
        #expect(events.map { $0["seq"] as? Int } == Array(1...events.count).map { $0 })
        let verified = try charter.run(["verify", org.url])
        #expect(verified.status == 0, "\(verified.stdout)")
        #expect(!verified.stdout.contains("not written back yet"), "\(verified.stdout)")
        let rebuilt = try charter.run(["rebuild", org.url, "--into", makeTemporaryDirectory("remote-crash").path])
        #expect(rebuilt.stdout.contains("(equal)"), "\(rebuilt.stdout)\(rebuilt.stderr)")
        // The served repository refuses non-fast-forward pushes, so every write-back built on its tip.
        #expect(try org.statusFile("STATUS.md").contains("**Ready**"))
    }

    @Test func aHumanCommitOnTheStatusBranchIsBuiltOnNotOverwritten() async throws {
        let org = try await RemoteOrg()
        defer { org.daemon.stop() }
        let charter = CharterBinary()
        try org.bootstrapAndPropose(charter)
        for voter in ["priya", "jonas"] {
            let vote = try org.vote(voter, charter)
            #expect(vote.status == 0, "\(vote.stdout)\(vote.stderr)")
        }

        // Between two write-backs, a human pushes an unrelated file to the status branch.
        let note = "Reviewed the research rename in person.\n"
        let humanTip = try org.humanPushesToStatus("notes/human.md", note)

        // The controller fetches, builds on the human's tip and pushes without force.
        let applied = try charter.run(["reconcile", "--once", org.url])
        #expect(applied.status == 0, "\(applied.stdout)\(applied.stderr)")
        #expect(applied.stdout.hasPrefix("Ready: Applied — P-0001 applied"), "\(applied.stdout)")
        let history = try org.statusHistory()
        #expect(
            history.first.map { Array($0.dropFirst()) } == [humanTip], "the write-back's parent is the human's commit")
        #expect(try org.statusFile("notes/human.md") == note.trimmingCharacters(in: .newlines))
        #expect(try org.statusFile("STATUS.md").contains("**Ready** — Applied: P-0001"))

        // Again: a second human commit, then a vote-free pass; the human's files all survive.
        let second = try org.humanPushesToStatus("notes/second.md", "Second note.\n")
        let upToDate = try charter.run(["reconcile", "--once", org.url])
        #expect(upToDate.status == 0, "\(upToDate.stdout)\(upToDate.stderr)")
        #expect(upToDate.stdout.hasPrefix("Ready: UpToDate"), "\(upToDate.stdout)")
        let tip = try org.remote("rev-parse", "refs/heads/charter/status")
        #expect(org.isAncestor(second, of: tip))
        #expect(try org.statusFile("notes/human.md") == note.trimmingCharacters(in: .newlines))
        #expect(try org.statusFile("notes/second.md") == "Second note.")
        try org.expectLinearFastForwardHistory()

        let verify = try charter.run(["verify", org.url])
        #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
    }

    @Test func aWriteBackThatLosesARaceIsRetriedOnTheNewTip() async throws {
        let org = try await RemoteOrg()
        defer { org.daemon.stop() }
        let charter = CharterBinary()
        try org.bootstrapAndPropose(charter)
        for voter in ["priya", "jonas"] {
            let vote = try org.vote(voter, charter)
            #expect(vote.status == 0, "\(vote.stdout)\(vote.stderr)")
        }
        let before = try org.remote("rev-parse", "refs/heads/charter/status")

        // Once, while the controller's push is being received, a racer moves the branch: the push's
        // compare-and-swap fails and the controller must fetch, rebuild on the racer's commit and push again.
        let hook = org.bare.appendingPathComponent("hooks/pre-receive")
        try """
        #!/bin/sh
        [ -e "$GIT_DIR/raced" ] && exit 0
        touch "$GIT_DIR/raced"
        unset GIT_QUARANTINE_PATH GIT_OBJECT_DIRECTORY GIT_ALTERNATE_OBJECT_DIRECTORIES
        tip=$(git rev-parse refs/heads/charter/status) || exit 0
        blob=$(echo racer | git hash-object -w --stdin)
        tree=$( (git ls-tree "$tip"; printf '100644 blob %s\\tracer.md\\n' "$blob") | git mktree)
        export GIT_AUTHOR_NAME=Racer GIT_AUTHOR_EMAIL=racer@example.com
        export GIT_COMMITTER_NAME=Racer GIT_COMMITTER_EMAIL=racer@example.com
        commit=$(echo racer | git commit-tree "$tree" -p "$tip")
        git update-ref refs/heads/charter/status "$commit" "$tip"
        """.write(to: hook, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: hook.path)

        let applied = try charter.run(["reconcile", "--once", org.url])
        #expect(applied.status == 0, "\(applied.stdout)\(applied.stderr)")
        #expect(applied.stdout.hasPrefix("Ready: Applied — P-0001 applied"), "\(applied.stdout)")
        #expect(FileManager.default.fileExists(atPath: org.bare.appendingPathComponent("raced").path))
        let history = try org.statusHistory()
        let racer = try #require(history.dropFirst().first)
        #expect(racer.dropFirst().first == before, "the racer built on the tip the controller had read")
        #expect(try org.remote("log", "-1", "--format=%an", racer[0]) == "Racer")
        #expect(history.first.map { Array($0.dropFirst()) } == [racer[0]], "the write-back builds on the racer")
        #expect(try org.statusFile("racer.md") == "racer")
        #expect(try org.statusFile("STATUS.md").contains("**Ready** — Applied: P-0001"))
        try org.expectLinearFastForwardHistory()
        let verify = try charter.run(["verify", org.url])
        #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
    }

    @Test func credentialsInTheURLNeverAppearInOutput() async throws {
        let secret = "SECRET-TOKEN"
        let charter = CharterBinary()
        let key = GitFixture.exampleRepo.appendingPathComponent("demo-keys/priya").path
        // Nothing listens on port 1: every command fails, and says where it failed without the token.
        let unreachable = "https://user:\(secret)@127.0.0.1:1/org.git"
        let commands: [[String]] = [
            ["validate", unreachable], ["plan", unreachable], ["reconcile", "--once", unreachable],
            ["verify", unreachable], ["vote", "P-0001", "approve", "--as", "priya", "--key", key, unreachable],
        ]
        for args in commands {
            let r = try charter.run(args)
            #expect(r.status == 1, "\(args): \(r.stdout)\(r.stderr)")
            #expect(r.stderr.contains("127.0.0.1"), "\(args): \(r.stderr)")
            #expect(!(r.stdout + r.stderr).contains(secret), "\(args): \(r.stdout)\(r.stderr)")
        }

        // A reachable remote with userinfo in its URL (git daemon ignores it): the successful output
        // names the source, without the token, and the data directory does not keep it either.
        let org = try await RemoteOrg()
        defer { org.daemon.stop() }
        let withUserInfo = "git://user:\(secret)@127.0.0.1:\(org.daemon.port)/org.git"
        for args in [["validate", withUserInfo], ["plan", withUserInfo], ["apply", "--bootstrap", withUserInfo]] {
            let r = try charter.run(args)
            #expect(r.status == 0, "\(args): \(r.stdout)\(r.stderr)")
            #expect(!(r.stdout + r.stderr).contains(secret), "\(args): \(r.stdout)\(r.stderr)")
        }
        let files =
            FileManager.default.enumerator(at: charter.dataDir, includingPropertiesForKeys: nil)?
            .compactMap { $0 as? URL } ?? []
        #expect(!files.isEmpty)
        for file in files {
            guard let data = try? Data(contentsOf: file) else { continue }
            #expect(data.range(of: Data(secret.utf8)) == nil, "\(file.path) holds the token")
        }
    }
}
