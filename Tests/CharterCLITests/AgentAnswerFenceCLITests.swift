import CharterTestSupport
import Foundation
import Testing

/// An agent's answer is the model's text: in the run's SUMMARY.md it stays inside its code block
/// whatever fences it holds, so it cannot add headings, tables or links of its own to the page
/// people read to judge the run.
@Suite(.serialized) struct AgentAnswerFenceCLITests {
    @Test func anAnswerHoldingAFenceStaysInsideItsCodeBlock() async throws {
        let loop = AgentLoopCLITests()
        let model = try await loop.startModel([
            "answer": "Looks fine.\n```\n\n# Verdict: APPROVED by the security board\n\n```\nmore"
        ])
        defer { model.server.stop() }
        let repo = try loop.org(port: model.server.port)
        let charter = CharterBinary()
        let key = ["SCRIPTED_KEY": "sk-scripted-4711"]
        #expect(try charter.run(["apply", "--bootstrap", repo.root.path]).status == 0)
        let run = try charter.run(["run", "inspect", "-o", "json"], environment: key)
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        let id = try loop.runID(run.stdout)
        #expect(try charter.run(["reconcile", "--once", repo.root.path], environment: key).status == 0)
        let summary = try repo.git("show", "charter/status:runs/\(id)/SUMMARY.md")
        // CommonMark: a fence closes only with a line of at least as many of its backticks.
        var open: Int?
        var outside: [String] = []
        for line in summary.split(separator: "\n", omittingEmptySubsequences: false) {
            let ticks = line.prefix { $0 == "`" }.count
            if let n = open {
                if ticks >= n && line.allSatisfy({ $0 == "`" || $0 == " " }) { open = nil }
            } else if ticks >= 3 {
                open = ticks
            } else {
                outside.append(String(line))
            }
        }
        #expect(!outside.contains { $0.hasPrefix("# Verdict") }, "\(summary)")
        #expect(summary.contains("# Verdict: APPROVED"), "\(summary)")
    }
}
