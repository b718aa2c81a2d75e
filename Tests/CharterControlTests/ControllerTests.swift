import CharterControl
import CharterModel
import CharterStore
import CharterTestSupport
import Foundation
import Testing

/// Collects log lines from the controller, whatever thread writes them.
final class LogSink: @unchecked Sendable {
    private let lock = NSLock()
    private var storage: [LogLine] = []
    func append(_ line: LogLine) {
        lock.lock()
        storage.append(line)
        lock.unlock()
    }
    var lines: [LogLine] {
        lock.lock()
        defer { lock.unlock() }
        return storage
    }
}

@Suite struct ControllerTests {
    func controller(_ repo: GitFixture, _ sink: LogSink) async throws -> Controller {
        let data = makeTemporaryDirectory("controller-data")
        let store = try StateStore(directory: data)
        _ = try await Operations.bootstrap(
            SourceRequest(location: repo.root.path, revision: "main"), store: store, dataDirectory: data, actor: "ops")
        return Controller(
            location: repo.root.path, branch: nil, store: store, dataDirectory: data, auth: .none, actor: "controller",
            interval: .seconds(3600), log: { sink.append($0) })
    }

    @Test func loopRunsPassesUntilStoppedAndWritesStatusBack() async throws {
        let repo = try makeOrgRepo()
        let sink = LogSink()
        let loop = try await controller(repo, sink)
        let stop = StopRequest()
        // The injected wait stops the loop at the second wait: two passes, no real sleeping.
        let waits = LogSink()
        let passes = await loop.run(until: stop) { duration, stop in
            #expect(duration == .seconds(3600))
            waits.append(LogLine(time: Date(), level: .trace, message: "wait", fields: [:]))
            if waits.lines.count == 2 { stop.stop() }
        }
        #expect(passes == 2)
        #expect(sink.lines.filter { $0.fields["reason"] == "UpToDate" }.count == 2)
        #expect(sink.lines.last?.message == "controller stopped")
        #expect(try repo.git("show", "charter/status:status.yaml").contains("reason: UpToDate"))
    }

    @Test func aStopRequestEndsAWaitAtOnce() async {
        let stop = StopRequest()
        async let waited: Void = Controller.sleep(.seconds(3600), stop)
        stop.stop()
        await waited
        #expect(stop.isStopped)
        // Stopped before waiting: returns immediately too.
        await Controller.sleep(.seconds(3600), stop)
    }

    @Test func theWaitBetweenPassesIsNeverUnderASecond() async throws {
        var loop = try await controller(try makeOrgRepo(), LogSink())
        loop.interval = .zero
        #expect(loop.pollInterval() == .seconds(1))
        loop.interval = .milliseconds(1500)
        #expect(loop.pollInterval() == .milliseconds(1500))
    }

    @Test func failuresAreLoggedAndTheLoopGoesOn() async throws {
        let repo = try makeOrgRepo()
        let sink = LogSink()
        var loop = try await controller(repo, sink)
        loop.location = "/nonexistent/org"
        let passes = await loop.run(until: StopRequest(), maxPasses: 2) { _, _ in }
        #expect(passes == 2)
        #expect(sink.lines.filter { $0.level == .error }.count == 2)
        let json = sink.lines[0].render(json: true)
        #expect(json.hasPrefix("{\"level\":\"error\",\"msg\":\"reconcile failed:"))
    }
}
