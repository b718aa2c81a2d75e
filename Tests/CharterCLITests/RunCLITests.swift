import CharterFoundation
import CharterTestSupport
import Foundation
import Testing

/// Runs end to end through the CLI: `charter run`, `runs`, `show`, `logs`, approvals voted with signed
/// votes, scheduled ticks in `reconcile --once --now`, and a run killed mid-way that resumes.
@Suite(.serialized) struct RunCLITests {
    static let release = """
        apiVersion: charter/v1
        kind: Template
        metadata:
          name: release
        spec:
          parameters:
            - name: version
              type: string
              pattern: "[0-9]+[.][0-9]+"
              required: true
            - name: notes
              type: bool
              default: true
          steps:
            - name: build
              type: shell
              env: {VERSION: "${{ params.version }}"}
              run: echo built >> build.log && echo release "$VERSION" && wc -l < build.log
            - name: announce
              type: agent
              role: scribe
              needs: [build]
              when: "${{ params.notes }}"
              retry:
                maxAttempts: 2
                initialBackoff: 1s
              prompt: |
                Announce this release:
                ${{ steps.build.output }}
            - name: sign-off
              type: approval
              needs: [announce]
              board: change
              timeout: 2d
              message: Ship ${{ params.version }}?
            - name: ship
              type: shell
              needs: [sign-off]
              env: {VERSION: "${{ params.version }}"}
              run: echo shipped "$VERSION"

        """

    /// example-repo plus the `release` template, bootstrapped.
    func setUp(extra: [String: String] = [:], withoutRoutines: Bool = false) throws -> (GitFixture, CharterBinary) {
        let repo = try exampleClone()
        try repo.write("templates/release.yaml", Self.release)
        for (path, text) in extra { try repo.write(path, text) }
        if withoutRoutines { try repo.git("rm", "-q", "-r", "routines") }
        try repo.commitAll("release template")
        let charter = CharterBinary()
        let bootstrap = try charter.run(["apply", "--bootstrap", repo.root.path])
        #expect(bootstrap.status == 0, "\(bootstrap.stderr)")
        return (repo, charter)
    }

