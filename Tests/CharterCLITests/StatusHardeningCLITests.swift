import CharterTestSupport
import Foundation
import Testing

/// No content wedges the loop, and an idle pass writes nothing — end to end through the built
/// `charter`: crafted entries on the status branch, a proposal branch git cannot merge, a damaged
/// events file, controller settings `validate` refuses, and the Organization's own status branch.
@Suite(.serialized) struct StatusHardeningCLITests {
    /// The scheduler's clock for every pass: no routine of example-repo is due then.
    let quiet = quietClock

    func proposed() throws -> (GitFixture, CharterBinary) { try proposedExample() }

    @Test func votesAndPassesGoOnOverEntriesGitRefuses() throws {
        let (repo, charter) = try proposed()
        for name in ["..", ".", ".git"] {
            try repo.commitCraftedEntry(on: "charter/status", in: "votes/P-0001", named: name)
        }
        for voter in ["priya", "jonas"] {
            let vote = try charter.vote(as: voter, on: repo.root.path)
            #expect(vote.status == 0, "\(vote.stderr)")
        }
        let applied = try charter.run(["reconcile", "--once", repo.root.path, "--now", quiet])
        #expect(applied.status == 0, "\(applied.stdout)\(applied.stderr)")
        #expect(applied.stdout.hasPrefix("Ready: Applied"), "\(applied.stdout)")
        #expect(
            applied.stderr.contains("warning: the status branch holds votes/P-0001/.., ignored"), "\(applied.stderr)")
        let verify = try charter.run(["verify", repo.root.path])
        #expect(verify.status == 1)
        #expect(verify.stdout.contains("FAIL  layout: 3 entries Charter does not write"), "\(verify.stdout)")
        #expect(verify.stdout.contains("votes/P-0001/.git: its name `.git` is one git refuses"))
        #expect(verify.stdout.contains("ok    votes: 2, 0 refused"), "\(verify.stdout)")
    }

    @Test func aProposalBranchGitCannotMergeIsReportedAndSkipped() throws {
        let repo = try exampleClone()
        let charter = CharterBinary()
        #expect(try charter.run(["apply", "--bootstrap", repo.root.path]).status == 0)
        try repo.git("branch", "proposals/evil")
        try repo.commitCraftedEntry(on: "proposals/evil", in: "teams", named: ".git")
        try repo.git("checkout", "-q", "-b", "proposals/good")
        let team = try repo.read("teams/research.yaml")
        try repo.write(
            "teams/research.yaml", team.replacingOccurrences(of: "displayName: Research", with: "displayName: Lab"))
        try repo.commitAll("Rename research")
        try repo.git("checkout", "-q", "main")
        for _ in 0..<2 {
            let pass = try charter.run(["reconcile", "--once", repo.root.path, "--now", quiet])
            #expect(pass.status == 0, "\(pass.stdout)\(pass.stderr)")
            #expect(pass.stdout.hasPrefix("Ready: UpToDate"), "\(pass.stdout)")
            #expect(pass.stdout.contains("proposals/evil: Unreadable — proposals/evil cannot be read or merged"))
            #expect(pass.stdout.contains("proposals/good: AwaitingVotes — P-0001"), "\(pass.stdout)")
        }
        #expect(try repo.git("show", "charter/status:STATUS.md").contains("`proposals/evil`: **Unreadable**"))
    }

    @Test func aDamagedEventsFileStallsThePassAndVerifyAndRebuildNameIt() throws {
        let (repo, charter) = try proposed()
        let files = try repo.git("ls-tree", "-r", "--name-only", "charter/status", "events").split(separator: "\n")
        let newest = String(try #require(files.last))
        // Truncate it with plain git, in a commit of its own.
        let tree = makeTemporaryDirectory("damage").appendingPathComponent("status")
        try repo.git("worktree", "add", "-q", tree.path, "charter/status")
        let file = tree.appendingPathComponent(newest)
        let bytes = try Data(contentsOf: file)
        try bytes.prefix(bytes.count / 2).write(to: file)
        try GitFixture.run(["-C", tree.path, "commit", "-q", "-am", "truncate"])
        try repo.git("worktree", "remove", "--force", tree.path)

        let stalled = try charter.run(["reconcile", "--once", repo.root.path, "--now", quiet])
        #expect(stalled.status == 1)
        #expect(
            stalled.stdout.hasPrefix("Stalled: EventsDamaged — \(newest) on charter/status cannot be read"),
            "\(stalled.stdout)")
        #expect(stalled.stderr.contains("warning: damaged events file \(newest)"), "\(stalled.stderr)")
        let copy = newest.replacingOccurrences(of: ".jsonl.gz", with: ".1.jsonl.gz")
        #expect(try repo.git("show", "charter/status:status.yaml").contains("reason: EventsDamaged"))

        let verify = try charter.run(["verify", repo.root.path])
        #expect(verify.status == 1)
        #expect(verify.stdout.contains("unreadable: \(newest):"), "\(verify.stdout)")
        #expect(verify.stdout.contains("also in \(copy), so the chain does not depend on it"), "\(verify.stdout)")
        #expect(!verify.stdout.contains("chain broken"))

        let rebuilt = try charter.run(["rebuild", repo.root.path, "--into", makeTemporaryDirectory("rebuilt").path])
        #expect(rebuilt.status == 0, "\(rebuilt.stdout)\(rebuilt.stderr)")
        #expect(rebuilt.stdout.contains("(equal)"), "\(rebuilt.stdout)")
        #expect(rebuilt.stderr.contains("note: skipped the damaged events file \(newest)"), "\(rebuilt.stderr)")
    }

    @Test func validateRefusesAStatusBranchOnTheWatchedBranchAndAZeroPollInterval() throws {
        let repo = try exampleClone()
        let org = try repo.read("organization.yaml")
        try repo.write(
            "organization.yaml",
            org.replacingOccurrences(of: "statusBranch: charter/status", with: "statusBranch: main"))
        let result = try CharterBinary().run(["validate", repo.root.path])
        #expect(result.status == 1)
        #expect(
            result.stderr.contains(
                "organization.yaml:13:19: error: Organization/northwind-labs: /spec/controller/statusBranch: the status branch `main` is the watched branch"
            ), "\(result.stderr)")
        try repo.write("organization.yaml", org.replacingOccurrences(of: "pollInterval: 1m", with: "pollInterval: 0s"))
        let zero = try CharterBinary().run(["validate", repo.root.path])
        #expect(zero.status == 1)
        #expect(
            zero.stderr.contains("/spec/controller/pollInterval: `0s` is shorter than the minimum of 1s"),
            "\(zero.stderr)")
        // Bounded by `timeout`: were the flag accepted, the controller would loop until killed.
        let loop = try ProcessRunner.run(
            URL(fileURLWithPath: "/usr/bin/timeout"),
            ["30", CharterBinary.url.path, "controller", repo.root.path, "--interval", "0s"],
            environment: ["CHARTER_DATA_DIR": makeTemporaryDirectory("zero").path, "PATH": "/usr/bin:/bin"])
        #expect(loop.status == 64)
        #expect(loop.stderr.contains("--interval 0s: at least 1s"), "\(loop.stderr)")
    }

    @Test func voteWritesToTheAppliedOrganizationsStatusBranch() throws {
        let repo = try GitFixture(name: "record")
        try repo.copy(from: GitFixture.exampleRepo)
        let org = try repo.read("organization.yaml")
        try repo.write(
            "organization.yaml",
            org.replacingOccurrences(of: "statusBranch: charter/status", with: "statusBranch: governance/record"))
        try repo.commitAll("Northwind Labs")
        let charter = CharterBinary()
        #expect(try charter.run(["apply", "--bootstrap", repo.root.path]).status == 0)
        let team = try repo.read("teams/research.yaml")
        try repo.write(
            "teams/research.yaml", team.replacingOccurrences(of: "displayName: Research", with: "displayName: Lab"))
        try repo.commitAll("Rename research")
        #expect(try charter.run(["reconcile", "--once", repo.root.path, "--now", quiet]).status == 0)
        for voter in ["priya", "jonas"] {
            let vote = try charter.vote(as: voter, on: repo.root.path)
            #expect(vote.status == 0, "\(vote.stderr)")
        }
        #expect(
            try repo.git("ls-tree", "--name-only", "governance/record", "votes/P-0001/").split(separator: "\n").count
                == 2)
        #expect((try? repo.git("rev-parse", "--verify", "-q", "charter/status")) == nil)
        let applied = try charter.run(["reconcile", "--once", repo.root.path, "--now", quiet])
        #expect(applied.stdout.hasPrefix("Ready: Applied"), "\(applied.stdout)\(applied.stderr)")
        #expect(try charter.run(["verify", repo.root.path]).status == 0)
    }

    @Test func twoIdlePassesCommitNothing() throws {
        let (repo, charter) = try proposed()
        let before = try repo.git("rev-parse", "charter/status")
        for _ in 0..<2 {
            let pass = try charter.run(["reconcile", "--once", repo.root.path, "--now", quiet])
            #expect(pass.status == 0, "\(pass.stderr)")
        }
        #expect(try repo.git("rev-parse", "charter/status") == before)
        #expect(try charter.run(["runs"]).stdout.hasPrefix("No runs"), "no routine was due")
    }
}
