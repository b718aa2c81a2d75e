import CharterFoundation
import CharterTestSupport
import Foundation
import Testing

/// Crash-only, proved with real kills: the built `charter` runs random operations — changes and
/// passes, votes, runs of a template with shell and agent steps — and is SIGKILLed at a random
/// instant of each (not at a failpoint). After every kill one normal pass runs, and the invariants
/// are checked:
///
/// - the pass succeeds (no lock or half-written state needs a human);
/// - `charter verify`: every event once, in one contiguous chain on the status branch; blobs and
///   vote signatures check out;
/// - `charter rebuild`: the status branch alone rebuilds the same state;
/// - every proposal was applied at most once, and every applied one exactly once;
/// - no voter's vote counts twice on a proposal;
/// - no run is left pending or running: each finished or resumed.
///
/// `CHARTER_KILL_ITERATIONS` (default 12) and `CHARTER_KILL_SEED` (default: random, printed) set
/// the length and make a failure reproducible; `scripts/kill-harness.sh` runs the long version.
@Suite(.serialized, .enabled(if: bubblewrapWorksHere, "bubblewrap does not work on this machine"))
struct KillHarnessTests {
    static let environment = ProcessInfo.processInfo.environment
    static var iterations: Int { environment["CHARTER_KILL_ITERATIONS"].flatMap(Int.init) ?? 12 }
    static var seed: UInt64 {
        environment["CHARTER_KILL_SEED"].flatMap(UInt64.init) ?? UInt64.random(in: 1...UInt64.max)
    }

    enum Operation: CaseIterable { case change, vote, run, pass }

    struct Tally {
        var kills = 0
        var finishedFirst = 0
        var checks = 0
        var violations = 0
        var applies = 0
    }

    @Test func randomKillsLeaveEverythingConsistentAndMoving() async throws {
        let seed = Self.seed
        var rng = SeededGenerator(seed: seed)
        let repo = try exampleClone()
        try repo.write(
            "templates/ping.yaml",
            """
            apiVersion: charter/v1
            kind: Template
            metadata:
              name: ping
            spec:
              steps:
                - name: write
                  type: shell
                  retry: {maxAttempts: 3, initialBackoff: 1s}
                  run: rm -rf out && mkdir out && echo "$CHARTER_RUN_ID" > out/id && cat out/id
                - name: answer
                  type: agent
                  role: scribe
                  needs: [write]
                  retry: {maxAttempts: 3, initialBackoff: 1s}
                  prompt: Say hello to ${{ steps.write.output }}.
            """)
        try repo.commitAll("ping template")
        let charter = CharterBinary()
        #expect(try charter.run(["apply", "--bootstrap", repo.root.path]).status == 0)
        var tally = Tally()
        // Cycles of change, two votes and a run or a pass, so changes are approved and applied
        // between kills; which voters, and when each process dies, is random.
        var voters: [String] = []
        for iteration in 0..<Self.iterations {
            let operation: Operation =
                switch iteration % 4 {
                case 0: .change
                case 1, 2: .vote
                default: rng.next() % 2 == 0 ? .run : .pass
                }
            if operation == .change {
                voters = ["priya", "jonas", "lena", "tomasz"].shuffled(using: &rng)
            }
            let args: [String]
            switch operation {
            case .change:
                let team = try repo.read("teams/research.yaml")
                let renamed = team.replacingOccurrences(
                    of: #"displayName: [^\n]*"#, with: "displayName: Research \(iteration)", options: .regularExpression
                )
                try repo.write("teams/research.yaml", renamed)
                _ = try repo.commitAll("rename \(iteration)")
                args = ["reconcile", "--once", repo.root.path]
            case .vote:
                let open = try jsonArray(charter.run(["proposals", "--state", "open", "-o", "json"]).stdout)
                guard let id = open.first?["id"] as? String else { continue }
                let voter = voters.isEmpty ? "priya" : voters.removeFirst()
                args = [
                    "vote", id, "approve", "--as", voter, "--key",
                    repo.root.appendingPathComponent("demo-keys/\(voter)").path, repo.root.path,
                ]
            case .run:
                args = ["run", "ping"]
            case .pass:
                args = ["reconcile", "--once", repo.root.path]
            }
            let delay = Duration.milliseconds(Int(rng.next() % 350))
            let outcome = try KillableProcess.run(
                CharterBinary.url, args, environment: charter.environment, killAfter: delay)
            if outcome.killed { tally.kills += 1 } else { tally.finishedFirst += 1 }

            let context = "seed \(seed), iteration \(iteration), \(operation) killed after \(delay)"
            let pass = try charter.run(["reconcile", "--once", repo.root.path])
            tally.checks += 1
            if pass.status != 0 {
                tally.violations += 1
                Issue.record("\(context): the next pass failed: \(pass.stderr)")
            }
            tally.violations += try checkInvariants(charter, repo, context: context, tally: &tally)
        }
        print(
            "kill harness: seed \(seed), \(Self.iterations) operations, \(tally.kills) killed mid-way, "
                + "\(tally.finishedFirst) finished first, \(tally.applies) applies, \(tally.checks) invariants checked, "
                + "\(tally.violations) violations")
        #expect(tally.violations == 0)
    }

