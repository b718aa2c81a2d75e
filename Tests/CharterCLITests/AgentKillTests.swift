import CharterFoundation
import CharterTestSupport
import Foundation
import Testing

/// A real `charter` SIGKILLed at random instants in the middle of an agent's tool loop: after the
/// next passes the step finishes, no finished tool call ran twice, a side-effecting call cut off
/// mid-flight is reported to the model as interrupted instead of being repeated, and the model sees
/// one continuous conversation.
@Suite(.serialized) struct AgentKillTests {
    static let edits = 10

    @Test func killsMidLoopNeverRepeatAFinishedCall() async throws {
        let seed = UInt64(ProcessInfo.processInfo.environment["CHARTER_KILL_SEED"] ?? "") ?? 20_261_205
        var rng = SeededGenerator(seed: seed)
        let loop = AgentLoopCLITests()
        // Each edit inserts one `b` line after the `a` line, so the file counts executions.
        let edit = #"{"path":"counter.txt","old":"a\n","new":"a\nb\n"}"#
        var turns: [[String: Any]] = [
            ["calls": [["name": "files__write", "arguments": #"{"path":"counter.txt","content":"a\n"}"#]]]
        ]
        for _ in 0..<Self.edits { turns.append(["calls": [["name": "files__edit", "arguments": edit]]]) }
        let model = try await loop.startModel(["turns": turns, "answer": "done", "delayMs": 40])
        defer { model.server.stop() }
        let repo = try editingOrg(loop, port: model.server.port, maxTurns: 20)
        let charter = CharterBinary()
        var environment = charter.environment
        environment["SCRIPTED_KEY"] = "sk-scripted-4711"
        #expect(try charter.run(["apply", "--bootstrap", repo.root.path]).status == 0)

        var kills = 0
        var id: String?
        for attempt in 0..<12 {
            let args = id == nil ? ["run", "inspect"] : ["reconcile", "--once", repo.root.path]
            let delay = Duration.milliseconds(Int(rng.next() % 400))
            let outcome = try KillableProcess.run(CharterBinary.url, args, environment: environment, killAfter: delay)
            if outcome.killed { kills += 1 }
            if id == nil {
                let listed = try charter.run(["runs", "-o", "json"], environment: environment).stdout
                let runs = try? JSONSerialization.jsonObject(with: Data(listed.utf8)) as? [[String: Any]]
                id = runs?.first?["id"] as? String
            }
            if let id, try state(of: id, charter, environment) == "succeeded" { break }
            _ = attempt
        }
        let run = try #require(id, "seed \(seed): the run was never created")
        for _ in 0..<3 where try state(of: run, charter, environment) != "succeeded" {
            _ = try charter.run(["reconcile", "--once", repo.root.path], environment: environment)
        }
        #expect(try state(of: run, charter, environment) == "succeeded", "seed \(seed)")

        let shown = try #require(
            try JSONSerialization.jsonObject(
                with: Data(try charter.run(["show", run, "-o", "json"], environment: environment).stdout.utf8))
                as? [String: Any])
        let step = try #require((shown["steps"] as? [[String: Any]])?.first { $0["name"] as? String == "review" })
        let calls = (step["agent"] as? [[String: Any]] ?? []).flatMap { $0["calls"] as? [[String: Any]] ?? [] }
        let editCalls = calls.filter { $0["tool"] as? String == "files.edit" }
        let succeeded = editCalls.filter { ($0["result"] as? String)?.hasPrefix("edited") == true }.count
        let interrupted = editCalls.filter { ($0["result"] as? String)?.hasPrefix("interrupted:") == true }.count
        let workspace = charter.dataDir.appendingPathComponent("workspaces/\(run)/counter.txt")
        let executed = try String(contentsOf: workspace, encoding: .utf8).split(separator: "\n").filter { $0 == "b" }
            .count
        let context =
            "seed \(seed), \(kills) kills: \(succeeded) edits succeeded, \(interrupted) interrupted, \(executed) ran"
        #expect(editCalls.count == Self.edits, "\(context)")
        // Every finished edit ran once; an interrupted one ran at most once, and was not repeated.
        #expect(executed >= succeeded && executed <= succeeded + interrupted, "\(context)")
        #expect(Set(calls.compactMap { $0["id"] as? String }).count == calls.count, "\(context)")
        // The model saw one conversation growing by whole turns, whatever was killed when.
        let last = try #require(try model.received().last)
        let messages = last["messages"] as? [[String: Any]] ?? []
        #expect(messages.filter { $0["role"] as? String == "assistant" }.count == Self.edits + 1, "\(context)")
        #expect(messages.filter { $0["role"] as? String == "tool" }.count == Self.edits + 1, "\(context)")
        print("agent kill test: \(context)")
    }

    /// Killed right after a side-effecting call was journaled as started: the next pass does not
    /// run it again; the model is told it was interrupted and decides what to do.
    @Test func aSideEffectingCallCutOffMidFlightIsReportedNotRepeated() async throws {
        let loop = AgentLoopCLITests()
        let model = try await loop.startModel([
            "turns": [
                ["calls": [["name": "files__write", "arguments": #"{"path":"counter.txt","content":"a\n"}"#]]],
                [
                    "calls": [
                        ["name": "files__edit", "arguments": #"{"path":"counter.txt","old":"a\n","new":"a\nb\n"}"#]
                    ]
                ],
            ],
            "answer": "done",
        ])
        defer { model.server.stop() }
        let repo = try editingOrg(loop, port: model.server.port)
        let charter = CharterBinary()
        let key = ["SCRIPTED_KEY": "sk-scripted-4711"]
        #expect(try charter.run(["apply", "--bootstrap", repo.root.path]).status == 0)
        let killed = try charter.run(
            ["run", "inspect", "-o", "json"],
            environment: key.merging(["CHARTER_FAILPOINT": "agent.call-started"]) { $1 })
        #expect(killed.status != 0 && killed.stderr.contains("failpoint agent.call-started"), "\(killed.stderr)")
        #expect(try charter.run(["reconcile", "--once", repo.root.path], environment: key).status == 0)
        let run = try #require(
            (try JSONSerialization.jsonObject(with: Data(try charter.run(["runs", "-o", "json"]).stdout.utf8))
                as? [[String: Any]])?.first?["id"] as? String)
        #expect(try state(of: run, charter, key) == "succeeded")
        let counter = charter.dataDir.appendingPathComponent("workspaces/\(run)/counter.txt")
        #expect(try String(contentsOf: counter, encoding: .utf8) == "a\n", "the edit never ran, and was not run again")
        let sent = String(
            decoding: try JSONSerialization.data(withJSONObject: try #require(try model.received().last)), as: UTF8.self
        )
        #expect(sent.contains("interrupted: the controller stopped while `files.edit` was running"), "\(sent)")
        let logs = try charter.run(["logs", run, "--step", "review"])
        #expect(logs.stdout.contains("step.resumed"), "\(logs.stdout)")
    }

    /// The loop tests' organization, where the reviewer may also edit files.
    func editingOrg(_ loop: AgentLoopCLITests, port: UInt16, maxTurns: Int = 8) throws -> GitFixture {
        let repo = try loop.org(
            port: port, maxTurns: maxTurns,
            policyTools: "    tools:\n      allow: [files.list, files.read, files.search, files.write, files.edit]\n")
        let role = try repo.read("roles/reviewer.yaml")
        try repo.write(
            "roles/reviewer.yaml",
            role.replacingOccurrences(of: "files.search, files.write]", with: "files.search, files.write, files.edit]"))
        try repo.commitAll("the reviewer may edit")
        return repo
    }

    func state(of run: String, _ charter: CharterBinary, _ environment: [String: String]) throws -> String? {
        let shown = try charter.run(["show", run, "-o", "json"], environment: environment)
        return (try? JSONSerialization.jsonObject(with: Data(shown.stdout.utf8)) as? [String: Any])?["state"]
            as? String
    }
}