    func json(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    func steps(_ summary: [String: Any]) -> [String: [String: Any]] {
        var out: [String: [String: Any]] = [:]
        for s in summary["steps"] as? [[String: Any]] ?? [] { out[s["name"] as? String ?? ""] = s }
        return out
    }

    @Test func parametersAreCheckedAllAtOnce() throws {
        let (_, charter) = try setUp()
        let bad = try charter.run(["run", "release", "--param", "version=latest", "--param", "note=false"])
        #expect(bad.status == 1)
        #expect(bad.stderr.contains("`latest` does not match the pattern"), "\(bad.stderr)")
        #expect(bad.stderr.contains("did you mean `notes`?"), "\(bad.stderr)")
        let unknown = try charter.run(["run", "relase"])
        #expect(unknown.status != 0)
        #expect(unknown.stderr.contains("did you mean `release`?"), "\(unknown.stderr)")
        #expect(try charter.run(["runs"]).stdout == "No runs.\n")
    }

    @Test func anApprovalStepPausesTheRunUntilTheBoardVotes() throws {
        let (repo, charter) = try setUp()
        let started = try charter.run(["run", "release", "--param", "version=1.4", "-o", "json"])
        #expect(started.status == 3, "waiting for the approval: \(started.stdout)\(started.stderr)")
        let summary = try json(started.stdout)
        let id = try #require(summary["id"] as? String)
        var byName = steps(summary)
        #expect(byName["build"]?["state"] as? String == "succeeded")
        #expect(byName["announce"]?["state"] as? String == "succeeded")
        #expect(byName["sign-off"]?["state"] as? String == "waiting")
        #expect(byName["ship"]?["state"] as? String == "pending")

        // The pass writes the request; the change board votes on RUN/STEP with signed votes.
        #expect(try charter.run(["reconcile", "--once", repo.root.path]).status == 0)
        let request = try repo.git("show", "charter/status:runs/\(id)/approvals/sign-off.json")
        #expect(request.contains("Ship 1.4?"))
        let status = try repo.git("show", "charter/status:STATUS.md")
        #expect(status.contains("**\(id)/sign-off**, board `change`"), "STATUS.md lists what waits: \(status)")
        #expect(status.contains("| [\(id)](runs/\(id)/SUMMARY.md) | release |"), "\(status)")
        #expect(try charter.vote(as: "maria", on: repo.root.path, proposal: "\(id)/sign-off").status == 0)
        #expect(try charter.vote(as: "priya", on: repo.root.path, proposal: "\(id)/sign-off").status == 0)
        let one = try charter.run(["reconcile", "--once", repo.root.path])
        #expect(!one.stdout.contains("approval"), "maria is no member and priya alone is not a quorum: \(one.stdout)")
        #expect(try charter.vote(as: "jonas", on: repo.root.path, proposal: "\(id)/sign-off").status == 0)
        let decided = try charter.run(["reconcile", "--once", repo.root.path])
        #expect(decided.stdout.contains("approval \(id)/sign-off: board change approved"), "\(decided.stdout)")

        let shown = try json(try charter.run(["show", id, "-o", "json"]).stdout)
        #expect(shown["state"] as? String == "succeeded")
        byName = steps(shown)
        #expect(byName["ship"]?["state"] as? String == "succeeded")
        // The run's record is on the status branch: summary, readable summary, events and artifacts.
        let files = try repo.git("ls-tree", "-r", "--name-only", "charter/status", "runs/\(id)")
        for name in ["summary.yaml", "SUMMARY.md", "events.jsonl.gz"] {
            #expect(files.contains("runs/\(id)/\(name)"), "\(files)")
        }
        let shipped = try #require(byName["ship"]?["artifacts"] as? [String: Any])
        let stdout = try #require((shipped["stdout.txt"] as? [String: Any])?["blob"] as? String)
        #expect(try repo.git("show", "charter/status:\(stdout)") == "shipped 1.4")
        let logs = try charter.run(["logs", id, "--step", "sign-off"])
        #expect(logs.stdout.contains("step.waiting"), "\(logs.stdout)")
        #expect(logs.stdout.contains("board change approved"), "the decision is in the run's events: \(logs.stdout)")
        #expect(try charter.run(["verify", repo.root.path]).status == 0)
    }

    @Test func aRejectionFailsTheStepAndSkipsWhatNeedsIt() throws {
        let (repo, charter) = try setUp()
        let started = try charter.run([
            "run", "release", "--param", "version=2.0", "--param", "notes=false", "-o", "json",
        ])
        let summary = try json(started.stdout)
        let id = try #require(summary["id"] as? String)
        #expect(steps(summary)["announce"]?["state"] as? String == "skipped", "when: false skips the announcement")
        #expect(try charter.run(["reconcile", "--once", repo.root.path]).status == 0)
        // The change board has a veto: one reject decides.
        #expect(
            try charter.vote(as: "lena", on: repo.root.path, decision: "reject", proposal: "\(id)/sign-off").status == 0
        )
        #expect(try charter.run(["reconcile", "--once", repo.root.path]).stdout.contains("board change rejected"))
        let shown = try json(try charter.run(["show", id, "-o", "json"]).stdout)
        #expect(shown["state"] as? String == "failed")
        #expect(steps(shown)["sign-off"]?["state"] as? String == "failed")
        #expect(steps(shown)["ship"]?["state"] as? String == "skipped")
    }

    @Test func anApprovalNobodyDecidesFailsAtTheStepsTimeout() throws {
        // No routines: moving the clock two days must not start the example's own schedules.
        let (repo, charter) = try setUp(withoutRoutines: true)
        let summary = try json(try charter.run(["run", "release", "--param", "version=5.0", "-o", "json"]).stdout)
        let id = try #require(summary["id"] as? String)
        let inADay = Date().addingTimeInterval(86_400)
        let day = try charter.run(["reconcile", "--once", repo.root.path, "--now", Self.rfc3339(inADay)])
        #expect(!day.stdout.contains("approval"), "one day of the two: still waiting: \(day.stdout)")
        let later = try charter.run(
            ["reconcile", "--once", repo.root.path, "--now", Self.rfc3339(inADay.addingTimeInterval(86_400 + 60))])
        #expect(later.stdout.contains("did not decide by"), "\(later.stdout)")
        let shown = try json(try charter.run(["show", id, "-o", "json"]).stdout)
        #expect(shown["state"] as? String == "failed")
        #expect(steps(shown)["ship"]?["state"] as? String == "skipped")
    }

