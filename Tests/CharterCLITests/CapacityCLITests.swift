import CharterTestSupport
import Foundation
import Testing

/// Agent steps through the capacity broker to a real OpenAI-compatible HTTP server on 127.0.0.1,
/// with the key from an environment variable; `charter cost` reports what was spent.
@Suite(.serialized) struct CapacityCLITests {
    static let stub = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/openai-stub.py")
    static let key = "sk-test-SECRET-4711"

    /// example-repo whose OpenAI source points at `endpoint`, with a one-step agent template.
    func org(endpoint: String) throws -> GitFixture {
        let repo = try exampleClone()
        let sources = try repo.read("capacity/sources.yaml")
        try repo.write(
            "capacity/sources.yaml",
            sources.replacingOccurrences(of: "https://api.openai.com/v1", with: endpoint)
                .replacingOccurrences(of: "env: OPENAI_API_KEY", with: "env: STUB_OPENAI_KEY"))
        try repo.write(
            "templates/ask.yaml",
            """
            apiVersion: charter/v1
            kind: Template
            metadata:
              name: ask
            spec:
              steps:
                - name: answer
                  type: agent
                  role: scribe
                  prompt: Summarize the week for the research team please.
            """)
        try repo.commitAll("stub endpoint")
        return repo
    }

    @Test func agentStepsCallTheConfiguredEndpointAndCostIsRecorded() async throws {
        let port = try LoopbackServer.freePort()
        let base = makeTemporaryDirectory("openai-stub")
        let requests = base.appendingPathComponent("requests.jsonl")
        let server = try LoopbackServer(
            "/usr/bin/env", ["python3", Self.stub.path, String(port), Self.key, requests.path], port: port,
            log: base.appendingPathComponent("stub.log"))
        defer { server.stop() }
        try await server.waitUntilListening()

        let repo = try org(endpoint: "http://127.0.0.1:\(port)/v1")
        let charter = CharterBinary()
        #expect(try charter.run(["apply", "--bootstrap", repo.root.path]).status == 0)
        let run = try charter.run(["run", "ask", "-o", "json"], environment: ["STUB_OPENAI_KEY": Self.key])
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        let logged = try String(contentsOf: requests, encoding: .utf8)
        #expect(logged.contains("\"authorized\": true"), "\(logged)")
        #expect(logged.contains("\"model\": \"gpt-4o\""))

        let cost = try charter.run(["cost", "--by", "source", "-o", "json"])
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(cost.stdout.utf8)) as? [[String: Any]])
        let openai = try #require(rows.first { $0["source"] as? String == "openai-gpt4o" }, "\(cost.stdout)")
        #expect(openai["calls"] as? Int == 1)
        #expect(openai["inputTokens"] as? Int == 120)
        #expect(openai["outputTokens"] as? Int == 30)
        #expect(openai["cachedInputTokens"] as? Int == 20)
        // 100 uncached × $2.50 + 20 cached × $1.25 + 30 output × $10.00, per million tokens.
        #expect(openai["costMicroUSD"] as? Int == 575, "\(openai)")
        // The step's event carries what the call used, where it ran and what it cost.
        let events = try charter.run(["logs", try runID(run.stdout), "--step", "answer", "-o", "json"])
        let succeeded = try #require(
            events.stdout.split(separator: "\n").compactMap { line in
                try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            }.first { $0["type"] as? String == "step.succeeded" }, "\(events.stdout)")
        let usage = try #require((succeeded["data"] as? [String: Any])?["usage"] as? [String: Any], "\(succeeded)")
        #expect(usage["source"] as? String == "openai-gpt4o")
        #expect(usage["costMicroUSD"] as? Int == 575)
        #expect(usage["input"] as? Int == 120)
        #expect(usage["cachedInput"] as? Int == 20)
        // The run's summary adds it up, for `charter show` and the status branch.
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        let total = try #require(summary["usage"] as? [String: Any], "\(run.stdout)")
        #expect(total["costMicroUSD"] as? Int == 575)
        #expect(total["sources"] as? [String] == ["openai-gpt4o (gpt-4o)"])
        let shown = try charter.run(["show", try runID(run.stdout)])
        #expect(shown.stdout.contains("LLM usage: 150 tokens, $0.000575 (openai-gpt4o (gpt-4o))"), "\(shown.stdout)")
        let byRole = try charter.run(["cost", "--by", "role"])
        #expect(byRole.stdout.contains("scribe"), "\(byRole.stdout)")
        #expect(byRole.stdout.contains("$0.000575"), "\(byRole.stdout)")

        // The key is never written anywhere Charter writes: output, the data directory.
        for text in [run.stdout, run.stderr, cost.stdout, byRole.stdout] { #expect(!text.contains(Self.key)) }
        let grep = try ProcessRunner.run(
            URL(fileURLWithPath: "/bin/grep"), ["-r", "-a", "-l", Self.key, charter.dataDir.path])
        #expect(grep.stdout.isEmpty, "the key leaked into \(grep.stdout)")
    }

    @Test func withoutItsKeyTheSourceIsLeftOutAndTheOfflineProviderAnswersSayingSo() throws {
        let repo = try org(endpoint: "http://127.0.0.1:9/v1")
        let charter = CharterBinary()
        #expect(try charter.run(["apply", "--bootstrap", repo.root.path]).status == 0)
        let run = try charter.run(["run", "ask", "-o", "json"], environment: ["STUB_OPENAI_KEY": ""])
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        #expect(run.stderr.contains("capacity source openai-gpt4o is left out"), "\(run.stderr)")
        #expect(run.stderr.contains("STUB_OPENAI_KEY"), "the note names the variable: \(run.stderr)")
        let cost = try charter.run(["cost", "--by", "source"])
        #expect(cost.stdout.contains("offline-fallback"), "\(cost.stdout)")
        #expect(cost.stdout.contains("$0.000000"), "\(cost.stdout)")
    }

    /// A Routine's `budget` holds for that routine's runs only; the same template run on demand is
    /// not charged to it.
    @Test func aRoutineBudgetFailsItsAgentStepWithABudgetError() throws {
        let repo = try org(endpoint: "http://127.0.0.1:9/v1")
        try repo.write(
            "routines/weekly-ask.yaml",
            """
            apiVersion: charter/v1
            kind: Routine
            metadata:
              name: weekly-ask
            spec:
              schedule: "0 9 * * MON"
              template: ask
              budget:
                tokensPerDay: 50
            """)
        try repo.commitAll("a routine with a tiny budget")
        let charter = CharterBinary()
        #expect(try charter.run(["apply", "--bootstrap", repo.root.path]).status == 0)
        let refused = try charter.run(["run", "--routine", "weekly-ask", "-o", "json"])
        #expect(refused.status == 1, "\(refused.stdout)\(refused.stderr)")
        let logs = try charter.run(["logs", try runID(refused.stdout)])
        #expect(logs.stdout.contains("the token budget of routine `weekly-ask`"), "\(logs.stdout)")
        // The failure event names the budget in fields a machine can read.
        #expect(
            logs.stdout.contains(#""budget":{"day":"#) && logs.stdout.contains(#""limit":50"#)
                && logs.stdout.contains(#""scope":{"routine":"weekly-ask"}"#), "\(logs.stdout)")
        let onDemand = try charter.run(["run", "ask", "-o", "json"])
        #expect(onDemand.status == 0, "\(onDemand.stdout)\(onDemand.stderr)")
        // The refusal is in the ledger, with nothing spent.
        let cost = try charter.run(["cost", "--by", "routine", "-o", "json"])
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(cost.stdout.utf8)) as? [[String: Any]])
        let weekly = try #require(rows.first { $0["routine"] as? String == "weekly-ask" }, "\(cost.stdout)")
        #expect(weekly["refused"] as? Int == 1, "\(weekly)")
        #expect(weekly["costMicroUSD"] as? Int == 0)
    }

    /// A Policy's `runRules.budget` is the organization's: every agent step is charged to it.
    @Test func aPolicyRunBudgetCapsTheWholeOrganization() throws {
        let repo = try org(endpoint: "http://127.0.0.1:9/v1")
        let policy = try repo.read("policies/change-control.yaml")
        try repo.write(
            "policies/change-control.yaml",
            policy.replacingOccurrences(of: "tokensPerDay: 10000000", with: "tokensPerDay: 40"))
        try repo.commitAll("a tiny organization budget")
        let charter = CharterBinary()
        #expect(try charter.run(["apply", "--bootstrap", repo.root.path]).status == 0)
        let refused = try charter.run(["run", "ask", "-o", "json"])
        #expect(refused.status == 1, "\(refused.stdout)\(refused.stderr)")
        let logs = try charter.run(["logs", try runID(refused.stdout)])
        #expect(logs.stdout.contains("the token budget of the organization"), "\(logs.stdout)")
    }

    func runID(_ json: String) throws -> String {
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any], "\(json)")
        return try #require(object["id"] as? String, "\(json)")
    }
}