    /// The invariants after a normal pass; returns how many failed (each recorded as an issue).
    func checkInvariants(
        _ charter: CharterBinary, _ repo: GitFixture, context: String, tally: inout Tally
    ) throws -> Int {
        var violations = 0
        func check(_ ok: Bool, _ what: @autoclosure () -> String) {
            tally.checks += 1
            if !ok {
                violations += 1
                Issue.record("\(context): \(what())")
            }
        }
        let verify = try charter.run(["verify", repo.root.path])
        check(verify.status == 0, "verify failed: \(verify.stdout)\(verify.stderr)")
        let rebuilt = makeTemporaryDirectory("rebuilt")
        let rebuild = try charter.run(["rebuild", repo.root.path, "--into", rebuilt.path])
        check(
            rebuild.status == 0 && rebuild.stdout.contains("(equal)"),
            "rebuild differs: \(rebuild.stdout)\(rebuild.stderr)")
        try? FileManager.default.removeItem(at: rebuilt)

        let events = try jsonArray(charter.run(["log", "-o", "json"]).stdout)
        var applies: [String: Int] = [:]
        var changeSets: [String: Int] = [:]
        for event in events {
            let data = event["data"] as? [String: Any]
            switch event["type"] as? String {
            case "proposal.applied":
                if let proposal = data?["proposal"] as? String { applies[proposal, default: 0] += 1 }
            case "state.applied":
                if let hash = data?["changeSetHash"] as? String { changeSets[hash, default: 0] += 1 }
            default: break
            }
        }
        tally.applies = applies.count
        check(applies.values.allSatisfy { $0 == 1 }, "a proposal was applied more than once: \(applies)")
        check(changeSets.values.allSatisfy { $0 == 1 }, "a change set was applied more than once: \(changeSets)")
        let proposals = try jsonArray(charter.run(["proposals", "-o", "json"]).stdout)
        for proposal in proposals {
            guard let id = proposal["id"] as? String else { continue }
            if proposal["state"] as? String == "applied" {
                check(applies[id] == 1, "\(id) is applied but has \(applies[id] ?? 0) apply events")
            }
            let shown = try jsonObject(charter.run(["show", id, "-o", "json"]).stdout)
            let votes = (shown["votes"] as? [[String: Any]] ?? []).filter { $0["accepted"] as? Bool == true }
            let voters = votes.compactMap { ($0["vote"] as? [String: Any])?["voter"] as? String }
            check(Set(voters).count == voters.count, "\(id) counts a voter twice: \(voters)")
        }
        let runs = try jsonArray(charter.run(["runs", "-o", "json"]).stdout)
        let stuck = runs.filter { ["pending", "running"].contains($0["state"] as? String ?? "") }
        check(stuck.isEmpty, "runs left unfinished after a normal pass: \(stuck.map { $0["id"] ?? "?" })")
        return violations
    }

    func jsonArray(_ text: String) throws -> [[String: Any]] {
        (try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [[String: Any]]) ?? []
    }

    func jsonObject(_ text: String) throws -> [String: Any] {
        (try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]) ?? [:]
    }
}

/// A real process SIGKILLed at a chosen instant unless it finished first.
enum KillableProcess {
    struct Outcome {
        var status: Int32
        var killed: Bool
    }

    static func run(
        _ executable: URL, _ arguments: [String], environment: [String: String], killAfter delay: Duration
    ) throws -> Outcome {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.environment = environment
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = ContinuousClock.now + delay
        while process.isRunning && ContinuousClock.now < deadline {
            usleep(2000)
        }
        var killed = false
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            killed = true
        }
        process.waitUntilExit()
        return Outcome(status: process.terminationStatus, killed: killed)
    }
}
