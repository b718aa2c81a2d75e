import CharterEngine
import CharterGovernance
import CharterModel
import CharterStore
import CharterTools
import Foundation

/// `org.resources`: the applied organization, read-only: kinds, names, and a resource's YAML.
public struct OrgResourcesTool: AgentTool {
    public let name = "org.resources"
    public let summary =
        "Read the applied organization (read-only). No arguments: every kind with its resources' names. With `kind`: that kind's resources. With `kind` and `name`: the resource as YAML."
    public let parameters: Value = [
        "type": "object", "additionalProperties": false,
        "properties": [
            "kind": [
                "type": "string", "enum": .array(ResourceKind.dependencyOrder.map { .string($0.rawValue) }),
                "description": "A resource kind.",
            ],
            "name": ["type": "string", "maxLength": 253, "description": "A resource name (needs `kind`)."],
        ],
    ]
    public let effect = ToolEffect.readOnly
    let rules: StepRules

    /// The tool, reading the applied state `rules` follows.
    public init(rules: StepRules) { self.rules = rules }

    public func call(_ arguments: [String: Value], context: ToolCallContext) async throws -> ToolOutput {
        let state = rules.organization
        let kind = arguments["kind"]?.string.flatMap(ResourceKind.init(rawValue:))
        if let name = arguments["name"]?.string {
            guard let kind else { throw ToolFailure("give `kind` with `name`") }
            guard let resource = state[ResourceID(kind, name)] else {
                throw ToolFailure("no \(kind.rawValue) named `\(name)` is applied")
            }
            return ToolOutput(ToolText.capped(YAMLWriter.document(resource.value), limit: context.resultLimit))
        }
        var lines: [String] = []
        for k in ResourceKind.dependencyOrder where kind == nil || kind == k {
            let names = state.sortedIDs.filter { $0.kind == k }.map(\.name)
            guard !names.isEmpty || kind != nil else { continue }
            lines.append("\(k.rawValue) (\(names.count)): " + names.joined(separator: ", "))
        }
        return ToolOutput(ToolText.capped(lines.joined(separator: "\n"), limit: context.resultLimit))
    }
}

/// `org.runs`: recent runs, or one run's steps with their states and outputs (by default the
/// calling run: what the steps before this one produced).
public struct OrgRunsTool: AgentTool {
    public let name = "org.runs"
    public let summary =
        "Read runs (read-only). No arguments: this run's steps with their states and outputs. `run`: another run's. `recent: true`: the 20 most recent runs."
    public let parameters: Value = [
        "type": "object", "additionalProperties": false,
        "properties": [
            "run": ["type": "string", "maxLength": 200, "description": "A run id (default: this run)."],
            "recent": ["type": "boolean", "description": "List the most recent runs instead."],
        ],
    ]
    public let effect = ToolEffect.readOnly
    let store: RunStore

    /// The tool over `store`.
    public init(store: RunStore) { self.store = store }

    public func call(_ arguments: [String: Value], context: ToolCallContext) async throws -> ToolOutput {
        if arguments["recent"]?.bool == true {
            let lines = try store.runs(limit: 20).map { r in
                "\(r.id)  \(r.state.rawValue)  \(r.template)\(r.routine.map { " (\($0))" } ?? "")  \(Event.timestamp(r.createdAt))"
            }
            return ToolOutput(lines.isEmpty ? "no runs" : lines.joined(separator: "\n"))
        }
        let id = arguments["run"]?.string ?? context.runID
        guard let detail = try store.run(id) else { throw ToolFailure("no run `\(id)`") }
        var text = "run \(id): \(detail.run.state.rawValue), template \(detail.run.template)\n"
        for step in detail.steps {
            text += "\n## \(step.name) (\(step.spec.type), \(step.state.rawValue))\n"
            if let reason = step.reason { text += "reason: \(reason)\n" }
            if let output = step.output, !output.isEmpty, step.name != context.step || id != context.runID {
                text += ToolText.capped(output, limit: 8192) + "\n"
            }
        }
        return ToolOutput(ToolText.capped(text, limit: context.resultLimit))
    }
}

/// `org.proposals`: recent proposals, or one proposal's changes, boards and votes.
public struct OrgProposalsTool: AgentTool {
    public let name = "org.proposals"
    public let summary =
        "Read proposals (read-only). No arguments: the 20 most recent with their state. `id` (P-0007): its changes, required boards and votes."
    public let parameters: Value = [
        "type": "object", "additionalProperties": false,
        "properties": ["id": ["type": "string", "maxLength": 20, "description": "A proposal id such as P-0007."]],
    ]
    public let effect = ToolEffect.readOnly
    let dataDirectory: URL

    /// The tool, reading the proposals in `dataDirectory`'s state store.
    public init(dataDirectory: URL) { self.dataDirectory = dataDirectory }

    public func call(_ arguments: [String: Value], context: ToolCallContext) async throws -> ToolOutput {
        let store = try StateStore(directory: dataDirectory)
        if let text = arguments["id"]?.string {
            guard let id = ProposalID(text), let proposal = try store.proposal(id: id) else {
                throw ToolFailure("no proposal `\(text)`")
            }
            var out = "\(proposal.id) \(proposal.state.rawValue) (\(proposal.source)): \(proposal.explanation)\n"
            out += "boards: " + proposal.boardNames.joined(separator: ", ") + "\n"
            for change in proposal.changes { out += "  \(change)\n" }
            for recorded in proposal.votes {
                out += "vote: \(recorded.vote.voter) \(recorded.vote.decision.rawValue)"
                out += recorded.accepted ? "\n" : " (refused: \(recorded.reason ?? ""))\n"
            }
            return ToolOutput(ToolText.capped(out, limit: context.resultLimit))
        }
        let recent = try store.proposals().sorted { $0.createdAt > $1.createdAt }.prefix(20)
        let lines = recent.map { p in
            "\(p.id)  \(p.state.rawValue)  \(p.source)  \(p.changes.count) change\(p.changes.count == 1 ? "" : "s")"
        }
        return ToolOutput(lines.isEmpty ? "no proposals" : lines.joined(separator: "\n"))
    }
}
