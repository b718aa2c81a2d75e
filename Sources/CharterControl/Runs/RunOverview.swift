import CharterEngine
import CharterModel
import CharterStore
import Foundation

/// The runs part of `STATUS.md`: approvals waiting for a board and the most recent runs.
public struct RunOverview: Sendable {
    /// The newest runs.
    public var recent: [RunRecord]
    /// Approval steps waiting for their boards.
    public var approvals: [PendingApproval]

    /// An overview.
    public init(recent: [RunRecord], approvals: [PendingApproval]) {
        self.recent = recent
        self.approvals = approvals
    }

    /// The overview of `store`: its 10 newest runs and every waiting approval.
    public init(store: RunStore) throws {
        self.init(recent: try store.runs(limit: 10), approvals: try RunApprovals.pending(store))
    }

    /// The Markdown sections.
    public var markdown: String {
        var s = "\n## Approvals waiting\n\n"
        if approvals.isEmpty { s += "None.\n" }
        for a in approvals {
            s += "- **\(a.key)**, board `\(a.board)`: \(a.message). Vote with "
            s += "`charter vote \(a.key) approve --as NAME --key KEYFILE`.\n"
        }
        s += "\n## Recent runs\n\n"
        if recent.isEmpty { return s + "None.\n" }
        s += "| run | template | routine | state | created |\n| --- | --- | --- | --- | --- |\n"
        for r in recent {
            s += "| [\(r.id)](runs/\(r.id)/SUMMARY.md) | \(r.template) | \(r.routine ?? "") | \(r.state.rawValue) | "
            s += "\(Event.timestamp(r.createdAt)) |\n"
        }
        return s
    }
}
