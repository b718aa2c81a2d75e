import CharterFoundation
import CharterTestSupport
import Foundation
import Testing

/// Governed self-configuration end to end: an agent reads the organization through its tools,
/// proposes a change with `org.propose`, and the change goes through the change board like any
/// proposal branch — authored by the agent's Person, who may not approve it.
@Suite(.serialized) struct AgentProposalCLITests {
    @Test func anAgentsProposalIsVotedOnAndAppliedLikeAnyOther() async throws {
        let loop = AgentLoopCLITests()
        let exampleRoutine = try String(
            contentsOf: GitFixture.exampleRepo.appendingPathComponent("routines/weekly-all-hands.yaml"), encoding: .utf8
        )
        let paused = exampleRoutine.replacingOccurrences(
            of: "  template: weekly-all-hands\n", with: "  template: weekly-all-hands\n  enabled: false\n")
        let invalid = exampleRoutine.replacingOccurrences(
            of: "  template: weekly-all-hands\n", with: "  template: nope\n")
        let model = try await loop.startModel([
            "turns": [
                ["calls": [["name": "org__resources", "arguments": #"{"kind":"Routine"}"#]]],
                [
                    "calls": [
                        [
                            "name": "org__propose",
                            "arguments": try json([
                                "title": "Point the all-hands at a missing template",
                                "files": [["path": "routines/weekly-all-hands.yaml", "content": invalid]],
                            ]),
                        ]
                    ]
                ],
                [
                    "calls": [
                        [
                            "name": "org__propose",
                            "arguments": try json([
                                "title": "Pause the weekly all-hands", "description": "It failed three weeks in a row.",
                                "files": [["path": "routines/weekly-all-hands.yaml", "content": paused]],
                            ]),
                        ]
                    ]
                ],
            ],
            "answer": "Proposed pausing weekly-all-hands.",
        ])
        defer { model.server.stop() }
        let repo = try loop.org(
            port: model.server.port, policyTools: "    tools:\n      allow: [org.resources, org.propose]\n")
        let role = try repo.read("roles/reviewer.yaml")
        try repo.write(
            "roles/reviewer.yaml",
            role.replacingOccurrences(
                of: "tools: [files.list, files.read, files.search, files.write]",
                with: "tools: [org.resources, org.propose]"))
        // Only this test's routine fires: the example's own would start runs of their own.
        try repo.git("rm", "-q", "-r", "routines")
        try repo.write("routines/weekly-all-hands.yaml", exampleRoutine)
        try repo.write(
            "routines/ops-check.yaml",
            """
            apiVersion: charter/v1
            kind: Routine
            metadata:
              name: ops-check
            spec:
              schedule: "0 * * * *"
              template: inspect
            """)
        try repo.commitAll("an hourly check by the reviewer agent")
        let charter = CharterBinary()
        let key = ["SCRIPTED_KEY": "sk-scripted-4711"]
        #expect(try charter.run(["apply", "--bootstrap", repo.root.path]).status == 0)
        // The first pass starts counting; an hour later the routine fires and the agent works.
        let start = Date()
        #expect(
            try charter.run(["reconcile", "--once", repo.root.path, "--now", stamp(start)], environment: key).status
                == 0)
        let fired = try charter.run(
            ["reconcile", "--once", repo.root.path, "--now", stamp(start.addingTimeInterval(3700))], environment: key)
        #expect(fired.status == 0, "\(fired.stdout)\(fired.stderr)")
        let sent = String(
            decoding: try JSONSerialization.data(
                withJSONObject: try #require(try model.received().last), options: .withoutEscapingSlashes),
            as: UTF8.self
        )
        #expect(sent.contains("Routine (2): ops-check, weekly-all-hands"), "\(sent)")
        #expect(sent.contains("would not validate"), "an invalid change is refused, with its diagnostics: \(sent)")
        #expect(sent.contains("proposed on branch proposals/agent-sentry-"), "\(sent)")
        let branches = try repo.git("branch", "--list", "proposals/*")
        #expect(branches.split(separator: "\n").count == 1, "\(branches)")
        let author = try repo.git(
            "log", "-1", "--format=%an", branches.trimmingCharacters(in: .whitespaces.union(.newlines)))
        #expect(author.trimmingCharacters(in: .whitespacesAndNewlines) == "sentry")

        // The next pass makes it a proposal; the change board decides it.
        #expect(try charter.run(["reconcile", "--once", repo.root.path], environment: key).status == 0)
        let proposals = try charter.run(["proposals", "-o", "json"])
        let list = try #require(try JSONSerialization.jsonObject(with: Data(proposals.stdout.utf8)) as? [[String: Any]])
        let proposal = try #require(list.first?["id"] as? String, "\(proposals.stdout)")
        let shown = try charter.run(["show", proposal])
        #expect(shown.stdout.contains("sentry"), "the author is named and may not vote: \(shown.stdout)")
        for voter in ["priya", "jonas"] {
            #expect(try charter.vote(as: voter, on: repo.root.path, proposal: proposal).status == 0)
        }
        let applied = try charter.run(["reconcile", "--once", repo.root.path], environment: key)
        #expect(applied.status == 0, "\(applied.stdout)\(applied.stderr)")
        let routine = try charter.run(["get", "routine", "weekly-all-hands", "-o", "json"])
        #expect(routine.stdout.contains(#""enabled": false"#), "\(routine.stdout)")
    }

    func json(_ value: Any) throws -> String {
        String(decoding: try JSONSerialization.data(withJSONObject: value), as: UTF8.self)
    }

    func stamp(_ date: Date) -> String { Timestamp.utc(date) }
}
