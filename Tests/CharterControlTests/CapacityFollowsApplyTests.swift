import CharterBroker
import CharterControl
import CharterModel
import CharterStore
import CharterTestSupport
import Foundation
import Testing

/// A long-running controller takes an applied CapacitySource or budget change into its broker in
/// the same pass, without a restart.
@Suite struct CapacityFollowsApplyTests {
    /// example-repo whose policy auto-approves capacity and routine changes, bootstrapped.
    func setUp() async throws -> (GitFixture, StateStore, URL) {
        let repo = try GitFixture(name: "capacity-follows")
        try repo.copy(from: GitFixture.exampleRepo)
        let policy = try repo.read("policies/change-control.yaml")
        try repo.write(
            "policies/change-control.yaml",
            policy.replacingOccurrences(
                of: "    # an empty match matches every change\n",
                with: """
                        - name: capacity-self-service
                          match:
                            kinds: [CapacitySource, Routine, Template]
                          action: autoApprove

                    """))
        try repo.commitAll("Northwind Labs, capacity changes auto-approved")
        let data = makeTemporaryDirectory("capacity-follows-data")
        let store = try StateStore(directory: data)
        _ = try await Operations.bootstrap(
            SourceRequest(location: repo.root.path, revision: "main"), store: store, dataDirectory: data, actor: "ops")
        return (repo, store, data)
    }

    @Test func anAppliedSourceAndBudgetReachTheRunningBroker() async throws {
        let (repo, store, data) = try await setUp()
        let (runs, capacity) = try RunService.withCapacity(
            dataDirectory: data, actual: try store.actualState(), environment: [:])
        defer { Task { await capacity.shutdown() } }
        let controller = Controller(
            location: repo.root.path, branch: nil, store: store, dataDirectory: data, auth: .none, actor: "controller",
            interval: nil, writeBack: false, log: { _ in }, runs: runs)
        let request = CompletionRequest(
            modelClass: "standard", prompt: "hello", metadata: CompletionMetadata(role: "scribe"))
        _ = try await capacity.broker.complete(request)
        #expect(try capacity.ledger.records().last?.source == "offline-fallback")

        let quiet = try await controller.reconcile()
        #expect(quiet.reason == "UpToDate")
        #expect(quiet.capacity.isEmpty, "nothing changed, nothing reconfigured: \(quiet.capacity)")

        let sources = try repo.read("capacity/sources.yaml")
        try repo.write(
            "capacity/sources.yaml",
            sources + """
                ---
                apiVersion: charter/v1
                kind: CapacitySource
                metadata:
                  name: offline-primary
                spec:
                  provider: offline
                  class: standard
                  model: offline
                  priority: 20

                """)
        try repo.write(
            "routines/weekly-notes.yaml",
            """
            apiVersion: charter/v1
            kind: Routine
            metadata:
              name: weekly-notes
            spec:
              schedule: "0 9 * * MON"
              template: notes
              budget:
                tokensPerDay: 1
            """)
        try repo.write(
            "templates/notes.yaml",
            """
            apiVersion: charter/v1
            kind: Template
            metadata:
              name: notes
            spec:
              steps:
                - name: write
                  type: agent
                  role: scribe
                  prompt: Write the week's notes.
            """)
        try repo.commitAll("a primary source and a routine with a budget")
        let applied = try await controller.reconcile()
        #expect(applied.reason == "Applied", "\(applied.message) \(applied.diagnostics)")
        #expect(applied.capacity.first?.contains("offline-primary (standard)") == true, "\(applied.capacity)")

        _ = try await capacity.broker.complete(request)
        #expect(try capacity.ledger.records().last?.source == "offline-primary")
        await #expect(throws: BudgetExceededError.self) {
            try await capacity.broker.complete(request, context: BrokerCallContext(routine: "weekly-notes"))
        }
    }
}
