import CharterTestSupport
import Foundation
import Testing

/// A git clone of example-repo with one commit.
func exampleClone() throws -> GitFixture {
    let repo = try GitFixture(name: "example")
    try repo.copy(from: GitFixture.exampleRepo)
    try repo.commitAll("Northwind Labs")
    return repo
}

/// A scheduler clock at which no routine of example-repo is due.
let quietClock = "2026-11-25T12:00:00Z"

/// example-repo bootstrapped, Team research renamed "Lab" and committed, and a pass at
/// ``quietClock`` that proposes it as P-0001.
func proposedExample() throws -> (GitFixture, CharterBinary) {
    let repo = try exampleClone()
    let charter = CharterBinary()
    let bootstrap = try charter.run(["apply", "--bootstrap", repo.root.path])
    #expect(bootstrap.status == 0, "\(bootstrap.stderr)")
    let team = try repo.read("teams/research.yaml")
    try repo.write(
        "teams/research.yaml", team.replacingOccurrences(of: "displayName: Research", with: "displayName: Lab"))
    try repo.commitAll("Rename research")
    let pass = try charter.run(["reconcile", "--once", repo.root.path, "--now", quietClock])
    #expect(pass.stdout.hasPrefix("Reconciling: AwaitingVotes — P-0001"), "\(pass.stdout)\(pass.stderr)")
    return (repo, charter)
}

/// Commits the change most CLI tests propose: Team research's displayName becomes "Research Lab".
@discardableResult
func commitResearchRename(_ repo: GitFixture, _ message: String = "Rename research") throws -> String {
    let team = try repo.read("teams/research.yaml")
    try repo.write(
        "teams/research.yaml", team.replacingOccurrences(of: "displayName: Research", with: "displayName: Research Lab")
    )
    return try repo.commitAll(message)
}

@Suite(.serialized) struct CLITests {
    @Test func versionAndHelp() throws {
        let charter = CharterBinary()
        let version = try charter.run(["version"])
        #expect(version.status == 0)
        #expect(version.stdout.hasPrefix("charter "))
        let help = try charter.run(["plan", "--help"])
        #expect(help.status == 0)
        #expect(help.stdout.contains("--detailed-exitcode"))
        #expect(help.stdout.contains("Examples:"))
        let completion = try charter.run(["--generate-completion-script", "bash"])
        #expect(completion.status == 0)
        #expect(completion.stdout.contains("_charter"))
    }

