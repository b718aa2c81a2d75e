import CharterTestSupport
import Foundation
import Testing

/// `charter log` and `charter verify` after the governed loop on example-repo.
@Suite(.serialized) struct VerifyCLITests {
    /// Bootstrap, a committed edit, a proposal, two members' signed votes and the apply.
    func governedLoop() throws -> (GitFixture, CharterBinary) {
        let repo = try exampleClone()
        let charter = CharterBinary()
        let bootstrap = try charter.run(["apply", "--bootstrap", repo.root.path])
        #expect(bootstrap.status == 0, "\(bootstrap.stderr)")
        try commitResearchRename(repo)
        let proposed = try charter.run(["reconcile", "--once", repo.root.path])
        #expect(proposed.status == 0, "\(proposed.stderr)")
        for voter in ["priya", "jonas"] {
            let vote = try charter.vote(as: voter, on: repo.root.path)
            #expect(vote.status == 0, "\(vote.stderr)")
        }
        let applied = try charter.run(["reconcile", "--once", repo.root.path])
        #expect(applied.stdout.hasPrefix("Ready: Applied"), "\(applied.stdout)\(applied.stderr)")
        return (repo, charter)
    }

    func eventFiles(_ repo: GitFixture) throws -> [String] {
        try repo.git("ls-tree", "-r", "--name-only", "charter/status", "events").split(separator: "\n").map(String.init)
    }

