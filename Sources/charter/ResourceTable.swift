import CharterControl
import CharterModel

/// The `charter get` table: name plus a few columns that say the most about each kind.
enum ResourceTable {
    /// The columns of `kind`; `state` is the applied organization, for what a resource's own
    /// document does not say (a person's teams, a routine's inherited zone: ``OrgView``).
    static func columns(_ kind: ResourceKind, state: OrgState) -> [(String, (Value) -> String)] {
        func s(_ path: String) -> (Value) -> String {
            { v in
                guard let x = v.value(at: JSONPointer(path)) else { return "" }
                switch x {
                case .string(let t): return t
                case .array(let a): return a.map { $0.string ?? CanonicalJSON.string($0) }.joined(separator: ",")
                default: return CanonicalJSON.string(x)
                }
            }
        }
        let teams = kind == .person ? OrgView.teamsByPerson(state) : [:]
        switch kind {
        case .organization:
            return [
                ("DISPLAY NAME", s("/spec/displayName")), ("TIME ZONE", s("/spec/timeZone")),
                ("BRANCH", s("/spec/controller/branch")),
            ]
        case .person:
            return [
                ("DISPLAY NAME", s("/spec/displayName")), ("TYPE", s("/spec/type")), ("ROLE", s("/spec/role")),
                (
                    "TEAMS",
                    { v in
                        (teams[v.value(at: JSONPointer("/metadata/name"))?.string ?? ""] ?? []).joined(separator: ",")
                    }
                ),
            ]
        case .team:
            return [
                ("DISPLAY NAME", s("/spec/displayName")), ("PARENT", s("/spec/parent")), ("LEAD", s("/spec/lead")),
                ("MEMBERS", s("/spec/members")),
            ]
        case .role: return [("CAPACITY CLASS", s("/spec/capacityClass")), ("STEP TYPES", s("/spec/allowedStepTypes"))]
        case .board:
            return [
                ("DISPLAY NAME", s("/spec/displayName")), ("RULE", s("/spec/quorum/rule")),
                ("MEMBERS", { v in String(v.value(at: JSONPointer("/spec/members"))?.array?.count ?? 0) }),
            ]
        case .policy:
            return [("CHANGE RULES", { v in String(v.value(at: JSONPointer("/spec/changeRules"))?.array?.count ?? 0) })]
        case .template:
            return [
                (
                    "STEPS",
                    { v in
                        (v.value(at: JSONPointer("/spec/steps"))?.array ?? []).compactMap { $0["name"]?.string }.joined(
                            separator: ",")
                    }
                )
            ]
        case .routine:
            return [
                ("SCHEDULE", s("/spec/schedule")),
                (
                    "TIME ZONE",
                    { v in
                        let name = v.value(at: JSONPointer("/metadata/name"))?.string ?? ""
                        guard let routine = state.routines[name] else { return s("/spec/timeZone")(v) }
                        return OrgView.timeZone(of: routine, organization: state.organization)
                    }
                ),
                ("TEMPLATE", s("/spec/template")), ("ENABLED", s("/spec/enabled")),
            ]
        case .capacitySource:
            return [
                ("PROVIDER", s("/spec/provider")), ("CLASS", s("/spec/class")), ("MODEL", s("/spec/model")),
                ("PRIORITY", s("/spec/priority")),
            ]
        case .toolServer:
            return [
                (
                    "TRANSPORT",
                    { v in v.value(at: JSONPointer("/spec/http")) != nil ? "http" : "stdio" }
                ),
                (
                    "TARGET",
                    { v in s("/spec/http/url")(v).isEmpty ? s("/spec/stdio/command")(v) : s("/spec/http/url")(v) }
                ),
                ("TIMEOUT", s("/spec/timeout")),
            ]
        case .notification:
            return [
                (
                    "SINK",
                    { v in
                        ["webhook", "slack", "email"].first { v.value(at: JSONPointer("/spec/\($0)")) != nil } ?? ""
                    }
                ),
                ("EVENTS", s("/spec/events")),
            ]
        }
    }

    static func render(_ resources: [Resource], kind: ResourceKind, state: OrgState) -> String {
        let cols = columns(kind, state: state)
        let header = ["NAME"] + cols.map(\.0)
        let rows = resources.map { r in [r.id.name] + cols.map { $0.1(r.value) } }
        if rows.isEmpty { return "No \(kind.rawValue) resources in the applied state.\n" }
        var widths = header.map(\.count)
        for row in rows { for (i, c) in row.enumerated() { widths[i] = max(widths[i], c.count) } }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { i, c in
                i == cells.count - 1 ? c : c.padding(toLength: widths[i] + 2, withPad: " ", startingAt: 0)
            }
            .joined()
        }
        return ([line(header)] + rows.map(line)).joined(separator: "\n") + "\n"
    }
}
