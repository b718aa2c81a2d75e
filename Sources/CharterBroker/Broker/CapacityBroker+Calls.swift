import CharterMetrics
import Foundation

extension CapacityBroker {
    public nonisolated func complete(_ request: CompletionRequest) async throws -> CompletionResponse {
        try await complete(request, context: BrokerCallContext())
    }

    public nonisolated func stream(_ request: CompletionRequest) -> AsyncThrowingStream<CompletionChunk, any Error> {
        stream(request, context: BrokerCallContext())
    }

    /// A provider that sends every request through this broker with `context`: what the engine
    /// hands an agent step (its routine, the routine's priority, the step's deadline).
    public nonisolated func provider(context: BrokerCallContext) -> BrokeredProvider {
        BrokeredProvider(broker: self, context: context)
    }

    /// Answers `request` on the best source that can take it.
    ///
    /// Tries sources of `request.modelClass` in order (priority, then name; sources that already
    /// failed this call last), at most ``BrokerConfiguration/maxAttempts`` attempts, each recorded
    /// in the ledger. Waits in the queue while everything is saturated, until `context.deadline`.
    ///
    /// - Throws: ``BudgetExceededError`` when a budget cannot fit the call; ``BrokerError`` when no
    ///   source serves the class, the call can never fit, capacity stayed saturated until the deadline
    ///   (the last provider error instead, when there was one), or the ledger failed; the provider's
    ///   ``CompletionError`` for invalid requests and when attempts run out; `CancellationError`.
    public nonisolated func complete(
        _ request: CompletionRequest, context: BrokerCallContext
    ) async throws
        -> CompletionResponse
    {
        var demand = makeDemand(request, context)
        var lastError: CompletionError?
        for failover in 0..<max(1, configuration.maxAttempts) {
            let ticket = try await begin(&demand, request, context, failover: failover, lastError: lastError)
            do {
                var response = try await ticket.provider.complete(request)
                let record = await finish(
                    ticket, usage: response.usage, outcome: .ok, error: nil, model: response.model)
                response.accounting = CompletionResponse.Accounting(
                    source: record.source ?? "", costMicros: record.costMicros, ledgerID: record.id)
                return response
            } catch {
                guard let failure = CompletionError.classify(error) else {
                    // Cancelled while the provider worked: it may bill, so charge the reservation.
                    await finish(ticket, usage: nil, outcome: .cancelled, error: nil, model: nil)
                    throw error
                }
                try await failed(ticket, failure, &demand)
                lastError = failure
            }
        }
        throw lastError ?? BrokerError(.saturated, "no attempt was made")
    }

