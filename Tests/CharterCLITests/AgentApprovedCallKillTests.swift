import CharterTestSupport
import Foundation
import Testing

/// An approved side-effecting call is no different from an allowed one once it has started: the
/// controller killed right after journaling its start does not run it again on the next pass (in
/// a real crash it may already have taken effect); the model is told it was interrupted.
@Suite(.serialized) struct AgentApprovedCallKillTests {
    @Test func anApprovedCallCutOffMidFlightIsReportedNotRepeated() async throws {
        let loop = AgentLoopCLITests()
        let model = try await loop.startModel([
            "turns": [
                ["calls": [["name": "files__write", "arguments": #"{"path":"counter.txt","content":"x\n"}"#]]],
                ["calls": [["name": "files__edit", "arguments": #"{"path":"counter.txt","old":"x","new":"xy"}"#]]],
            ],
            "answer": "done",
        ])
        defer { model.server.stop() }
        let repo = try loop.org(
            port: model.server.port,
            policyTools: """
                    tools:
                      allow: [files.list, files.read, files.search, files.write, files.edit]
                      requireApproval:
                        - tools: [files.edit]
                          board: change

                """)
        let role = try repo.read("roles/reviewer.yaml")
        try repo.write(
            "roles/reviewer.yaml",
            role.replacingOccurrences(of: "files.search, files.write]", with: "files.search, files.write, files.edit]"))
        try repo.commitAll("the reviewer may edit")
        let charter = CharterBinary()
        let key = ["SCRIPTED_KEY": "sk-scripted-4711"]
        #expect(try charter.run(["apply", "--bootstrap", repo.root.path]).status == 0)
        let started = try charter.run(["run", "inspect", "-o", "json"], environment: key)
        #expect(started.status == 3, "\(started.stdout)\(started.stderr)")
        let id = try loop.runID(started.stdout)
        #expect(try charter.run(["reconcile", "--once", repo.root.path], environment: key).status == 0)
        for voter in ["priya", "jonas"] {
            let vote = try charter.vote(as: voter, on: repo.root.path, proposal: "\(id)/review/call_1_0")
            #expect(vote.status == 0, "\(vote.stdout)\(vote.stderr)")
        }
        // The pass resolves the approval and runs the call: killed once its start is journaled.
        let killed = try charter.run(
            ["reconcile", "--once", repo.root.path],
            environment: key.merging(["CHARTER_FAILPOINT": "agent.call-started"]) { $1 })
        #expect(killed.status != 0 && killed.stderr.contains("failpoint agent.call-started"), "\(killed.stderr)")
        #expect(try charter.run(["reconcile", "--once", repo.root.path], environment: key).status == 0)

        let counter = charter.dataDir.appendingPathComponent("workspaces/\(id)/counter.txt")
        #expect(try String(contentsOf: counter, encoding: .utf8) == "x\n", "the approved edit was run again")
        let sent = String(
            decoding: try JSONSerialization.data(withJSONObject: try #require(try model.received().last)), as: UTF8.self
        )
        #expect(sent.contains("interrupted: the controller stopped while `files.edit` was running"), "\(sent)")
        let shown = try charter.run(["show", id])
        #expect(shown.stdout.contains("succeeded"), "\(shown.stdout)")
    }
}
