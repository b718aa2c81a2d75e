import CharterMetrics
import CharterModel
import CharterTestSupport
import Foundation

@testable import CharterBroker

/// A scripted provider for broker tests: answers, fails or holds each call as told, and records
/// every call it receives with the clock's time, its peak concurrency and the tokens it reported.
final class ScriptedProvider: CompletionProvider, @unchecked Sendable {
    enum Step: Sendable {
        case answer(TokenUsage)
        case fail(CompletionError)
        /// Waits for ``release(_:)`` (or cancellation), then answers with the usage.
        case hold(TokenUsage)
    }

    struct Call: Sendable {
        var time: Date
        var request: CompletionRequest
        var usage: TokenUsage?
    }

    private struct State {
        var script: [Step] = []
        var fallback: Step
        var inFlight = 0
        var maxInFlight = 0
        var calls: [Call] = []
        var held: [(id: Int, continuation: CheckedContinuation<Void, any Error>)] = []
        var nextHoldID = 0
        var cancelledHolds: Set<Int> = []
        var releases = 0
        var callWatchers: [(count: Int, continuation: CheckedContinuation<Void, Never>)] = []
    }

    let name: String
    let clock: ManualClock
    let streamChunks: [String]
    private let lock = NSLock()
    private var state: State

    init(
        _ name: String, clock: ManualClock, fallback: Step = .answer(TokenUsage(input: 10, output: 5)),
        script: [Step] = [], streamChunks: [String] = ["Hello, ", "world."]
    ) {
        self.name = name
        self.clock = clock
        self.streamChunks = streamChunks
        state = State(script: script, fallback: fallback)
    }

    private func locked<R>(_ body: (inout State) -> R) -> R {
        lock.lock()
        defer { lock.unlock() }
        return body(&state)
    }

    var calls: [Call] { locked { $0.calls } }
    var callCount: Int { locked { $0.calls.count } }
    var maxInFlight: Int { locked { $0.maxInFlight } }
    var inFlight: Int { locked { $0.inFlight } }

    /// Replaces what later calls do.
    func setFallback(_ step: Step) { locked { $0.fallback = step } }
    func push(_ steps: Step...) { locked { $0.script += steps } }

    /// Lets `n` held calls (present or future) answer.
    func release(_ n: Int = 1) {
        let ready: [CheckedContinuation<Void, any Error>] = locked { s in
            s.releases += n
            let k = min(s.releases, s.held.count)
            s.releases -= k
            let ready = s.held.prefix(k).map(\.continuation)
            s.held.removeFirst(k)
            return ready
        }
        for c in ready { c.resume() }
    }

