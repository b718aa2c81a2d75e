import CharterModel
import CharterPlan
import CharterStore
import Foundation
import Testing

func temporaryDirectory() -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("charter-store-\(UUID().uuidString)")
    try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

func orgState(teamName: String = "Core", extraPerson: Bool = false) throws -> OrgState {
    var text = """
        apiVersion: charter/v1
        kind: Organization
        metadata: {name: acme}
        spec: {displayName: Acme}
        ---
        apiVersion: charter/v1
        kind: Team
        metadata: {name: core}
        spec: {displayName: \(teamName), members: []}
        """
    if extraPerson {
        text += "\n---\napiVersion: charter/v1\nkind: Person\nmetadata: {name: ada}\nspec: {displayName: Ada}"
    }
    return try Loader.load([SourceFile(path: "org.yaml", contents: .bytes(Array(text.utf8)))]).get()
}

@Suite struct StateStoreTests {
    let now = Date(timeIntervalSince1970: 1_790_000_000.123)

    @Test func bootstrapIntoEmptyStateAndReadBack() throws {
        let dir = temporaryDirectory()
        let store = try StateStore(directory: dir)
        #expect(try store.isEmpty())
        let desired = try orgState()
        let changes = Planner.plan(desired: desired, actual: .empty)
        let applied = try store.apply(
            changes, revision: "abc123", method: .bootstrap, actor: "ops", source: "org", at: now)
        #expect(applied.method == .bootstrap)
        #expect(applied.sequence == 1)

        // A second process opening the same file sees the same state: it is really on disk.
        let reopened = try StateStore(directory: dir)
        #expect(!(try reopened.isEmpty()))
        let actual = try reopened.actualState()
        #expect(Planner.plan(desired: desired, actual: actual).isEmpty)
        let revision = try reopened.appliedRevision()
        #expect(revision?.revision == "abc123")
        #expect(revision?.actor == "ops")
        #expect(revision?.method == .bootstrap)
        #expect(revision?.changeSetHash == changes.hash)
        let events = try reopened.events()
        #expect(events.map(\.type) == ["state.bootstrapped"])
        #expect(events[0].data["revision"] == "abc123")
        #expect(Event.verifyChain(events))
        #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("charter.sqlite-wal").path))
    }

    @Test func bootstrapRefusesNonEmptyStateAndChangesNothing() throws {
        let store = try StateStore(directory: temporaryDirectory())
        try store.apply(
            Planner.plan(desired: try orgState(), actual: .empty), revision: "r1", method: .bootstrap, actor: "ops",
            source: "org", at: now)
        let next = Planner.plan(desired: try orgState(teamName: "Other"), actual: try store.actualState())
        #expect(throws: StoreError.self) {
            try store.apply(next, revision: "r2", method: .bootstrap, actor: "ops", source: "org", at: now)
        }
        #expect(try store.appliedRevision()?.revision == "r1")
        #expect(try store.actualState().teams["core"]?.displayName == "Core")
        #expect(try store.events().count == 1)
    }

    @Test func applyIsCompareAndSwapAndIdempotent() throws {
        let store = try StateStore(directory: temporaryDirectory())
        let first = Planner.plan(desired: try orgState(), actual: .empty)
        try store.apply(first, revision: "r1", method: .bootstrap, actor: "ops", source: "org", at: now)
        let update = Planner.plan(desired: try orgState(teamName: "New"), actual: try store.actualState())
        try store.apply(update, revision: "r2", method: .governed, actor: "exec", source: "org", at: now)
        // The same change set again at the same revision is a no-op.
        let again = try store.apply(update, revision: "r2", method: .governed, actor: "exec", source: "org", at: now)
        #expect(again.sequence == 2)
        #expect(try store.history().count == 2)
        // A change planned against the old state is refused and nothing changes.
        let stale = Planner.plan(desired: try orgState(teamName: "Stale", extraPerson: true), actual: try orgState())
        #expect(throws: StoreError.self) {
            try store.apply(stale, revision: "r3", method: .governed, actor: "exec", source: "org", at: now)
        }
        #expect(try store.actualState().teams["core"]?.displayName == "New")
        #expect(try store.actualState().people.isEmpty)
        #expect(Event.verifyChain(try store.events()))
        #expect(try store.events().map(\.type) == ["state.bootstrapped", "state.applied"])
    }

    /// The state read last is reused until something is applied, by this store or another
    /// process's: a reader never sees a stale state.
    @Test func theActualStateFollowsAppliesByAnotherStoreOnTheSameFile() throws {
        let dir = temporaryDirectory()
        let reader = try StateStore(directory: dir)
        let writer = try StateStore(directory: dir)
        #expect(try reader.actualState().resources.isEmpty)
        try writer.apply(
            Planner.plan(desired: try orgState(), actual: .empty), revision: "r1", method: .bootstrap, actor: "ops",
            source: "org", at: now)
        #expect(try reader.actualState().teams["core"]?.displayName == "Core")
        #expect(try reader.actualState().teams["core"]?.displayName == "Core")
        let update = Planner.plan(desired: try orgState(teamName: "Renamed"), actual: try writer.actualState())
        try writer.apply(update, revision: "r2", method: .governed, actor: "exec", source: "org", at: now)
        #expect(try reader.actualState().teams["core"]?.displayName == "Renamed")
    }

    @Test func tamperedEventBreaksTheChain() throws {
        let store = try StateStore(directory: temporaryDirectory())
        try store.apply(
            Planner.plan(desired: try orgState(), actual: .empty), revision: "r1", method: .bootstrap, actor: "ops",
            source: "org", at: now)
        var events = try store.events()
        #expect(Event.verifyChain(events))
        events[0].actor = "mallory"
        #expect(!Event.verifyChain(events))
    }

    @Test func unwritableDataDirectoryIsAClearError() throws {
        let file = temporaryDirectory().appendingPathComponent("not-a-dir")
        try Data("x".utf8).write(to: file)
        do {
            _ = try StateStore(directory: file)
            Issue.record("expected an error")
        } catch {
            #expect(error.description.contains("create data directory failed"))
            #expect(error.description.contains("--data-dir"))
        }
    }
}