    /// Streams `request` from the best source that can take it, with the rules of
    /// ``complete(_:context:)``. Usage is settled from the provider's `.finished` chunk before that
    /// chunk is passed on, so a consumer that has seen the end can rely on the ledger.
    ///
    /// A failure before the first text or tool call chunk fails over to the next source; after one
    /// has been passed on it ends the stream (retrying would repeat text, or ask for a call the
    /// consumer may already be running), charged at the reservation when the provider may have
    /// billed. A consumer that stops early cancels the provider's stream; the
    /// call is charged at its reservation, since its real usage never arrives.
    public nonisolated func stream(
        _ request: CompletionRequest, context: BrokerCallContext
    ) -> AsyncThrowingStream<
        CompletionChunk, any Error
    > {
        AsyncThrowingStream { continuation in
            let task = Task {
                do {
                    try await self.runStream(request, context, continuation)
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    private nonisolated func runStream(
        _ request: CompletionRequest, _ context: BrokerCallContext,
        _ continuation: AsyncThrowingStream<CompletionChunk, any Error>.Continuation
    ) async throws {
        var demand = makeDemand(request, context)
        var lastError: CompletionError?
        for failover in 0..<max(1, configuration.maxAttempts) {
            let ticket = try await begin(&demand, request, context, failover: failover, lastError: lastError)
            var passedText = false
            do {
                for try await chunk in ticket.provider.stream(request) {
                    switch chunk {
                    case .text, .toolCall:
                        passedText = true
                        continuation.yield(chunk)
                    case .finished(let model, _, let usage):
                        await finish(ticket, usage: usage, outcome: .ok, error: nil, model: model)
                        continuation.yield(chunk)
                        return
                    }
                }
                try Task.checkCancellation()
                throw CompletionError(.transport, "the stream ended before the provider reported usage")
            } catch {
                guard let failure = CompletionError.classify(error) else {
                    await finish(ticket, usage: nil, outcome: .cancelled, error: nil, model: nil)
                    throw error
                }
                if passedText {
                    // Text already reached the consumer; another source would repeat it.
                    let usage: TokenUsage? = Self.mayBill(failure) ? nil : .zero
                    await finish(ticket, usage: usage, outcome: UsageOutcome(failure), error: failure, model: nil)
                    throw failure
                }
                try await failed(ticket, failure, &demand)
                lastError = failure
            }
        }
        throw lastError ?? BrokerError(.saturated, "no attempt was made")
    }

    // MARK: - Steps shared by complete and stream

    nonisolated func makeDemand(_ request: CompletionRequest, _ context: BrokerCallContext) -> Demand {
        Demand(
            modelClass: request.modelClass, inputTokens: max(0, configuration.estimateInputTokens(request)),
            outputTokens: max(0, request.maxOutputTokens),
            scopes: BrokerBudgets.scopes(role: request.metadata.role, routine: context.routine),
            priority: context.priority,
            deadline: context.deadline ?? clock.now.addingTimeInterval(configuration.defaultTimeout))
    }

    /// Admits the call and writes its reservation row; returns when the provider may be called.
    private nonisolated func begin(
        _ demand: inout Demand, _ request: CompletionRequest, _ context: BrokerCallContext, failover: Int,
        lastError: CompletionError?
    ) async throws -> Ticket {
        var ticket: Ticket
        do {
            ticket = try await acquire(demand)
        } catch {
            if failover > 0, let lastError, (error as? BrokerError)?.kind == .saturated {
                // The attempts are recorded; the provider's error says more than "saturated".
                throw lastError
            }
            if !(error is CancellationError) { await recordRefusal(error, request, context, demand: demand) }
            throw error
        }
        ticket.record.run = request.metadata.runID
        ticket.record.step = request.metadata.step
        ticket.record.role = request.metadata.role
        ticket.record.person = request.metadata.person
        ticket.record.routine = context.routine
        ticket.record.attempt = request.metadata.attempt
        ticket.record.failover = failover
        if let model = request.model { ticket.record.model = model }
        do {
            try await ledger.submit(.insert(ticket.record))
        } catch {
            await abandon(ticket)
            throw BrokerError(.ledger, "cannot record the reservation in \(ledger.path): \(error)")
        }
        if Task.isCancelled {
            await finish(ticket, usage: .zero, outcome: .cancelled, error: nil, model: nil)
            throw CancellationError()
        }
        return ticket
    }

    /// Settles a failed attempt; rethrows when the failure must not fail over.
    private nonisolated func failed(
        _ ticket: Ticket, _ failure: CompletionError, _ demand: inout Demand
    )
        async throws
    {
        let usage: TokenUsage? = Self.mayBill(failure) ? nil : .zero
        await finish(ticket, usage: usage, outcome: UsageOutcome(failure), error: failure, model: nil)
        // The request itself is wrong: every source would refuse it.
        if failure.kind == .invalidRequest { throw failure }
        demand.failed.insert(ticket.source)
    }

    /// Timeouts and broken connections may have been processed (and billed) by the provider.
    nonisolated static func mayBill(_ failure: CompletionError) -> Bool {
        switch failure.kind {
        case .timeout, .transport: true
        default: false
        }
    }

    @discardableResult
    private nonisolated func finish(
        _ ticket: Ticket, usage: TokenUsage?, outcome: UsageOutcome, error: CompletionError?, model: String?
    ) async -> UsageRecord {
        let record = await settle(ticket, usage: usage, outcome: outcome, error: error, model: model)
        configuration.metrics.brokerCall(
            source: record.source ?? CharterMetrics.noSource, outcome: outcome.rawValue,
            inputTokens: record.usage.input, outputTokens: record.usage.output, costMicros: record.costMicros)
        // A failed settle write leaves the row open; the next start reconciles it at its reservation.
        try? await ledger.submit(
            .settle(
                id: record.id, finishedAt: record.finishedAt ?? record.startedAt, model: model, usage: record.usage,
                costMicros: record.costMicros, outcome: outcome, estimated: record.estimated, error: record.error))
        onEvent?(.settled(record))
        return record
    }

    private nonisolated func recordRefusal(
        _ error: any Error, _ request: CompletionRequest, _ context: BrokerCallContext, demand: Demand
    ) async {
        let outcome: UsageOutcome
        switch error {
        case is BudgetExceededError: outcome = .budgetExceeded
        case let error as BrokerError where error.kind == .noSource: outcome = .noSource
        case let error as BrokerError where error.kind == .tooLarge: outcome = .tooLarge
        default: outcome = .saturated
        }
        let now = clock.now
        let record = UsageRecord(
            id: ledger.allocateID(), startedAt: now, finishedAt: now, day: await day(of: now),
            run: request.metadata.runID, step: request.metadata.step, role: request.metadata.role,
            routine: context.routine, person: request.metadata.person, attempt: request.metadata.attempt,
            failover: 0, source: nil, model: request.model, reservedInputTokens: demand.inputTokens,
            reservedOutputTokens: demand.outputTokens, reservedCostMicros: 0, usage: .zero, costMicros: 0,
            state: .settled, outcome: outcome, estimated: false, error: String(describing: error))
        try? await ledger.submit(.insert(record))
        configuration.metrics.brokerCall(source: CharterMetrics.noSource, outcome: outcome.rawValue)
        switch error {
        case let error as BudgetExceededError: onEvent?(.budgetExceeded(error, record))
        case let error as BrokerError where error.kind == .saturated: onEvent?(.saturated(error, record))
        default: break
        }
    }

    func day(of date: Date) -> String { book.day(of: date) }
}

/// A ``CompletionProvider`` that sends every request through a ``CapacityBroker`` with a fixed
/// ``BrokerCallContext``: the routine charged, its priority and the step's deadline.
public struct BrokeredProvider: CompletionProvider {
    /// The broker.
    public let broker: CapacityBroker
    /// The context of every call.
    public let context: BrokerCallContext

    /// `broker` with `context`.
    public init(broker: CapacityBroker, context: BrokerCallContext) {
        self.broker = broker
        self.context = context
    }

    public var name: String { broker.name }

    public func complete(_ request: CompletionRequest) async throws -> CompletionResponse {
        try await broker.complete(request, context: context)
    }

    public func stream(_ request: CompletionRequest) -> AsyncThrowingStream<CompletionChunk, any Error> {
        broker.stream(request, context: context)
    }
}
