import CharterFoundation
import CharterMetrics
import CharterModel
import Foundation

/// Places every LLM call of the controller process on a CapacitySource: picks a source by class and
/// priority, keeps each source under its rate, token and concurrency limits with reservations,
/// enforces daily budgets, fails over with cooldowns, queues by priority when everything is
/// saturated, and records every call in the ``UsageLedger``. One broker is shared by every run, so
/// limits hold for the process as a whole. docs/BROKER.md specifies the rules.
///
/// It is itself a ``CompletionProvider``: ``complete(_:)`` and ``stream(_:)`` use a default
/// ``BrokerCallContext``; ``complete(_:context:)``, ``stream(_:context:)`` and
/// ``provider(context:)`` carry the routine, the queue priority and the step's deadline.
public actor CapacityBroker: CompletionProvider {
    /// A call admitted to a source: its reservation and its open ledger row.
    struct Ticket: Sendable {
        let source: Int
        let provider: any CompletionProvider
        let prices: TokenPrices
        let scopes: [BudgetScope]
        /// The reservation row, written before the provider is called.
        var record: UsageRecord
        var id: UInt64 { UInt64(record.id) }
        var reservedTokens: Int { record.reservedInputTokens + record.reservedOutputTokens }
    }

    /// What a call asks of the broker.
    struct Demand: Sendable {
        let modelClass: String
        let inputTokens: Int
        let outputTokens: Int
        let scopes: [BudgetScope]
        let priority: Int
        let deadline: Date
        /// Sources that failed during this call: tried last.
        var failed: Set<Int> = []
        var tokens: Int { inputTokens + outputTokens }
    }

    enum Admission {
        case admitted(Ticket)
        /// Nothing fits now; `blocking` are the sources this demand waits for because of their
        /// limits, which later (lower-priority) waiters must leave to it.
        case wait(blocking: [Int])
        case failed(any Error)
    }

    struct Waiter {
        let seq: UInt64
        let demand: Demand
        let continuation: CheckedContinuation<Ticket, any Error>
    }

    /// `broker`, for logs.
    public nonisolated let name = "broker"
    nonisolated let clock: any WallClock
    /// The ledger every call is recorded in.
    public nonisolated let ledger: UsageLedger
    nonisolated let configuration: BrokerConfiguration
    nonisolated let onEvent: (@Sendable (BrokerEvent) -> Void)?
    var sources: [SourceState]
    /// Source indices per class: priority descending, then name ascending (the tie-break), then
    /// declaration order for identical names. Retired sources are in no class.
    var sourcesByClass: [String: [Int]]
    var book: BudgetBook
    var rng: SeededGenerator
    /// Waiting calls: priority descending, then arrival.
    var waiters: [Waiter] = []
    var nextSeq: UInt64 = 0
    var timer: Task<Void, Never>?
    var timerAt: Date?
    /// Tasks waiting for the queue to reach a length (tests, through ``waitForQueue(_:)``).
    var queueWatchers: [(condition: @Sendable (Int) -> Bool, continuation: CheckedContinuation<Void, Never>)] = []

    /// A broker over `sources`.
    ///
    /// Opening reconciles reservations a crash left open (``UsageLedger/reconcileOpenReservations(at:)``)
    /// and reloads the current budget day's usage and the last 24 hours of per-source usage, so a
    /// restart neither forgets spending nor resets rate windows.
    ///
    /// - Parameters:
    ///   - sources: every CapacitySource with its provider; names should be unique.
    ///   - budgets: per role, per routine and organization daily budgets.
    ///   - ledger: where every call is recorded.
    ///   - clock: the time source (the test support's `ManualClock` in tests).
    ///   - seed: the seed of the cooldown jitter.
    ///   - configuration: backoff, attempts, default timeout, token estimator.
    ///   - onEvent: receives ``BrokerEvent``s for the run's events; called on the broker's tasks, keep it quick.
    public init(
        sources: [BrokerSource], budgets: BrokerBudgets = .none, ledger: UsageLedger,
        clock: any WallClock = SystemWallClock(), seed: UInt64 = 0x5EED_CAFE,
        configuration: BrokerConfiguration = BrokerConfiguration(),
        onEvent: (@Sendable (BrokerEvent) -> Void)? = nil
    ) throws(UsageLedgerError) {
        self.clock = clock
        self.ledger = ledger
        self.configuration = configuration
        self.onEvent = onEvent
        var states = sources.enumerated().map { SourceState(index: $0.offset, $0.element) }
        sourcesByClass = Self.classes(states)
        rng = SeededGenerator(seed: seed)
        var book = BudgetBook(budgets: budgets)

        let now = clock.now
        try ledger.reconcileOpenReservations(at: now)
        do {
            let day = book.day(of: now)
            for row in try ledger.budgetUsage(day: day) {
                for scope in BrokerBudgets.scopes(role: row.role, routine: row.routine) {
                    book.load(scope: scope, day: day, tokens: row.tokens, cost: row.cost)
                }
            }
            let index = Dictionary(states.map { ($0.name, $0.index) }, uniquingKeysWith: { a, _ in a })
            var restoredID: UInt64 = 0
            for entry in try ledger.windowEntries(since: now.addingTimeInterval(-86_400)) {
                guard let i = index[entry.source] else { continue }
                // Restored entries get ids below any new call's, which come from the ledger.
                restoredID += 1
                states[i].day.addSettled(time: entry.startedAt, tokens: entry.tokens, id: restoredID)
                if entry.startedAt > now.addingTimeInterval(-60) {
                    states[i].minute.addSettled(time: entry.startedAt, tokens: entry.tokens, id: restoredID)
                }
            }
            for i in states.indices { states[i].advance(to: now) }
        } catch {
            throw UsageLedgerError("load usage from", path: ledger.path, error)
        }
        self.book = book
        self.sources = states
    }

    /// Source indices per class, best first: priority descending, then name, then declaration order.
    static func classes(_ states: [SourceState]) -> [String: [Int]] {
        var byClass: [String: [Int]] = [:]
        for s in states where !s.retired { byClass[s.source.capacityClass, default: []].append(s.index) }
        for key in byClass.keys {
            byClass[key]!.sort { a, b in
                let x = states[a].source
                let y = states[b].source
                if x.priority != y.priority { return x.priority > y.priority }
                if x.name != y.name { return x.name < y.name }
                return a < b
            }
        }
        return byClass
    }

    /// The default input estimate: ``OfflineProvider/estimateTokens(_:)`` of
    /// ``OfflineProvider/renderedInput(_:)``, one token per started 4 bytes of what is sent (tool
    /// schemas, calls and results included), plus ``toolUseOverheadTokens`` when tools are offered.
    public static let defaultInputEstimate: @Sendable (CompletionRequest) -> Int = { request in
        OfflineProvider.estimateTokens(OfflineProvider.renderedInput(request))
            + (request.tools.isEmpty ? 0 : toolUseOverheadTokens)
    }

    /// Tokens a provider adds to a request that offers tools, beyond the schemas themselves:
    /// Anthropic prepends a tool-use system prompt of a few hundred tokens (its documentation lists
    /// the size per model) and OpenAI renders the tools into its own prompt format. A reservation
    /// below the real count lets a call overshoot a rate limit by the difference.
    public static let toolUseOverheadTokens = 400

    // MARK: - Admission

    /// Waits until `demand` is admitted somewhere, and returns its reservation; throws
    /// ``BudgetExceededError`` or ``BrokerError`` when it cannot be, `CancellationError` when the
    /// waiting task is cancelled (it leaves the queue at once).
    func acquire(_ demand: Demand) async throws -> Ticket {
        let now = clock.now
        if waiters.isEmpty {
            // The fast path: nobody is queued, so nothing has precedence over this call.
            switch admit(demand, now: now, blocked: []) {
            case .admitted(let ticket): return ticket
            case .failed(let error): throw error
            case .wait:
                if demand.deadline <= now { throw saturated(demand, now: now) }
            }
        }
        try Task.checkCancellation()
        // Counted once it is sure to wait: the time in the queue is what the limits cost this call.
        configuration.metrics.brokerWaitStarted()
        defer {
            configuration.metrics.brokerWaitEnded(
                after: CharterMetrics.duration(seconds: clock.now.timeIntervalSince(now)))
        }
        let seq = nextSeq
        nextSeq += 1
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (c: CheckedContinuation<Ticket, any Error>) in
                let waiter = Waiter(seq: seq, demand: demand, continuation: c)
                let at = waiters.firstIndex { $0.demand.priority < demand.priority } ?? waiters.endIndex
                waiters.insert(waiter, at: at)
                pump()
            }
        } onCancel: {
            Task { await self.cancelWaiter(seq) }
        }
    }

    /// Removes a cancelled waiter; a waiter already admitted keeps its ticket (the caller sees the
    /// cancellation before calling the provider and settles it at zero).
    func cancelWaiter(_ seq: UInt64) {
        guard let i = waiters.firstIndex(where: { $0.seq == seq }) else { return }
        let waiter = waiters.remove(at: i)
        waiter.continuation.resume(throwing: CancellationError())
        pump()
    }

    /// Tries `demand` on each source of its class, best first.
    func admit(_ demand: Demand, now: Date, blocked: Set<Int>) -> Admission {
        guard let candidates = sourcesByClass[demand.modelClass], !candidates.isEmpty else {
            return .failed(BrokerError(.noSource, "no CapacitySource serves the class `\(demand.modelClass)`"))
        }
        let day = book.day(of: now)
        let ordered =
            demand.failed.isEmpty
            ? candidates : candidates.filter { !demand.failed.contains($0) } + candidates.filter(demand.failed.contains)
        var blocking: [Int] = []
        var possible = false
        var budgetRefusal: BudgetExceededError?
        var tooLarge: String?
        for i in ordered {
            sources[i].advance(to: now)
            let fit = sources[i].fit(tokens: demand.tokens)
            if case .never(let why) = fit {
                tooLarge = tooLarge ?? why
                continue
            }
            let cost = sources[i].prices.worstCaseCost(
                inputTokens: demand.inputTokens, maxOutputTokens: demand.outputTokens)
            switch book.fit(scopes: demand.scopes, day: day, tokens: Int64(demand.tokens), cost: cost) {
            case .never(let refusal):
                budgetRefusal = budgetRefusal ?? refusal
                continue
            case .later:
                // Only reservations in flight stand in the way; they may settle lower.
                possible = true
                continue
            case .now:
                possible = true
            }
            if sources[i].inCooldown(at: now) || blocked.contains(i) { continue }
            if fit == .later {
                blocking.append(i)
                continue
            }
            return .admitted(reserve(i, demand, cost: cost, day: day, now: now))
        }
        if possible { return .wait(blocking: blocking) }
        if let budgetRefusal { return .failed(budgetRefusal) }
        return .failed(BrokerError(.tooLarge, tooLarge ?? "the call cannot fit any source"))
    }

    private func reserve(_ i: Int, _ demand: Demand, cost: Int64, day: String, now: Date) -> Ticket {
        let id = ledger.allocateID()
        sources[i].minute.add(id: UInt64(id), time: now, tokens: demand.tokens)
        sources[i].day.add(id: UInt64(id), time: now, tokens: demand.tokens)
        sources[i].inFlight += 1
        book.reserve(scopes: demand.scopes, day: day, tokens: Int64(demand.tokens), cost: cost)
        let record = UsageRecord(
            id: id, startedAt: now, finishedAt: nil, day: day, run: nil, step: nil, role: nil, routine: nil,
            person: nil, attempt: 1, failover: 0, source: sources[i].name, model: sources[i].source.model,
            reservedInputTokens: demand.inputTokens, reservedOutputTokens: demand.outputTokens,
            reservedCostMicros: cost, usage: .zero, costMicros: 0, state: .reserved, outcome: nil, estimated: false,
            error: nil)
        return Ticket(
            source: i, provider: sources[i].provider, prices: sources[i].prices, scopes: demand.scopes, record: record)
    }

    /// Serves waiters in queue order. A waiter that waits for a source's limits keeps that source
    /// from later waiters, so a large call is not starved by a stream of small ones; sources it does
    /// not need stay open to them.
    func pump() {
        guard !waiters.isEmpty else {
            scheduleTimer()
            return
        }
        let now = clock.now
        var blocked = Set<Int>()
        var i = 0
        while i < waiters.count {
            let waiter = waiters[i]
            switch admit(waiter.demand, now: now, blocked: blocked) {
            case .admitted(let ticket):
                waiters.remove(at: i)
                waiter.continuation.resume(returning: ticket)
            case .failed(let error):
                waiters.remove(at: i)
                waiter.continuation.resume(throwing: error)
            case .wait(let blocking):
                if waiter.demand.deadline <= now {
                    waiters.remove(at: i)
                    waiter.continuation.resume(throwing: saturated(waiter.demand, now: now))
                } else {
                    blocked.formUnion(blocking)
                    i += 1
                }
            }
        }
        scheduleTimer()
    }

    /// Sleeps until the next instant something may change for the waiters: a deadline, a
    /// cooldown's end, an entry leaving a window, the next budget day.
    private func scheduleTimer() {
        if !queueWatchers.isEmpty {
            let count = waiters.count
            queueWatchers.removeAll { watcher in
                guard watcher.condition(count) else { return false }
                watcher.continuation.resume()
                return true
            }
        }
        guard !waiters.isEmpty else {
            timer?.cancel()
            timer = nil
            timerAt = nil
            return
        }
        let now = clock.now
        var next = waiters.map(\.demand.deadline).min()!
        for s in sources {
            if let until = s.cooldownUntil, until > now { next = min(next, until) }
            if let expiry = s.nextWindowExpiry, expiry > now { next = min(next, expiry) }
        }
        if let end = book.dayEnd, end > now { next = min(next, end) }
        if timerAt == next, timer != nil { return }
        timer?.cancel()
        timerAt = next
        let clock = self.clock
        timer = Task {
            do { try await clock.sleep(until: next) } catch { return }
            self.timerFired(next)
        }
    }

    private func timerFired(_ at: Date) {
        guard timerAt == at else { return }
        timer = nil
        timerAt = nil
        pump()
    }

    private func saturated(_ demand: Demand, now: Date) -> BrokerError {
        let states = (sourcesByClass[demand.modelClass] ?? []).map { i -> String in
            let s = sources[i]
            if let until = s.cooldownUntil, now < until {
                return "`\(s.name)` cooling down until \(Timestamp.utc(until))"
            }
            return
                "`\(s.name)` at its limits (\(s.minute.requests) requests and \(s.minute.tokens) tokens this minute, "
                + "\(s.inFlight) in flight)"
        }
        return BrokerError(
            .saturated,
            "no capacity for class `\(demand.modelClass)` (\(demand.tokens) tokens) before the deadline "
                + "\(Timestamp.utc(demand.deadline)): " + states.joined(separator: "; "))
    }

    // MARK: - Settlement

    /// Replaces `ticket`'s reservation with what the call used, cools the source down after a
    /// failure, and serves the queue with whatever was freed. Returns the settled row.
    ///
    /// `usage` nil charges the reservation (marked estimated): the provider got the request but its
    /// count never came back (timeout, broken connection, the caller went away).
    func settle(
        _ ticket: Ticket, usage: TokenUsage?, outcome: UsageOutcome, error: CompletionError?, model: String?
    )
        -> UsageRecord
    {
        let now = clock.now
        var record = ticket.record
        let charged = usage == nil
        let used = usage ?? TokenUsage(input: record.reservedInputTokens, output: record.reservedOutputTokens)
        let cost = charged ? record.reservedCostMicros : ticket.prices.cost(of: used)
        record.state = .settled
        record.finishedAt = now
        record.usage = used
        record.costMicros = cost
        record.outcome = outcome
        record.estimated = charged
        record.error = error.map { String(describing: $0) }
        if let model { record.model = model }

        let i = ticket.source
        sources[i].minute.settle(id: ticket.id, tokens: used.total)
        sources[i].day.settle(id: ticket.id, tokens: used.total)
        sources[i].inFlight -= 1
        book.settle(
            scopes: ticket.scopes, day: record.day, reservedTokens: Int64(ticket.reservedTokens),
            reservedCost: record.reservedCostMicros, tokens: Int64(used.total), cost: cost)
        if outcome == .ok {
            sources[i].consecutiveFailures = 0
        } else if let error {
            coolDown(i, error: error, now: now)
        }
        pump()
        return record
    }

    private func coolDown(_ i: Int, error: CompletionError, now: Date) {
        let seconds: TimeInterval
        if error.isRetryable {
            sources[i].consecutiveFailures += 1
            seconds = Backoff.cooldown(
                failures: sources[i].consecutiveFailures, retryAfter: error.retryAfter,
                base: configuration.backoffBase, cap: configuration.backoffCap, using: &rng)
        } else if error.kind == .authentication {
            seconds = configuration.authenticationCooldown
        } else {
            return
        }
        let until = now.addingTimeInterval(seconds)
        sources[i].cooldownUntil = max(sources[i].cooldownUntil ?? until, until)
        configuration.metrics.brokerCooldown(source: sources[i].name, reason: UsageOutcome(error).rawValue)
        onEvent?(.cooldown(source: sources[i].name, until: until, error: error))
    }

    /// Forgets a reservation whose ledger row could not be written: the provider was never called.
    func abandon(_ ticket: Ticket) {
        let i = ticket.source
        sources[i].minute.settle(id: ticket.id, tokens: 0)
        sources[i].day.settle(id: ticket.id, tokens: 0)
        sources[i].inFlight -= 1
        book.settle(
            scopes: ticket.scopes, day: ticket.record.day, reservedTokens: Int64(ticket.reservedTokens),
            reservedCost: ticket.record.reservedCostMicros, tokens: 0, cost: 0)
        pump()
    }
}
