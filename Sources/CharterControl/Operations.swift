import CharterGit
import CharterModel
import CharterPlan
import CharterStore
import Foundation

/// A revision read and loaded: where it came from and what it holds.
public struct LoadedRevision: Sendable {
    public var source: ResolvedSource
    public var result: LoadResult
}

/// The operations behind the CLI, kept here so the CLI stays a thin layer of argument parsing
/// and printing.
public enum Operations {
    /// Reads and loads a revision; never throws for invalid content (see `result.diagnostics`).
    public static func load(_ request: SourceRequest, dataDirectory: URL) async throws -> LoadedRevision {
        let source = try await RevisionSource.resolve(request, dataDirectory: dataDirectory)
        return LoadedRevision(source: source, result: Loader.load(source.files))
    }

    /// The outcome of a plan.
    public struct PlanOutcome: Sendable {
        public var loaded: LoadedRevision
        public var changes: ChangeSet
        public var context: PlanContext
    }

    /// Plans the revision against the applied state in `store`.
    public static func plan(_ request: SourceRequest, store: StateStore, dataDirectory: URL) async throws -> PlanOutcome
    {
        let loaded = try await load(request, dataDirectory: dataDirectory)
        let desired = try loaded.result.get()
        let actual = try store.actualState()
        let applied = try store.appliedRevision()
        let changes = Planner.plan(desired: desired, actual: actual)
        let context = PlanContext(
            source: loaded.source.description, desiredRevision: loaded.source.revision,
            includesUncommitted: loaded.source.isWorkingTree, actualRevision: applied?.revision)
        return PlanOutcome(loaded: loaded, changes: changes, context: context)
    }

    /// The first apply into an empty state: no board exists yet to approve it, so it takes an
    /// explicit operator action and is recorded as a bootstrap, by whom, from which commit.
    public static func bootstrap(
        _ request: SourceRequest, store: StateStore, dataDirectory: URL, actor: String, now: Date = Date()
    ) async throws -> (AppliedRevision, ChangeSet) {
        var request = request
        request.allowWorkingTree = false
        guard try store.isEmpty() else {
            let applied = try store.appliedRevision()
            throw StateConflict(
                message:
                    "refusing to bootstrap: the state in \(store.path) is not empty"
                    + (applied.map { " (revision \($0.revision.prefix(12)) applied by \($0.actor))" } ?? "")
                    + "; bootstrap only applies into an empty state. Use a fresh --data-dir, or propose the change for approval"
            )
        }
        let loaded = try await load(request, dataDirectory: dataDirectory)
        let desired = try loaded.result.get()
        guard let revision = loaded.source.revision else { throw SourceError("bootstrap needs a committed revision") }
        let changes = Planner.plan(desired: desired, actual: .empty)
        let applied = try store.apply(
            changes, revision: revision, method: .bootstrap, actor: actor, source: loaded.source.description, at: now)
        return (applied, changes)
    }

    /// Who is acting: `$CHARTER_ACTOR`, else `$USER@host`.
    public static func defaultActor(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let a = environment["CHARTER_ACTOR"], !a.isEmpty { return a }
        let user = environment["USER"] ?? environment["LOGNAME"] ?? "operator"
        return "\(user)@\(ProcessInfo.processInfo.hostName)"
    }
}
