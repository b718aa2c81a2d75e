import CharterTestSupport
import Foundation
import Testing

/// Tool-using agent steps end to end through the built `charter`, against a scripted model on
/// 127.0.0.1 that speaks the OpenAI and Anthropic wire formats (Tests/Fixtures/agent-model.py):
/// the rules hold whatever the model asks for, and `show`, `logs` and the run's summary say what
/// happened.
@Suite(.serialized) struct AgentLoopCLITests {
    static let model = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/agent-model.py")

    /// The scripted model and where it logs what it was sent.
    struct Model {
        let server: LoopbackServer
        let script: URL
        let requests: URL

        func setScript(_ value: Any) throws {
            try JSONSerialization.data(withJSONObject: value).write(to: script)
        }

        /// The request bodies the model received, in order.
        func received() throws -> [[String: Any]] {
            let text = (try? String(contentsOf: requests, encoding: .utf8)) ?? ""
            return text.split(separator: "\n").compactMap { line in
                (try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])?["body"]
                    as? [String: Any]
            }
        }
    }

    func startModel(_ script: Any) async throws -> Model {
        let port = try LoopbackServer.freePort()
        let base = makeTemporaryDirectory("agent-model")
        let model = Model(
            server: try LoopbackServer(
                "/usr/bin/env",
                [
                    "python3", Self.model.path, String(port), base.appendingPathComponent("script.json").path,
                    base.appendingPathComponent("requests.jsonl").path,
                ], port: port, log: base.appendingPathComponent("model.log")),
            script: base.appendingPathComponent("script.json"), requests: base.appendingPathComponent("requests.jsonl"))
        try model.setScript(script)
        try await model.server.waitUntilListening()
        return model
    }

    /// example-repo with its OpenAI source (or an Anthropic one) on the scripted model, a reviewer
    /// that may use the file tools, a Policy allowing them but denying `files.write`, and a
    /// one-step template whose checkout holds a README planting an instruction.
    func org(port: UInt16, wire: String = "openai", maxTurns: Int = 8, policyTools: String? = nil) throws -> GitFixture
    {
        let repo = try exampleClone()
        let endpoint = wire == "openai" ? "http://127.0.0.1:\(port)/v1" : "http://127.0.0.1:\(port)"
        try repo.write(
            "capacity/sources.yaml",
            """
            apiVersion: charter/v1
            kind: CapacitySource
            metadata:
              name: scripted
            spec:
              provider: \(wire == "openai" ? "openai" : "anthropic")
              class: standard
              endpoint: \(endpoint)
              model: scripted-1
              credential:
                env: SCRIPTED_KEY
              priority: 10
              pricing:
                inputPerMillion: 1.00
                outputPerMillion: 2.00
            """)
        let role = try repo.read("roles/reviewer.yaml")
        try repo.write(
            "roles/reviewer.yaml",
            role.replacingOccurrences(
                of: #"(?m)^  tools: .*$"#, with: "  tools: [files.list, files.read, files.search, files.write]",
                options: .regularExpression))
        // The example policy's own tool rules give way to this test's.
        let policy = try repo.read("policies/change-control.yaml").replacingOccurrences(
            of: #"(?m)^    tools:\n(?:(?:      .*)?\n)*"#, with: "", options: .regularExpression)
        try repo.write(
            "policies/change-control.yaml",
            policy.replacingOccurrences(
                of: "  runRules:\n",
                with: "  runRules:\n"
                    + (policyTools
                        ?? "    tools:\n      allow: [files.list, files.read, files.search, files.write]\n      deny: [files.write]\n")
            ))
        try repo.write(
            "templates/inspect.yaml",
            """
            apiVersion: charter/v1
            kind: Template
            metadata:
              name: inspect
            spec:
              steps:
                - name: review
                  type: agent
                  role: reviewer
                  maxTurns: \(maxTurns)
                  prompt: Look at the workspace and say what it holds.
            """)
        try repo.commitAll("a scripted model and a tool-using template")
        return repo
    }

    static var listThenRead: [String: Any] {
        [
            "turns": [
                ["text": "Let me look.", "calls": [["name": "files__list", "arguments": #"{"path":"."}"#]]],
                [
                    "calls": [
                        ["name": "files__read", "arguments": #"{"path":"notes.md"}"#],
                        ["name": "files__write", "arguments": #"{"path":"owned.txt","content":"x"}"#],
                        ["name": "shell_exec_anything", "arguments": #"{"command":"id"}"#],
                        ["name": "files__read", "arguments": #"{"path": "#],
                    ]
                ],
            ],
            "answer": "The workspace holds notes.md.",
        ]
    }

    @Test(arguments: ["openai", "anthropic"])
    func theModelActsThroughAllowedToolsOnlyAndEveryCallIsRecorded(wire: String) async throws {
        let model = try await startModel(Self.listThenRead)
        defer { model.server.stop() }
        let repo = try org(port: model.server.port, wire: wire)
        let charter = CharterBinary()
        #expect(try charter.run(["apply", "--bootstrap", repo.root.path]).status == 0)
        let run = try charter.run(["run", "inspect", "-o", "json"], environment: ["SCRIPTED_KEY": "sk-scripted-4711"])
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        let id = try runID(run.stdout)

        let requests = try model.received()
        #expect(requests.count == 3, "\(requests)")
        // Only the allowed tools are offered, by their wire names; the denied one is not.
        let offered = try #require(requests.first?["tools"] as? [[String: Any]])
        let names = offered.compactMap {
            ($0["function"] as? [String: Any])?["name"] as? String ?? $0["name"] as? String
        }
        #expect(Set(names) == ["files__list", "files__read", "files__search"], "\(names)")
        // The results reached the model: the listing, then a refusal for each call it may not make.
        let last = try #require(requests.last)
        let sent = String(decoding: try JSONSerialization.data(withJSONObject: last), as: UTF8.self)
        #expect(sent.contains("`files.write` is not allowed for this step"), "\(sent)")
        #expect(sent.contains("no tool named `shell_exec_anything` was offered"), "\(sent)")
        #expect(sent.contains("not valid JSON") || sent.contains("must be a JSON object"), "\(sent)")

        let shown = try charter.run(["show", id])
        #expect(shown.stdout.contains("call_0_0 files.list"), "\(shown.stdout)")
        #expect(shown.stdout.contains("refused: `files.write` is not allowed"), "\(shown.stdout)")
        #expect(shown.stdout.contains("answered: The workspace holds notes.md."), "\(shown.stdout)")
        let logs = try charter.run(["logs", id, "--step", "review"])
        #expect(logs.stdout.contains("agent.turn") && logs.stdout.contains("agent.tool"), "\(logs.stdout)")
        #expect(logs.stdout.contains("tools offered: files.list, files.read, files.search"), "\(logs.stdout)")
        // Nothing the model asked for outside the rules happened.
        let workspace = charter.dataDir.appendingPathComponent("workspaces/\(id)/owned.txt")
        #expect(!FileManager.default.fileExists(atPath: workspace.path))
    }

    @Test func aModelThatNeverStopsEndsAtMaxTurnsWithTheReason() async throws {
        let model = try await startModel(["forever": ["name": "files__list", "arguments": "{}"]])
        defer { model.server.stop() }
        let repo = try org(port: model.server.port, maxTurns: 3)
        let charter = CharterBinary()
        #expect(try charter.run(["apply", "--bootstrap", repo.root.path]).status == 0)
        let run = try charter.run(["run", "inspect", "-o", "json"], environment: ["SCRIPTED_KEY": "sk-scripted-4711"])
        #expect(run.status == 1, "\(run.stdout)\(run.stderr)")
        #expect(try model.received().count == 3)
        let logs = try charter.run(["logs", try runID(run.stdout), "--step", "review"])
        #expect(logs.stdout.contains("reached its maxTurns (3)"), "\(logs.stdout)")
    }

    /// A Policy holds `files.write` outside `scratch/` for the change board: the run waits,
    /// durably, until the board approves that exact call with signed votes; a rejected call is
    /// answered to the model as rejected, and a call under `scratch/` runs at once.
    @Test func aCallNeedingApprovalWaitsForSignedVotesOnThatExactCall() async throws {
        let model = try await startModel([
            "turns": [
                ["calls": [["name": "files__write", "arguments": #"{"path":"plan.md","content":"ship it"}"#]]],
                ["calls": [["name": "files__write", "arguments": #"{"path":"scratch/a.txt","content":"a"}"#]]],
                ["calls": [["name": "files__write", "arguments": #"{"path":"danger.md","content":"no"}"#]]],
            ],
            "answer": "Wrote the plan.",
        ])
        defer { model.server.stop() }
        let repo = try org(
            port: model.server.port,
            policyTools: """
                    tools:
                      allow: [files.list, files.read, files.search, files.write]
                      requireApproval:
                        - tools: [files.write]
                          board: change
                          exceptPaths: ["/workspace/scratch/**"]

                """)
        let charter = CharterBinary()
        let environment = ["SCRIPTED_KEY": "sk-scripted-4711"]
        let bootstrap = try charter.run(["apply", "--bootstrap", repo.root.path])
        #expect(bootstrap.status == 0, "\(bootstrap.stderr)")
        let started = try charter.run(["run", "inspect", "-o", "json"], environment: environment)
        #expect(started.status == 3, "waiting for the board: \(started.stdout)\(started.stderr)")
        let id = try runID(started.stdout)
        let waiting = try charter.run(["show", id])
        #expect(
            waiting.stdout.contains(
                "call_0_0 files.write {\"path\":\"plan.md\",\"content\":\"ship it\"} → awaiting approval by board change"
            ),
            "\(waiting.stdout)")
        #expect(waiting.stdout.contains("charter vote \(id)/review/call_0_0 approve"), "\(waiting.stdout)")
        let workspace = charter.dataDir.appendingPathComponent("workspaces/\(id)")
        #expect(!FileManager.default.fileExists(atPath: workspace.appendingPathComponent("plan.md").path))

        // The pass publishes the request with the call's hash; two members approve.
        #expect(try charter.run(["reconcile", "--once", repo.root.path], environment: environment).status == 0)
        let request = try repo.git("show", "charter/status:runs/\(id)/approvals/review/call_0_0.json")
        #expect(request.contains(#""tool":"files.write""#) && request.contains("ship it"), "\(request)")
        for voter in ["priya", "jonas"] {
            let vote = try charter.vote(as: voter, on: repo.root.path, proposal: "\(id)/review/call_0_0")
            #expect(vote.status == 0, "\(vote.stdout)\(vote.stderr)")
        }
        // Approved: the call runs, the next one (under scratch/) runs at once, the third waits.
        #expect(try charter.run(["reconcile", "--once", repo.root.path], environment: environment).status == 0)
        #expect(try String(contentsOf: workspace.appendingPathComponent("plan.md"), encoding: .utf8) == "ship it")
        #expect(FileManager.default.fileExists(atPath: workspace.appendingPathComponent("scratch/a.txt").path))
        #expect(try charter.run(["reconcile", "--once", repo.root.path], environment: environment).status == 0)
        let vote = try charter.vote(
            as: "lena", on: repo.root.path, decision: "reject", proposal: "\(id)/review/call_2_0")
        #expect(vote.status == 0, "\(vote.stdout)\(vote.stderr)")
        #expect(try charter.run(["reconcile", "--once", repo.root.path], environment: environment).status == 0)

        let shown = try charter.run(["show", id])
        #expect(shown.stdout.contains("succeeded"), "\(shown.stdout)")
        #expect(shown.stdout.contains("→ approved by board change"), "\(shown.stdout)")
        #expect(shown.stdout.contains("→ rejected by board change"), "\(shown.stdout)")
        #expect(!FileManager.default.fileExists(atPath: workspace.appendingPathComponent("danger.md").path))
        let last = try #require(try model.received().last)
        let sent = String(decoding: try JSONSerialization.data(withJSONObject: last), as: UTF8.self)
        #expect(sent.contains("rejected by board change"), "\(sent)")
        let summary = try repo.git("show", "charter/status:runs/\(id)/SUMMARY.md")
        #expect(summary.contains("| 1 | call_0_0 | files.write |"), "\(summary)")
        #expect(try charter.run(["verify", repo.root.path]).status == 0)
    }

    func runID(_ json: String) throws -> String {
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any], "\(json)")
        return try #require(object["id"] as? String, "\(json)")
    }
}
