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
}
