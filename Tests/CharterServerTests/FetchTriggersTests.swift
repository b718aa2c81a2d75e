import Testing

@testable import CharterServer

@Suite struct FetchTriggersTests {
    @Test func aPendingTriggerAbsorbsLaterOnes() {
        let triggers = FetchTriggers()
        #expect(!triggers.submit(FetchTrigger(provider: .github, refs: ["refs/heads/main"])))
        #expect(triggers.submit(FetchTrigger(provider: .gitlab, event: "Push Hook", refs: ["refs/heads/x"])))
        #expect(triggers.submit(FetchTrigger(provider: .gitlab, refs: ["refs/heads/main"])))
        let merged = triggers.takePending()
        #expect(merged == FetchTrigger(provider: .gitlab, refs: ["refs/heads/main", "refs/heads/x"], deliveries: 3))
        #expect(triggers.takePending() == nil)
    }

    @Test func mergedRefsAreBounded() {
        var trigger = FetchTrigger(provider: .generic)
        for index in 0..<100 {
            trigger = trigger.merged(with: FetchTrigger(provider: .generic, refs: ["refs/heads/b\(index)"]))
        }
        #expect(trigger.refs.count == FetchTrigger.maximumRefs)
        #expect(trigger.deliveries == 101)
    }

    @Test func aWaitingConsumerGetsTheTriggerDirectly() async {
        let triggers = FetchTriggers()
        async let next = triggers.next()
        // Whether the consumer is already waiting or not yet, the trigger arrives exactly once.
        triggers.submit(FetchTrigger(provider: .github))
        #expect(await next?.provider == .github)
        #expect(triggers.takePending() == nil)
    }

    @Test func cancellingAWaiterKeepsTheSequenceOpen() async {
        let triggers = FetchTriggers()
        let waiter = Task { await triggers.next() }
        waiter.cancel()
        #expect(await waiter.value == nil)
        triggers.submit(FetchTrigger(provider: .gitea))
        #expect(await triggers.next()?.provider == .gitea)
    }

    @Test func racingAPollTimerLosesNothing() async {
        let triggers = FetchTriggers()
        // What the controller does between passes: wait for a trigger or the poll interval, whichever
        // comes first, then cancel the other.
        for _ in 0..<3 {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { _ = await triggers.next() }
                group.addTask { try? await Task.sleep(for: .milliseconds(5)) }
                await group.next()
                group.cancelAll()
            }
        }
        triggers.submit(FetchTrigger(provider: .github))
        #expect(await triggers.next() != nil)
    }

    @Test func finishingEndsIterationAfterThePendingTrigger() async {
        let triggers = FetchTriggers()
        triggers.submit(FetchTrigger(provider: .github))
        triggers.finish()
        triggers.submit(FetchTrigger(provider: .gitlab))  // after the end: dropped
        var received: [FetchTrigger] = []
        for await trigger in triggers { received.append(trigger) }
        #expect(received.map(\.provider) == [.github])
    }
}