    @Test func validateExampleRepo() throws {
        let r = try CharterBinary().run(["validate", GitFixture.exampleRepo.path])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("valid"))
        let json = try CharterBinary().run(["validate", GitFixture.exampleRepo.path, "-o", "json"])
        let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        #expect(object?["valid"] as? Bool == true)
        #expect((object?["resources"] as? Int ?? 0) >= 30)
    }

    @Test func validateReportsEveryErrorWithLocations() throws {
        let repo = try exampleClone()
        let team = try repo.read("teams/platform.yaml")
        try repo.write("teams/platform.yaml", team.replacingOccurrences(of: "lead:", with: "laed:"))
        try repo.write("teams/bomb.yaml", "a: &a [1, 2]\nb: [*a, *a]\n")
        try repo.write("teams/tabs.yaml", "kind: Team\n\tmetadata: {}\n")
        let r = try CharterBinary().run(["validate", repo.root.path])
        #expect(r.status == 1)
        #expect(r.stdout.isEmpty)
        let lines = r.stderr.split(separator: "\n").map(String.init)
        #expect(lines.contains { $0.hasPrefix("teams/bomb.yaml:1:4: error:") && $0.contains("anchors and aliases") })
        #expect(lines.contains { $0.hasPrefix("teams/platform.yaml:") && $0.contains("did you mean `lead`?") })
        #expect(lines.contains { $0.hasPrefix("teams/tabs.yaml:2:") })
        #expect(lines.last?.contains("errors in") == true)
    }

    @Test func bootstrapThenPlanShowsExactlyTheEditedFile() throws {
        let repo = try exampleClone()
        let charter = CharterBinary()
        let apply = try charter.run(["apply", "--bootstrap", repo.root.path])
        #expect(apply.status == 0, "\(apply.stderr)")
        #expect(apply.stdout.contains("Bootstrap applied: revision \(try repo.git("rev-parse", "HEAD"))"))
        #expect(apply.stdout.contains("by ops@test"))

        let clean = try charter.run(["plan", repo.root.path, "--detailed-exitcode"])
        #expect(clean.status == 0, "\(clean.stderr)")
        #expect(clean.stdout.hasPrefix("No changes."))

        let team = try repo.read("teams/research.yaml")
        try repo.write(
            "teams/research.yaml",
            team.replacingOccurrences(of: "displayName: Research", with: "displayName: Research Lab"))
        let plan = try charter.run(["plan", repo.root.path, "--detailed-exitcode"])
        #expect(plan.status == 2, "\(plan.stderr)")
        #expect(plan.stdout.contains("~ Team/research"))
        #expect(plan.stdout.contains("~ /spec/displayName: \"Research\" → \"Research Lab\""))
        #expect(plan.stdout.contains("Plan: 0 to create, 1 to update, 0 to delete."))
        #expect(!plan.stdout.contains("\u{1B}["), "no color when not on a terminal")

        let json = try charter.run(["plan", repo.root.path, "-o", "json"])
        #expect(json.status == 0)
        let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        let changes = object?["changes"] as? [[String: Any]]
        #expect(changes?.count == 1)
        #expect(changes?.first?["id"] as? String == "Team/research")
        #expect((object?["changeSetHash"] as? String)?.hasPrefix("sha256:") == true)

        // --rev reads the commit, which still matches the applied state.
        let committed = try charter.run(["plan", repo.root.path, "--rev", "HEAD", "--detailed-exitcode"])
        #expect(committed.status == 0)

        let again = try charter.run(["apply", "--bootstrap", repo.root.path])
        #expect(again.status == 1)
        #expect(again.stderr.contains("not empty"))
    }

    @Test func getReadsTheAppliedState() throws {
        let repo = try exampleClone()
        let charter = CharterBinary()
        try charter.run(["apply", "--bootstrap", repo.root.path])
        let table = try charter.run(["get", "teams"])
        #expect(table.status == 0)
        #expect(table.stdout.hasPrefix("NAME"))
        #expect(table.stdout.contains("platform"))
        let yaml = try charter.run(["get", "Board", "exec", "-o", "yaml"])
        #expect(yaml.stdout.hasPrefix("apiVersion: charter/v1\nkind: Board\nmetadata:\n  name: exec\n"))
        let json = try charter.run(["get", "person", "-o", "json"])
        let people = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]]
        #expect((people?.count ?? 0) >= 8)
        let missing = try charter.run(["get", "team", "nope"])
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("Team/nope is not in the applied state"))
        let badKind = try charter.run(["get", "teem"])
        #expect(badKind.status == 64)
        #expect(badKind.stderr.contains("unknown kind `teem`"))
    }

    @Test func yamlFromGetReadsBackToTheSameState() throws {
        let repo = try exampleClone()
        let charter = CharterBinary()
        try charter.run(["apply", "--bootstrap", repo.root.path])
        let out = makeTemporaryDirectory("roundtrip")
        for kind in [
            "organization", "person", "team", "role", "board", "policy", "template", "routine", "capacitysource",
            "notification",
        ] {
            let yaml = try charter.run(["get", kind, "-o", "yaml"])
            try yaml.stdout.write(to: out.appendingPathComponent("\(kind).yaml"), atomically: true, encoding: .utf8)
        }
        let plan = try charter.run(["plan", out.path, "--detailed-exitcode"])
        #expect(plan.status == 0, "\(plan.stdout)\(plan.stderr)")
    }

    @Test func controlCharactersFromTheRepositoryAreEscaped() throws {
        let repo = try exampleClone()
        try repo.write(
            "teams/evil.yaml",
            "apiVersion: charter/v1\nkind: \"Te\\e]0;pwned\\a\\e[2Jam\"\nmetadata: {name: x}\nspec: {}\n")
        let r = try CharterBinary().run(["validate", repo.root.path])
        #expect(r.status == 1)
        #expect(!r.stderr.contains("\u{1B}"))
        #expect(!r.stderr.contains("\u{07}"))
        #expect(r.stderr.contains("\\u{1B}]0;pwned"))
    }

    @Test func runsFromASubdirectoryOfTheRepository() throws {
        let repo = try exampleClone()
        let r = try CharterBinary().run(["validate"], in: repo.root.appendingPathComponent("teams"))
        #expect(r.status == 0, "\(r.stderr)")
    }

    @Test func missingTokenVariableIsARuntimeError() throws {
        let r = try CharterBinary().run(["plan", ".", "--detailed-exitcode", "--token-env", "CHARTER_TEST_UNSET_TOKEN"])
        #expect(r.status == 1)
        #expect(r.stderr.contains("CHARTER_TEST_UNSET_TOKEN"))
    }

    @Test func theGovernedLoopEndToEnd() throws {
        let repo = try exampleClone()
        let charter = CharterBinary()
        try charter.run(["apply", "--bootstrap", repo.root.path])
        try commitResearchRename(repo)

        let proposed = try charter.run(["reconcile", "--once", repo.root.path])
        #expect(proposed.status == 0, "\(proposed.stderr)")
        #expect(proposed.stdout.contains("Reconciling: AwaitingVotes — P-0001 board change: needs 2 more approvals"))
        #expect(try repo.git("show", "charter/status:proposals/P-0001/diff.txt").contains("~ Team/research"))
        let status = try charter.run(["status"])
        #expect(status.stdout.contains("Pending:\n  P-0001 open: board change: needs 2 more approvals"))

        // A non-member's signed vote is committed but never counts.
        let outsider = try charter.vote(as: "maria", on: repo.root.path)
        #expect(outsider.status == 0, "\(outsider.stderr)")
        for voter in ["priya", "jonas"] {
            let vote = try charter.vote(as: voter, on: repo.root.path)
            #expect(vote.status == 0, "\(vote.stderr)")
        }
        let applied = try charter.run(["reconcile", "--once", repo.root.path])
        #expect(applied.stdout.hasPrefix("Ready: Applied — P-0001 applied"))
        let show = try charter.run(["show", "P-0001"])
        #expect(show.stdout.contains("maria approve (refused: maria is not a member of board change)"))
        #expect(show.stdout.contains("change: approved — approved by jonas, priya"))
        #expect(try charter.run(["get", "team", "research", "-o", "json"]).stdout.contains("\"Research Lab\""))
        let statusFile = try repo.git("show", "charter/status:status.yaml")
        #expect(statusFile.contains("appliedRevision: \(try repo.git("rev-parse", "main"))"))
        #expect(try charter.run(["status"]).stdout.contains("Pending: none"))
        // The watched branch was never touched by the controller.
        #expect(try repo.git("log", "--format=%s", "main").split(separator: "\n").count == 2)
    }

    @Test func applyWithoutBootstrapIsAUsageError() throws {
        let r = try CharterBinary().run(["apply", "."])
        #expect(r.status == 64)
        #expect(r.stderr.contains("--bootstrap"))
    }

    @Test func errorsGoToStderrWithExitOne() throws {
        let r = try CharterBinary().run(["plan", "/nonexistent/org"])
        #expect(r.status == 1)
        #expect(r.stderr.contains("/nonexistent/org: no such directory"))
        let bad = try CharterBinary().run(["plan", "--rev", "nope", try exampleClone().root.path])
        #expect(bad.status == 1)
        #expect(bad.stderr.contains("nope"))
    }

    @Test func schemaCommandPrintsAKindSchema() throws {
        let r = try CharterBinary().run(["schema", "team"])
        #expect(r.status == 0)
        let object = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
        #expect(object?["$schema"] as? String == "https://json-schema.org/draft/2020-12/schema")
    }
}
