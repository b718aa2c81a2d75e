import CharterFoundation
import CharterGovernance
import CharterModel
import CharterStore
import Foundation

/// What `charter status -o json`, `GET /api/v1/status` and the dashboard's overview say about the
/// applied state: one builder, so they agree.
public enum StatusView {
    /// The applied revision, the open proposals, the recent applies and — in the controller's own
    /// process — the last pass's conditions.
    public static func value(store: StateStore, latest: LatestPass.Pass? = nil, historyLimit: Int = 5) throws -> Value {
        let applied = try store.appliedRevision()
        let pending = try store.proposals().filter { $0.state == .open || $0.state == .approved }.sorted {
            $0.id < $1.id
        }
        let history = try store.history(limit: historyLimit)
        var value: [String: Value] = [
            "appliedRevision": applied.map { .string($0.revision) } ?? .null,
            "appliedBy": applied.map { .string($0.actor) } ?? .null,
            "appliedMethod": applied.map { .string($0.method.rawValue) } ?? .null,
            "pending": .array(
                pending.map {
                    [
                        "id": .string($0.id.description), "state": .string($0.state.rawValue),
                        "changes": .int($0.changes.count), "explanation": .string($0.explanation),
                    ]
                }),
            "recentApplies": .array(
                history.map {
                    [
                        "sequence": .int($0.sequence), "revision": .string($0.revision),
                        "method": .string($0.method.rawValue), "actor": .string($0.actor),
                        "changes": .int($0.changeCount),
                    ]
                }),
        ]
        if let latest {
            let pass = StatusWriter.statusValue(latest.report, now: latest.finishedAt)
            value["observedRevision"] = pass["observedRevision"] ?? .null
            value["conditions"] = pass["conditions"] ?? .array([])
            value["lastPassAt"] = .string(Timestamp.utc(latest.finishedAt))
        }
        return .object(value)
    }
}