    static func rfc3339(_ date: Date) -> String { Timestamp.utc(date) }

    @Test func aRunKilledMidWayResumesWithoutRepeatingFinishedSteps() throws {
        let (repo, charter) = try setUp()
        let killed = try charter.run(
            ["run", "release", "--param", "version=3.1"], environment: ["CHARTER_FAILPOINT": "run.agent-started"])
        #expect(killed.status == SIGKILL, "\(killed.stdout)\(killed.stderr)")
        let listed = try charter.run(["runs", "-o", "json"])
        let runs = try #require(try JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [[String: Any]])
        let id = try #require(runs.first?["id"] as? String)
        #expect(runs.first?["state"] as? String == "running")

        // The next pass resumes the run: `build` finished before the kill and is not run again (its
        // workspace log has one line), the interrupted agent step resumes as the same attempt from
        // its journal (agent steps are resumable: docs/AGENTS.md, "Durability").
        #expect(try charter.run(["reconcile", "--once", repo.root.path]).status == 0)
        let shown = try json(try charter.run(["show", id, "-o", "json"]).stdout)
        let byName = steps(shown)
        #expect(byName["build"]?["attempts"] as? Int == 1)
        #expect(byName["announce"]?["attempts"] as? Int == 1)
        #expect(byName["announce"]?["state"] as? String == "succeeded")
        #expect(byName["sign-off"]?["state"] as? String == "waiting")
        let built = try #require((byName["build"]?["artifacts"] as? [String: Any])?["stdout.txt"] as? [String: Any])
        let blob = try #require(built["blob"] as? String)
        #expect(try repo.git("show", "charter/status:\(blob)") == "release 3.1\n1", "build.log has one line")
        let log = try charter.run(["logs", id, "-o", "json"])
        let events = log.stdout.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
        #expect(events.map { $0["seq"] as? Int } == Array(1...events.count).map { $0 }, "one chain, no gaps")
        #expect(events.contains { $0["type"] as? String == "step.resumed" }, "the agent step says it resumed")
        #expect(
            events.filter { ($0["type"] as? String) == "step.succeeded" && ($0["data"] as? [String: Any]) != nil }
                .count >= 2)
    }

    @Test func cancelFromAnotherProcessKillsTheRunningShellStep() throws {
        let long = """
            apiVersion: charter/v1
            kind: Template
            metadata:
              name: long
            spec:
              steps:
                - name: wait
                  type: shell
                  run: echo started > started && sleep 1000 & wait
            """
        let (_, again) = try setUp(extra: ["templates/long.yaml": long])

        // `charter run` executes the run in its own process; `charter cancel` reaches it through runs.sqlite.
        let process = Process()
        process.executableURL = CharterBinary.url
        process.arguments = ["run", "long", "-o", "json"]
        var env = ProcessInfo.processInfo.environment
        env["CHARTER_DATA_DIR"] = again.dataDir.path
        process.environment = env
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        // Wait (bounded) until the step has really started: its marker file exists in the workspace.
        var id: String?
        for _ in 0..<600 where id == nil {
            let listed = try again.run(["runs", "-o", "json"])
            if let runs = try? JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [[String: Any]],
                let first = runs.first?["id"] as? String,
                FileManager.default.fileExists(
                    atPath: again.dataDir.appendingPathComponent("workspaces/\(first)/started").path)
            {
                id = first
            } else {
                usleep(50_000)
            }
        }
        let run = try #require(id, "the run never started")
        let cancelled = try again.run(["cancel", run])
        #expect(cancelled.status == 0, "\(cancelled.stderr)")
        process.waitUntilExit()
        #expect(process.terminationStatus == 1, "a cancelled run exits 1")
        let summary = try json(String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self))
        #expect(summary["state"] as? String == "cancelled")
        #expect(steps(summary)["wait"]?["state"] as? String == "cancelled")
        #expect(try again.run(["cancel", run]).status == 1, "a finished run cannot be cancelled again")
    }

    /// Finished runs lose their workspace once the retention has passed; a run waiting for an
    /// approval keeps its own however long it waits.
    @Test func finishedRunsWorkspacesAreRemovedAfterTheRetention() throws {
        let hello = """
            apiVersion: charter/v1
            kind: Template
            metadata:
              name: hello
            spec:
              steps:
                - name: write
                  type: shell
                  # a read-only tree, as a module cache leaves behind
                  run: echo hello > hello.txt && mkdir -p cache/mod && touch cache/mod/f && chmod -R a-w cache
            """
        let (repo, charter) = try setUp(extra: ["templates/hello.yaml": hello], withoutRoutines: true)
        let finished = try json(try charter.run(["run", "hello", "-o", "json"]).stdout)
        let done = try #require(finished["id"] as? String)
        let release = try json(try charter.run(["run", "release", "--param", "version=2.0", "-o", "json"]).stdout)
        let waiting = try #require(release["id"] as? String)
        let workspaces = charter.dataDir.appendingPathComponent("workspaces")
        func exists(_ name: String) -> Bool {
            FileManager.default.fileExists(atPath: workspaces.appendingPathComponent(name).path)
        }
        #expect(exists(done) && exists(".output-\(done)") && exists(waiting))

        // Within the default retention (24h) nothing goes.
        let kept = try charter.run(["reconcile", "--once", repo.root.path, "-o", "json"])
        #expect((try json(kept.stdout)["workspacesRemoved"] as? [String]) == [], "\(kept.stdout)\(kept.stderr)")
        #expect(exists(done))

        let removed = try charter.run(["reconcile", "--once", repo.root.path, "--workspace-retention", "0s"])
        #expect(removed.stdout.contains("removed the workspaces of 1 finished runs: \(done)"), "\(removed.stdout)")
        #expect(!exists(done) && !exists(".output-\(done)"))
        #expect(exists(waiting), "the run waiting for its approval keeps its workspace")
        // What the run published stays.
        #expect(try charter.run(["show", done]).stdout.contains("succeeded"))

        let bad = try charter.run(["reconcile", "--once", repo.root.path, "--workspace-retention", "soon"])
        #expect(bad.status != 0)
        #expect(bad.stderr.contains("--workspace-retention soon: expected a duration"), "\(bad.stderr)")
    }

    @Test func schedulesKeepFiringWhenTheRepositoryIsUnreachable() throws {
        let (repo, charter) = try setUp()
        #expect(try charter.run(["reconcile", "--once", repo.root.path, "--now", "2031-01-06T13:00:00Z"]).status == 0)
        let gone = repo.root.deletingLastPathComponent().appendingPathComponent("moved-\(UUID().uuidString)")
        try FileManager.default.moveItem(at: repo.root, to: gone)
        let pass = try charter.run(["reconcile", "--once", repo.root.path, "--now", "2031-01-06T14:00:20Z"])
        #expect(pass.status == 1, "the pass itself fails: \(pass.stdout)\(pass.stderr)")
        let listed = try charter.run(["runs", "--routine", "research-standup", "-o", "json"])
        let runs = try #require(try JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [[String: Any]])
        #expect(runs.map { $0["id"] as? String } == ["research-standup-20310106T1400Z"], "\(listed.stdout)")
    }

    @Test func aScheduledTickStartsOneRunOnlyEvenWhenPassedTwice() throws {
        let (repo, charter) = try setUp()
        // The first pass meets the routines; the scheduler never backfills.
        #expect(try charter.run(["reconcile", "--once", repo.root.path, "--now", "2031-01-06T13:00:00Z"]).status == 0)
        #expect(try charter.run(["runs"]).stdout == "No runs.\n")
        // 09:00 in New York on Monday 6 January 2031 is 14:00 UTC.
        for _ in 0..<2 {
            let pass = try charter.run(["reconcile", "--once", repo.root.path, "--now", "2031-01-06T14:00:20Z"])
            #expect(pass.status == 0, "\(pass.stderr)")
        }
        let listed = try charter.run(["runs", "--routine", "research-standup", "-o", "json"])
        let runs = try #require(try JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [[String: Any]])
        #expect(runs.map { $0["id"] as? String } == ["research-standup-20310106T1400Z"])
    }
}
