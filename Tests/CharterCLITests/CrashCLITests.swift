import CharterTestSupport
import Foundation
import Testing

/// The controller killed (SIGKILL, through `CHARTER_FAILPOINT`) at each dangerous point of a pass —
/// mid-apply and mid-write-back — then run again: the change is applied exactly once, no event is
/// lost or duplicated, `charter verify` passes and `charter rebuild` equals the live store.
@Suite(.serialized) struct CrashCLITests {
    static let points = [
        "reconcile.before-apply", "reconcile.after-apply", "writeback.before-commit", "writeback.before-ref-update",
    ]

    @Test(arguments: points) func aPassKilledAtAFailpointRecoversOnTheNextPass(_ point: String) throws {
        let repo = try exampleClone()
        let charter = CharterBinary()
        #expect(try charter.run(["apply", "--bootstrap", repo.root.path]).status == 0)
        let head = try commitResearchRename(repo)
        #expect(try charter.run(["reconcile", "--once", repo.root.path]).status == 0)
        for voter in ["priya", "jonas"] { #expect(try charter.vote(as: voter, on: repo.root.path).status == 0) }

        let killed = try charter.run(
            ["reconcile", "--once", repo.root.path], environment: ["CHARTER_FAILPOINT": point])
        #expect(killed.status == SIGKILL, "\(point): \(killed.stdout)\(killed.stderr)")
        #expect(killed.stderr.contains("failpoint \(point)"))

        let again = try charter.run(["reconcile", "--once", repo.root.path])
        #expect(again.status == 0, "\(again.stderr)")
        #expect(again.stdout.hasPrefix("Ready:"), "\(point): \(again.stdout)")
        // One more pass settles anything the recovery pass wrote and must change nothing.
        #expect(try charter.run(["reconcile", "--once", repo.root.path]).stdout.hasPrefix("Ready: UpToDate"))

        let status = try charter.run(["status", "-o", "json"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any])
        #expect(object["appliedRevision"] as? String == head)
        #expect((object["pending"] as? [Any])?.isEmpty == true, "\(point): \(status.stdout)")
        let applies = (object["recentApplies"] as? [[String: Any]]) ?? []
        #expect(applies.count == 2, "bootstrap and exactly one governed apply: \(applies)")
        let shown = try charter.run(["show", "P-0001", "-o", "json"])
        #expect(shown.stdout.contains("\"state\" : \"applied\""), "\(point): \(shown.stdout)")

        // Events: contiguous sequence numbers, one of each kind of the loop, all on the status branch.
        let log = try charter.run(["log", "-o", "json"])
        let events = try #require(try JSONSerialization.jsonObject(with: Data(log.stdout.utf8)) as? [[String: Any]])
        #expect(events.map { $0["seq"] as? Int } == Array(1...events.count).map { $0 })
        let types = events.compactMap { $0["type"] as? String }
        #expect(types.filter { $0 == "state.applied" }.count == 1, "\(types)")
        #expect(types.filter { $0 == "proposal.applied" }.count == 1, "\(types)")
        #expect(types.filter { $0 == "vote.accepted" }.count == 2, "\(types)")

        let verified = try charter.run(["verify", repo.root.path])
        #expect(verified.status == 0, "\(point): \(verified.stdout)")
        #expect(!verified.stdout.contains("not written back yet"), "\(verified.stdout)")
        let rebuilt = try charter.run(["rebuild", repo.root.path, "--into", makeTemporaryDirectory("crash").path])
        #expect(rebuilt.status == 0, "\(point): \(rebuilt.stdout)\(rebuilt.stderr)")
        #expect(rebuilt.stdout.contains("(equal)"))
    }
}

/// One pass at a time per data directory.
@Suite(.serialized) struct PassLockCLITests {
    @Test func aBootstrapWaitsForAPassInFlight() async throws {
        let repo = try exampleClone()
        let charter = CharterBinary()
        let lockPath = charter.dataDir.appendingPathComponent("pass.lock").path
        try FileManager.default.createDirectory(at: charter.dataDir, withIntermediateDirectories: true)
        let held = try FileLockHolder(lockPath, note: "a pass in flight")
        let bootstrap = BlockingCall { try charter.run(["apply", "--bootstrap", repo.root.path]) }
        try await held.releaseWhen { FileLockHolder.waiters(on: lockPath) >= 1 }
        let result = try await bootstrap.value
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("waiting for the pass lock, held by pid \(getpid()) (a pass in flight)"))
    }

    @Test func concurrentPassesWaitForEachOtherAndProposeOnce() async throws {
        let repo = try exampleClone()
        let charter = CharterBinary()
        #expect(try charter.run(["apply", "--bootstrap", repo.root.path]).status == 0)
        let team = try repo.read("teams/research.yaml")
        try repo.write(
            "teams/research.yaml", team.replacingOccurrences(of: "displayName: Research", with: "displayName: Lab"))
        try repo.commitAll("rename")
        // Hold the lock as another process would, start two passes, then let go.
        let held = try FileLockHolder(
            charter.dataDir.appendingPathComponent("pass.lock").path, note: "the test holds it")
        // Each on a thread of its own: a blocking wait on the cooperative pool could starve the test.
        let first = BlockingCall { try charter.run(["reconcile", "--once", repo.root.path]) }
        let second = BlockingCall { try charter.run(["reconcile", "--once", repo.root.path]) }
        try await held.releaseWhen {
            FileLockHolder.waiters(on: charter.dataDir.appendingPathComponent("pass.lock").path) >= 2
        }
        let (a, b) = (try await first.value, try await second.value)
        #expect(a.status == 0 && b.status == 0, "\(a.stderr)\(b.stderr)")
        #expect(
            a.stderr.contains("waiting for the pass lock, held by pid \(getpid()) (the test holds it)")
                || b.stderr.contains("waiting for the pass lock, held by pid \(getpid()) (the test holds it)"),
            "\(a.stderr)\(b.stderr)")
        let proposals =
            try JSONSerialization.jsonObject(
                with: Data(try charter.run(["proposals", "-o", "json"]).stdout.utf8)) as? [[String: Any]]
        #expect(proposals?.count == 1, "\(proposals ?? [])")
    }
}