    @Test func logShowsTheLoopsEvents() throws {
        let (_, charter) = try governedLoop()
        let log = try charter.run(["log"])
        #expect(log.status == 0, "\(log.stderr)")
        let types = log.stdout.split(separator: "\n").map {
            $0.split(separator: " ", omittingEmptySubsequences: true)[2]
        }
        for type in ["state.bootstrapped", "proposal.created", "vote.accepted", "state.applied"] {
            #expect(types.contains(Substring(type)), "\(log.stdout)")
        }
        #expect(types.first == "state.bootstrapped")
        #expect(log.stdout.hasPrefix("1  "))

        let json = try charter.run(["log", "--since", "1", "-o", "json"])
        let events = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]])
        #expect(events.first?["seq"] as? Int == 2)
        #expect(events.allSatisfy { ($0["hash"] as? String)?.count == 64 })
        #expect(try charter.run(["log", "--since", "2999-01-01"]).stdout == "No events since 2999-01-01.\n")
        #expect(try charter.run(["log", "--since", "yesterday"]).status == 64)
    }

    @Test func verifyPassesAfterTheLoopAndFailsOnATamperedEventsFile() throws {
        let (repo, charter) = try governedLoop()
        let files = try eventFiles(repo)
        // The first write-back holds state.bootstrapped and proposal.created, the second the rest.
        #expect(files.count == 2, "\(files)")
        let verified = try charter.run(["verify", repo.root.path])
        #expect(verified.status == 0, "\(verified.stdout)\(verified.stderr)")
        #expect(verified.stdout.contains("Verified."))
        #expect(verified.stdout.contains("votes: 2, 0 refused"))
        let json = try charter.run(["verify", repo.root.path, "-o", "json"])
        let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        #expect(object?["ok"] as? Bool == true)

        // Rewrite proposal.created (seq 2) in its events file on the status branch with plain git.
        let target = try #require(files.first { $0.hasSuffix("-000000000002.jsonl.gz") })
        let tree = makeTemporaryDirectory("tamper").appendingPathComponent("status")
        try repo.git("worktree", "add", "-q", tree.path, "charter/status")
        let file = tree.appendingPathComponent(target)
        let plain = try ProcessRunner.run(URL(fileURLWithPath: "/bin/gzip"), ["-dc", file.path])
        #expect(plain.stdout.contains("proposal.created"))
        let forged = tree.appendingPathComponent("forged.jsonl")
        var lines = plain.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 2 && lines[1].contains("\"seq\":2"))
        lines[1] = lines[1].replacingOccurrences(of: "\"actor\":\"ops@test\"", with: "\"actor\":\"mallory\"")
        try (lines.joined(separator: "\n") + "\n").write(to: forged, atomically: true, encoding: .utf8)
        let packed = try ProcessRunner.run(URL(fileURLWithPath: "/bin/gzip"), ["-n", "-f", forged.path])
        #expect(packed.status == 0, "\(packed.stderr)")
        try FileManager.default.removeItem(at: file)
        try FileManager.default.moveItem(at: tree.appendingPathComponent("forged.jsonl.gz"), to: file)
        try GitFixture.run(["-C", tree.path, "commit", "-q", "-am", "tamper"])

        let broken = try charter.run(["verify", repo.root.path])
        #expect(broken.status == 1)
        #expect(broken.stdout.contains("chain broken at seq 2 in \(target)"), "\(broken.stdout)")
        #expect(broken.stdout.contains("Verification FAILED."))
    }

    @Test func verifyReportsAForgedVote() throws {
        let (repo, charter) = try governedLoop()
        // maria signs as priya: committed like any vote, refused by verify.
        let maria = GitFixture.exampleRepo.appendingPathComponent("demo-keys/maria").path
        let forged = try charter.run(["vote", "P-0001", "reject", "--as", "priya", "--key", maria, repo.root.path])
        #expect(forged.status == 0, "\(forged.stderr)")
        let result = try charter.run(["verify", repo.root.path])
        #expect(result.status == 1)
        // (Within the same second it replaces priya's own vote file, which has the same path.)
        #expect(result.stdout.contains(", 1 refused"), "\(result.stdout)")
        #expect(result.stdout.contains("refused votes/P-0001/priya-"))
        #expect(result.stdout.contains("signature by priya does not verify"))
        let json = try charter.run(["verify", repo.root.path, "-o", "json"])
        let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        let votes = object?["votes"] as? [String: Any]
        #expect((votes?["refused"] as? [Any])?.count == 1)
        #expect(object?["ok"] as? Bool == false)
    }

    @Test func rebuildFromTheStatusBranchEqualsTheLiveStore() throws {
        let (repo, charter) = try governedLoop()
        let blobs = try repo.git("ls-tree", "-r", "--name-only", "charter/status", "blobs")
        #expect(!blobs.isEmpty, "the apply events' change sets are published as blobs")

        let into = makeTemporaryDirectory("rebuilt")
        let rebuilt = try charter.run(["rebuild", repo.root.path, "--into", into.path, "-o", "json"])
        #expect(rebuilt.status == 0, "\(rebuilt.stdout)\(rebuilt.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(rebuilt.stdout.utf8)) as? [String: Any])
        #expect(object["equal"] as? Bool == true)
        #expect(object["resources"] as? Int == 42)
        #expect(object["applies"] as? Int == 2)
        #expect(object["proposals"] as? Int == 1)
        #expect((object["stateHash"] as? String)?.hasPrefix("sha256:") == true)
        #expect(object["stateHash"] as? String == object["liveStateHash"] as? String)

        // The rebuilt store serves the read commands like the live one.
        let rebuiltCharter = CharterBinary(dataDir: into)
        let live = try charter.run(["show", "P-0001", "-o", "json"])
        let fromGit = try rebuiltCharter.run(["show", "P-0001", "-o", "json"])
        #expect(fromGit.status == 0, "\(fromGit.stderr)")
        #expect(fromGit.stdout == live.stdout)
        #expect(try rebuiltCharter.run(["get", "teams", "research", "-o", "json"]).stdout.contains("Research Lab"))
        #expect(try rebuiltCharter.run(["log"]).stdout == (try charter.run(["log"])).stdout)
        // Rebuilding into a directory that already holds a store is refused.
        let again = try charter.run(["rebuild", repo.root.path, "--into", into.path])
        #expect(again.status != 0)
        #expect(again.stderr.contains("already holds a store"))
    }

    @Test func rebuildRefusesABranchWithoutTheChangeSetBlobs() throws {
        let (repo, charter) = try governedLoop()
        let tree = makeTemporaryDirectory("strip").appendingPathComponent("status")
        try repo.git("worktree", "add", "-q", tree.path, "charter/status")
        try GitFixture.run(["-C", tree.path, "rm", "-q", "-r", "blobs"])
        try GitFixture.run(["-C", tree.path, "commit", "-q", "-m", "drop blobs"])
        let result = try charter.run(["rebuild", repo.root.path, "--into", makeTemporaryDirectory("none").path])
        #expect(result.status == 1)
        #expect(result.stderr.contains("which the status branch lacks"), "\(result.stderr)")
    }

    @Test func revertPreparesAProposalBranchThatIsVotedMergedAndApplied() throws {
        let (repo, charter) = try governedLoop()
        #expect(try charter.run(["revert", "P-0009", repo.root.path]).stderr.contains("no proposal P-0009"))
        let prepared = try charter.run(["revert", "P-0001", "--as", "tomasz", repo.root.path])
        #expect(prepared.status == 0, "\(prepared.stderr)")
        #expect(prepared.stdout.contains("Prepared proposals/revert-p-0001"))
        #expect(prepared.stdout.contains("teams/research.yaml"))
        #expect(try repo.git("log", "-1", "--format=%an", "proposals/revert-p-0001") == "Tomasz Kowalski")
        // A second revert of the same proposal would collide with the branch.
        #expect(try charter.run(["revert", "P-0001", repo.root.path]).stderr.contains("already exists"))

        let proposed = try charter.run(["reconcile", "--once", repo.root.path])
        #expect(proposed.stdout.contains("proposals/revert-p-0001: AwaitingVotes"), "\(proposed.stdout)")
        // tomasz authored the revert, so his approval is refused; priya's and jonas's count.
        #expect(try charter.vote(as: "tomasz", on: repo.root.path, proposal: "P-0002").status == 0)
        #expect(try charter.run(["reconcile", "--once", repo.root.path]).stdout.contains("AwaitingVotes"))
        for voter in ["priya", "jonas"] {
            #expect(try charter.vote(as: voter, on: repo.root.path, proposal: "P-0002").status == 0)
        }
        let merged = try charter.run(["reconcile", "--once", repo.root.path])
        #expect(merged.stdout.contains("proposals/revert-p-0001: Merged"), "\(merged.stdout)")
        #expect(try repo.git("show", "main:teams/research.yaml").contains("displayName: Research\n"))
        let team = try charter.run(["get", "teams", "research", "-o", "json"])
        #expect(team.stdout.contains("\"Research\""), "\(team.stdout)")
        let shown = try charter.run(["show", "P-0002", "-o", "json"])
        #expect(shown.stdout.contains("\"tomasz\""), "tomasz is listed as ineligible: \(shown.stdout)")
        #expect(try charter.run(["verify", repo.root.path]).status == 0)
    }

    @Test func verifyWithoutAStatusBranchFails() throws {
        let repo = try exampleClone()
        let result = try CharterBinary().run(["verify", repo.root.path])
        #expect(result.status == 1)
        #expect(result.stdout.contains("no status branch charter/status"))
    }
}
