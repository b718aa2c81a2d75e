import CharterTestSupport
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The built `charter controller` from start to signal: readiness follows the first pass, a
/// shutdown refuses new work but lets the pass in flight finish, and the process exits 0 with a
/// final line. Passes are held in flight by a git remote that answers only when told to.
@Suite(.serialized) struct ControllerLifecycleTests {
    @Test func readinessFollowsTheFirstPassAndSigtermLetsThePassInFlightFinish() async throws {
        let remote = try StallingRemote()
        let controller = try ControllerProcess(
            CharterBinary(),
            [remote.url, "--interval", "1h", "--webhook-listen", "127.0.0.1:0", "--webhook-allow-unauthenticated"])
        let port = try await controller.webhookPort()

        // The first pass is fetching: alive, not ready.
        let first = try await remote.acceptFetch()
        #expect(try await RawConnection.get("/healthz", port: port) == 200)
        #expect(try await RawConnection.get("/readyz", port: port) == 503)
        remote.release(first)
        try await controller.waitForLine(containing: "ready: the first pass completed")
        #expect(try await RawConnection.get("/readyz", port: port) == 200)

        // A push starts a second pass; SIGTERM arrives while it is fetching.
        #expect(try await RawConnection.post("/hooks/git", body: "{}", port: port) == 202)
        let second = try await remote.acceptFetch()
        controller.send(SIGTERM)
        try await controller.waitForLine(containing: "stopping after the pass in flight")
        // Shutting down: still alive and answering, no longer ready, no new work taken.
        #expect(try await RawConnection.get("/healthz", port: port) == 200)
        #expect(try await RawConnection.get("/readyz", port: port) == 503)
        #expect(try await RawConnection.post("/hooks/git", body: "{}", port: port) == 503)
        #expect(controller.log.filter { $0.contains("controller stopped") }.isEmpty, "stopped before the pass ended")

        remote.release(second)
        #expect(try await controller.exitStatus() == 0)
        let log = controller.log.filter { !$0.isEmpty }
        #expect(log.filter { $0.contains("reconcile failed") }.count == 2, "both passes ran to their end")
        #expect(log.contains { $0.contains(" info controller stopped passes=2") })
        #expect(log.contains { $0.contains(" info webhook server stopped") })
        #expect(log.last?.contains(" info shutdown complete") == true, "\(log.last ?? "")")
        // The listener is gone.
        #expect(throws: RawConnectionError.self) { try RawConnection(port: port) }
    }

    @Test(arguments: [SIGTERM, SIGINT])
    func aSignalStopsTheLoopAndExitsZero(_ signal: Int32) async throws {
        let repo = try exampleClone()
        let controller = try ControllerProcess(
            CharterBinary(), [repo.root.path, "--interval", "1h", "--log-format", "json"])
        try await controller.waitForLine(containing: #""reason":"#)  // the first pass's outcome
        controller.send(signal)
        #expect(try await controller.exitStatus() == 0)
        let log = controller.log.filter { !$0.isEmpty }
        #expect(log.contains { $0.contains(#""level":"notice","msg":"stopping after the pass in flight""#) })
        #expect(log.last?.contains(#""level":"info","msg":"shutdown complete""#) == true, "\(log.last ?? "")")
    }

    @Test func aPortInUseFailsTheControllerAtOnce() async throws {
        let remote = try StallingRemote()
        let first = try ControllerProcess(
            CharterBinary(),
            [
                remote.url, "--interval", "1h", "--webhook-listen", "127.0.0.1:0",
                "--webhook-allow-unauthenticated",
            ])
        let port = try await first.webhookPort()
        let second = try ControllerProcess(
            CharterBinary(),
            [
                remote.url, "--interval", "1h", "--webhook-listen", "127.0.0.1:\(port)",
                "--webhook-allow-unauthenticated",
            ])
        #expect(try await second.exitStatus() == 1)
        #expect(second.log.contains { $0.contains(" error controller failed:") })
        first.send(SIGTERM)
        let held = try await remote.acceptFetch()
        remote.release(held)
        #expect(try await first.exitStatus() == 0)
    }

    /// The reproduction: 1,100 idle connections against a controller limited to 1,024 open files
    /// used to stop `/healthz` and make every pass fail with "Too many open files".
    @Test func elevenHundredIdleConnectionsNeitherStopHealthzNorStarveThePasses() async throws {
        try raiseOwnFileLimit(to: 4096)
        let repo = try exampleClone()
        let controller = try ControllerProcess(
            CharterBinary(),
            [repo.root.path, "--interval", "1h", "--webhook-listen", "127.0.0.1:0", "--webhook-allow-unauthenticated"],
            shellPrefix: "ulimit -n 1024;")
        let port = try await controller.webhookPort()
        try await controller.waitForLine(containing: "reason=")  // the first pass's outcome
        let idle = try (0..<1100).map { _ in try RawConnection(port: port) }
        #expect(try await RawConnection.get("/healthz", port: port) == 200)
        // A push still starts a pass, and the pass has the descriptors it needs.
        let before = controller.log.count
        #expect(try await RawConnection.post("/hooks/git", body: "{}", port: port) == 202)
        try await controller.waitForLine(containing: "webhook: fetching now", after: before)
        try await controller.waitForLine(containing: "reason=", after: before)
        #expect(!controller.log.contains { $0.contains("Too many open files") })
        #expect(!controller.log.contains { $0.contains("reconcile failed") })
        // The cap (256 by default) closed the others to make room.
        #expect(idle.filter(\.isClosedNow).count >= 1100 - 256)
        controller.send(SIGTERM)
        #expect(try await controller.exitStatus() == 0)
        #expect(controller.log.last(where: { !$0.isEmpty })?.contains("shutdown complete") == true)
    }

    private func raiseOwnFileLimit(to wanted: rlim_t) throws {
        var limit = rlimit()
        getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        if limit.rlim_cur < wanted {
            limit.rlim_cur = min(wanted, limit.rlim_max)
            setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
            getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        }
        try #require(
            limit.rlim_cur >= wanted, "the test needs \(wanted) open files, the hard limit is \(limit.rlim_max)")
    }
}