    /// Returns once at least `count` calls have reached the provider.
    func waitForCalls(_ count: Int) async {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let done = locked { s in
                if s.calls.count >= count { return true }
                s.callWatchers.append((count, c))
                return false
            }
            if done { c.resume() }
        }
    }

    private func begin(_ request: CompletionRequest) -> Step {
        let (step, ready) = locked { s -> (Step, [CheckedContinuation<Void, Never>]) in
            let step = s.script.isEmpty ? s.fallback : s.script.removeFirst()
            var usage: TokenUsage?
            switch step {
            case .answer(let u), .hold(let u): usage = u
            case .fail: usage = nil
            }
            s.calls.append(Call(time: clock.now, request: request, usage: usage))
            s.inFlight += 1
            s.maxInFlight = max(s.maxInFlight, s.inFlight)
            var ready: [CheckedContinuation<Void, Never>] = []
            s.callWatchers.removeAll { w in
                guard s.calls.count >= w.count else { return false }
                ready.append(w.continuation)
                return true
            }
            return (step, ready)
        }
        for c in ready { c.resume() }
        return step
    }

    private func end() { locked { $0.inFlight -= 1 } }

    /// Waits for a release; cancellation ends the wait with `CancellationError`.
    private func hold() async throws {
        let id = locked { s in
            s.nextHoldID += 1
            return s.nextHoldID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (c: CheckedContinuation<Void, any Error>) in
                let outcome: Result<Void, any Error>? = locked { s in
                    if s.cancelledHolds.remove(id) != nil { return .failure(CancellationError()) }
                    if s.releases > 0 {
                        s.releases -= 1
                        return .success(())
                    }
                    s.held.append((id, c))
                    return nil
                }
                if let outcome { c.resume(with: outcome) }
            }
        } onCancel: {
            let c = locked { s -> CheckedContinuation<Void, any Error>? in
                guard let i = s.held.firstIndex(where: { $0.id == id }) else {
                    s.cancelledHolds.insert(id)
                    return nil
                }
                return s.held.remove(at: i).continuation
            }
            c?.resume(throwing: CancellationError())
        }
    }

    func complete(_ request: CompletionRequest) async throws -> CompletionResponse {
        let step = begin(request)
        defer { end() }
        switch step {
        case .answer(let usage):
            return CompletionResponse(
                text: "answer from \(name)", model: "\(name)-model", finishReason: .stop, usage: usage)
        case .fail(let error):
            throw error
        case .hold(let usage):
            try await hold()
            return CompletionResponse(
                text: "answer from \(name)", model: "\(name)-model", finishReason: .stop, usage: usage)
        }
    }

    func stream(_ request: CompletionRequest) -> AsyncThrowingStream<CompletionChunk, any Error> {
        AsyncThrowingStream { continuation in
            let task = Task {
                let step = self.begin(request)
                defer { self.end() }
                do {
                    switch step {
                    case .fail(let error):
                        throw error
                    case .hold(let usage):
                        continuation.yield(.text(self.streamChunks.first ?? ""))
                        try await self.hold()
                        for piece in self.streamChunks.dropFirst() { continuation.yield(.text(piece)) }
                        continuation.yield(.finished(model: "\(self.name)-model", finishReason: .stop, usage: usage))
                    case .answer(let usage):
                        for piece in self.streamChunks { continuation.yield(.text(piece)) }
                        continuation.yield(.finished(model: "\(self.name)-model", finishReason: .stop, usage: usage))
                    }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }
}

/// Collects broker events.
final class EventSink: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [BrokerEvent] = []

    func append(_ event: BrokerEvent) {
        lock.lock()
        items.append(event)
        lock.unlock()
    }

    var events: [BrokerEvent] {
        lock.lock()
        defer { lock.unlock() }
        return items
    }
}

/// A fresh temporary directory for a ledger.
func brokerTemporaryDirectory() -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent(
        "charter-broker-test-\(UUID().uuidString)", isDirectory: true)
    try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// A broker whose input estimate is a fixed number, so reservations are exactly
/// `inputEstimate + maxOutputTokens`.
struct BrokerFixture {
    let clock: ManualClock
    let directory: URL
    let ledger: UsageLedger
    let broker: CapacityBroker
    let events: EventSink

    init(
        sources: [BrokerSource], budgets: BrokerBudgets = .none, clock: ManualClock = ManualClock(),
        directory: URL = brokerTemporaryDirectory(), inputEstimate: Int = 10, maxAttempts: Int = 5,
        backoffBase: TimeInterval = 1, backoffCap: TimeInterval = 60, metrics: CharterMetrics = .global
    ) throws {
        self.clock = clock
        self.directory = directory
        ledger = try UsageLedger(directory: directory)
        let events = EventSink()
        self.events = events
        broker = try CapacityBroker(
            sources: sources, budgets: budgets, ledger: ledger, clock: clock, seed: 42,
            configuration: BrokerConfiguration(
                backoffBase: backoffBase, backoffCap: backoffCap, maxAttempts: maxAttempts,
                estimateInputTokens: { _ in inputEstimate }, metrics: metrics),
            onEvent: { events.append($0) })
    }
}

/// A request of class `standard` reserving `inputEstimate + maxOutput` tokens.
func brokerRequest(
    maxOutput: Int = 90, role: String? = nil, run: String? = "run-1", step: String? = "s", prompt: String = "hello",
    modelClass: String = "standard"
) -> CompletionRequest {
    CompletionRequest(
        modelClass: modelClass, prompt: prompt, maxOutputTokens: maxOutput,
        metadata: CompletionMetadata(runID: run, step: step, role: role))
}
