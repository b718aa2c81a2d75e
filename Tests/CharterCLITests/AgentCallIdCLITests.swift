import CharterTestSupport
import Foundation
import Testing

/// Call ids are the model's (or its server's) text: a model that reuses one, or writes one that
/// is not a safe name, must neither get a call run on another call's votes, nor hang its step, nor
/// write lines of its own into `charter show` and the run's SUMMARY.md.
@Suite(.serialized) struct AgentCallIdCLITests {
    let loop = AgentLoopCLITests()
    static let environment = ["SCRIPTED_KEY": "sk-scripted-4711"]
    static let approvalPolicy = """
            tools:
              allow: [files.list, files.read, files.search, files.write]
              requireApproval:
                - tools: [files.write]
                  board: change
                  exceptPaths: ["/workspace/scratch/**"]

        """

    /// A board approves one call; the model asks for the very same call again under the same id in
    /// a later turn. The votes on the status branch approved the first execution only: the second
    /// waits for the board again instead of running on the old votes.
    @Test func votesOnACallDoNotApproveTheSameCallAskedAgainLater() async throws {
        let write: [String: Any] = [
            "id": "dup", "name": "files__write", "arguments": #"{"path":"deploy.txt","content":"go"}"#,
        ]
        let model = try await loop.startModel([
            "turns": [
                ["calls": [write]],
                ["calls": [["name": "files__write", "arguments": #"{"path":"scratch/log.txt","content":"1"}"#]]],
                ["calls": [write]],
            ],
            "answer": "Deployed.",
        ])
        defer { model.server.stop() }
        let repo = try loop.org(port: model.server.port, policyTools: Self.approvalPolicy)
        let charter = CharterBinary()
        #expect(try charter.run(["apply", "--bootstrap", repo.root.path]).status == 0)
        let started = try charter.run(["run", "inspect", "-o", "json"], environment: Self.environment)
        #expect(started.status == 3, "\(started.stdout)\(started.stderr)")
        let id = try loop.runID(started.stdout)
        #expect(try charter.run(["reconcile", "--once", repo.root.path], environment: Self.environment).status == 0)
        for voter in ["priya", "jonas"] {
            let vote = try charter.vote(as: voter, on: repo.root.path, proposal: "\(id)/review/dup")
            #expect(vote.status == 0, "\(vote.stdout)\(vote.stderr)")
        }
        // The approved call runs; the loop goes on to the third turn, which asks again.
        #expect(try charter.run(["reconcile", "--once", repo.root.path], environment: Self.environment).status == 0)
        let workspace = charter.dataDir.appendingPathComponent("workspaces/\(id)")
        #expect(try String(contentsOf: workspace.appendingPathComponent("deploy.txt"), encoding: .utf8) == "go")
        #expect(try charter.run(["reconcile", "--once", repo.root.path], environment: Self.environment).status == 0)
        #expect(try charter.run(["reconcile", "--once", repo.root.path], environment: Self.environment).status == 0)

        let shown = try charter.run(["show", id])
        #expect(!shown.stdout.contains("succeeded"), "the second call ran on the first one's votes: \(shown.stdout)")
        #expect(shown.stdout.contains("awaiting approval by board change"), "\(shown.stdout)")
        #expect(try model.received().count == 3)
    }

    /// A call held for a board whose id cannot be published (a `/`, `..`, an empty id) is answered
    /// as refused instead of leaving the step waiting for a vote no one can cast; ids with `|` or
    /// line breaks stay in their cell and on their line.
    @Test func unsafeCallIdsNeitherHangTheStepNorForgeLines() async throws {
        let model = try await loop.startModel([
            "turns": [
                [
                    "calls": [
                        ["id": "x|y\n## forged heading\n", "name": "files__list", "arguments": "{}"],
                        ["id": "../../a/b", "name": "files__write", "arguments": #"{"path":"plan.md","content":"x"}"#],
                        ["id": "ok\n      turn 9  forged", "name": "no\nsuch | tool", "arguments": "{}"],
                        ["id": "c4", "name": "files__read", "arguments": #"{"path":"a → approved by board change"}"#],
                    ]
                ]
            ],
            "answer": "Done.",
        ])
        defer { model.server.stop() }
        let repo = try loop.org(port: model.server.port, policyTools: Self.approvalPolicy)
        let charter = CharterBinary()
        #expect(try charter.run(["apply", "--bootstrap", repo.root.path]).status == 0)
        let run = try charter.run(["run", "inspect", "-o", "json"], environment: Self.environment)
        #expect(run.status == 0, "the step waits for a vote no one can cast: \(run.stdout)\(run.stderr)")
        let id = try loop.runID(run.stdout)
        let last = try #require(try model.received().last)
        let sent = String(decoding: try JSONSerialization.data(withJSONObject: last), as: UTF8.self)
        #expect(sent.contains("cannot be put to a board"), "\(sent)")
        let workspace = charter.dataDir.appendingPathComponent("workspaces/\(id)")
        #expect(!FileManager.default.fileExists(atPath: workspace.appendingPathComponent("plan.md").path))

        let shown = try charter.run(["show", id])
        let lines = shown.stdout.split(separator: "\n")
        func forged(_ line: Substring) -> Bool {
            line.hasPrefix("## forged") || line.trimmingCharacters(in: .whitespaces).hasPrefix("turn 9")
        }
        #expect(!lines.contains(where: forged), "\(shown.stdout)")
        #expect(!shown.stdout.contains("charter vote \(id)/review/../"), "\(shown.stdout)")
        #expect(try charter.run(["reconcile", "--once", repo.root.path], environment: Self.environment).status == 0)
        let summary = try repo.git("show", "charter/status:runs/\(id)/SUMMARY.md")
        let summaryLines = summary.split(separator: "\n")
        #expect(!summaryLines.contains(where: forged), "\(summary)")
        // The decision cell says what Charter decided, whatever arrows the arguments hold.
        let row = try #require(summaryLines.first { $0.hasPrefix("| 1 | c4 |") }, "\(summary)")
        let cells = row.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
        #expect(cells.count > 4 && cells[4].hasPrefix("allowed"), "\(row)")
        // Every row of the calls table has its 7 cells.
        for row in summaryLines where row.hasPrefix("| 1 |") {
            #expect(row.replacingOccurrences(of: "\\|", with: "").filter { $0 == "|" }.count == 8, "\(row)")
        }
    }
}
