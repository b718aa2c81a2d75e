import CharterTestSupport
import Foundation
import Testing

/// A turn's calls are bounded: a model (or a server speaking for one) that answers with thousands
/// of calls in one turn — each reading up to the result limit into the controller's memory and the
/// next request — gets the first 64 run and the rest refused.
@Suite(.serialized) struct AgentCallsPerTurnCLITests {
    @Test func callsBeyondTheLimitOfATurnAreRefusedNotRun() async throws {
        let loop = AgentLoopCLITests()
        let calls = (0..<70).map { i in
            ["name": "files__write", "arguments": #"{"path":"scratch/f\#(i).txt","content":"x"}"#]
        }
        let model = try await loop.startModel(["turns": [["calls": calls]], "answer": "done"])
        defer { model.server.stop() }
        let repo = try loop.org(
            port: model.server.port,
            policyTools: "    tools:\n      allow: [files.list, files.read, files.search, files.write]\n")
        let charter = CharterBinary()
        let key = ["SCRIPTED_KEY": "sk-scripted-4711"]
        #expect(try charter.run(["apply", "--bootstrap", repo.root.path]).status == 0)
        let run = try charter.run(["run", "inspect", "-o", "json"], environment: key)
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        let id = try loop.runID(run.stdout)
        let scratch = charter.dataDir.appendingPathComponent("workspaces/\(id)/scratch")
        let written = (try? FileManager.default.contentsOfDirectory(atPath: scratch.path)) ?? []
        #expect(written.count == 64, "\(written.count) calls of one turn ran")
        #expect(!written.contains("f64.txt") && written.contains("f63.txt"))
        let sent = String(
            decoding: try JSONSerialization.data(withJSONObject: try #require(try model.received().last)), as: UTF8.self
        )
        #expect(sent.components(separatedBy: "only the first 64 calls of a turn are run").count == 7, "\(sent)")
    }
}
