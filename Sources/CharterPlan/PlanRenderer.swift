import CharterFoundation
import CharterModel

/// What a plan compared, shown in its header and JSON.
public struct PlanContext: Sendable {
    /// Where the desired state came from: a path, URL or working tree.
    public var source: String
    /// The desired revision (a commit id), or nil for an uncommitted working tree.
    public var desiredRevision: String?
    /// Whether the desired state includes uncommitted changes.
    public var includesUncommitted: Bool
    /// The applied revision, or nil when nothing was applied yet.
    public var actualRevision: String?

    public init(source: String, desiredRevision: String?, includesUncommitted: Bool = false, actualRevision: String?) {
        self.source = source
        self.desiredRevision = desiredRevision
        self.includesUncommitted = includesUncommitted
        self.actualRevision = actualRevision
    }
}

/// Renders a change set for people (in the style of `terraform plan`) and for tools (JSON).
public struct PlanRenderer: Sendable {
    /// Whether to use ANSI colors; callers decide (a terminal, and `NO_COLOR` unset).
    public var color: Bool

    public init(color: Bool) { self.color = color }

    func paint(_ s: String, _ action: ChangeAction) -> String {
        guard color else { return s }
        let code: String
        switch action {
        case .create: code = "32"
        case .update: code = "33"
        case .delete: code = "31"
        }
        return "\u{1B}[\(code)m\(s)\u{1B}[0m"
    }

    func bold(_ s: String) -> String { color ? "\u{1B}[1m\(s)\u{1B}[0m" : s }

    /// The human-readable plan.
    public func human(_ set: ChangeSet, context: PlanContext) -> String {
        var out = ""
        if set.isEmpty {
            out += "No changes. The applied state matches \(describe(context)).\n"
            return out
        }
        out += "Charter compared \(describe(context))\nwith the applied state"
        out += context.actualRevision.map { " (revision \(String($0.prefix(12))))" } ?? " (empty: nothing applied yet)"
        out += ".\n\nResource actions are indicated with the following symbols:\n"
        for action in [ChangeAction.create, .update, .delete] where set.count(action) > 0 {
            let verb = action == .create ? "create" : action == .update ? "update in place" : "delete"
            out += "  \(paint(action.symbol, action)) \(verb)\n"
        }
        out += "\nCharter will perform the following actions:\n"
        var flagged = 0
        for c in set.changes {
            out += "\n"
            let verb = c.action == .create ? "created" : c.action == .update ? "updated in place" : "deleted"
            var comment = "  # \(c.id) will be \(verb)"
            if let s = c.source { comment += " (\(visible(s.file)):\(s.line))" }
            out += bold(comment) + "\n"
            out += "  " + paint("\(c.action.symbol) \(c.id)", c.action) + "\n"
            switch c.action {
            case .create:
                for (path, v) in leaves(c.new!, at: .root) where !isIdentity(path) && !isEmptyCollection(v) {
                    out += "      " + paint("+ \(shown(path)): \(short(v))", .create) + "\n"
                    out += flags(v, at: path, counting: &flagged)
                }
            case .delete:
                for (path, v) in leaves(c.old!, at: .root) where !isIdentity(path) && !isEmptyCollection(v) {
                    out += "      " + paint("- \(shown(path)): \(short(v))", .delete) + "\n"
                }
            case .update:
                for f in c.fields {
                    switch (f.old, f.new) {
                    case (nil, let n?):
                        out += "      " + paint("+ \(shown(f.path)): \(short(n))", .create) + "\n"
                        out += flags(n, at: f.path, counting: &flagged)
                    case (let o?, nil): out += "      " + paint("- \(shown(f.path)): \(short(o))", .delete) + "\n"
                    case (let o?, let n?):
                        out += "      " + paint("~ \(shown(f.path)): \(short(o)) → \(short(n))", .update) + "\n"
                        out += flags(n, at: f.path, counting: &flagged)
                    default: break
                    }
                }
            }
        }
        out +=
            "\n"
            + bold(
                "Plan: \(set.count(.create)) to create, \(set.count(.update)) to update, \(set.count(.delete)) to delete."
            )
            + "\n"
        if flagged > 0 {
            let values = flagged == 1 ? "1 value holds" : "\(flagged) values hold"
            out +=
                warn("Warning: \(values) characters that pass for others (marked !); read them before you vote.") + "\n"
        }
        out += "Change set: \(set.hash)\n"
        return out
    }

    /// Text from the repository (a file path, a source URL) on one line with nothing hidden.
    func visible(_ text: String) -> String { DisplayText.escaped(text) }

    /// A field path: its keys come from the repository and may hold anything a value can.
    func shown(_ path: JSONPointer) -> String { DisplayText.escaped(path.description) }

    func warn(_ s: String) -> String { color ? "\u{1B}[1;33m\(s)\u{1B}[0m" : s }

    /// `! path: why` lines for the strings (values and keys) in `value` whose letters pass for others.
    func flags(_ value: Value, at path: JSONPointer, counting flagged: inout Int) -> String {
        let found = Self.lookalikes(in: value, at: path)
        flagged += found.count
        return found.map { "        " + warn("! \(shown($0.path)): \($0.finding)") + "\n" }.joined()
    }

    /// The flagged strings among what `change` sets: all of a new resource, the changed fields of an update.
    static func lookalikes(in change: ResourceChange) -> [(path: JSONPointer, finding: Lookalike)] {
        switch change.action {
        case .create: return change.new.map { lookalikes(in: $0, at: .root) } ?? []
        case .update: return change.fields.flatMap { f in f.new.map { lookalikes(in: $0, at: f.path) } ?? [] }
        case .delete: return []
        }
    }

    /// Every string in `value`, keys included, that ``Lookalike`` flags, with where it is.
    static func lookalikes(in value: Value, at path: JSONPointer) -> [(path: JSONPointer, finding: Lookalike)] {
        switch value {
        case .string(let s): return Lookalike.inspect(s).map { [(path, $0)] } ?? []
        case .array(let a): return a.indices.flatMap { lookalikes(in: a[$0], at: path.appending($0)) }
        case .object(let o):
            return o.keys.sorted().flatMap { key -> [(path: JSONPointer, finding: Lookalike)] in
                let inner = path.appending(key)
                let keyFinding = Lookalike.inspect(key).map { [(inner, $0)] } ?? []
                return keyFinding + lookalikes(in: o[key]!, at: inner)
            }
        default: return []
        }
    }

    func describe(_ c: PlanContext) -> String {
        var s = visible(c.source)
        if let r = c.desiredRevision { s += " at \(String(r.prefix(12)))" }
        if c.includesUncommitted { s += " (including uncommitted changes)" }
        return s
    }

    func isIdentity(_ p: JSONPointer) -> Bool {
        p.tokens == ["apiVersion"] || p.tokens == ["kind"] || p.tokens == ["metadata", "name"]
    }

    /// Empty lists and mappings say nothing in a create or delete listing (they are defaults).
    func isEmptyCollection(_ v: Value) -> Bool { v == .array([]) || v == .object([:]) }

    /// Scalars and lists of scalars inline; mappings and lists of mappings flattened.
    func leaves(_ v: Value, at path: JSONPointer) -> [(JSONPointer, Value)] {
        switch v {
        case .object(let o) where !o.isEmpty:
            return o.keys.sorted().flatMap { leaves(o[$0]!, at: path.appending($0)) }
        case .array(let a) where a.contains(where: { $0.object != nil }):
            return a.indices.flatMap { leaves(a[$0], at: path.appending($0)) }
        default:
            return [(path, v)]
        }
    }

    /// A value as JSON, hidden characters escaped (``DisplayJSON``): parsing it gives the exact value.
    func short(_ v: Value) -> String { DisplayJSON.string(v) }

    /// The plan as JSON, in the documented shape (docs/PLAN-JSON.md).
    public func jsonValue(_ set: ChangeSet, context: PlanContext) -> Value {
        let changes: [Value] = set.changes.map { c in
            var o: [String: Value] = [
                "id": .string(c.id.description), "kind": .string(c.id.kind.rawValue), "name": .string(c.id.name),
                "action": .string(c.action.rawValue),
                "before": c.old ?? .null, "after": c.new ?? .null,
                "beforeHash": c.oldHash.map(Value.string) ?? .null, "afterHash": c.newHash.map(Value.string) ?? .null,
                "fields": .array(
                    c.fields.map { f in
                        [
                            "path": .string(f.path.description), "op": .string(f.operation),
                            "before": f.old ?? .null, "after": f.new ?? .null,
                        ]
                    }),
            ]
            o["warnings"] = .array(
                Self.lookalikes(in: c).map { w in
                    ["path": .string(w.path.description), "message": .string(w.finding.description)]
                })
            if let s = c.source {
                o["source"] = ["file": .string(s.file), "line": .int(s.line), "column": .int(s.column)]
            } else {
                o["source"] = .null
            }
            return .object(o)
        }
        return [
            "formatVersion": 1,
            "desired": [
                "source": .string(context.source),
                "revision": context.desiredRevision.map(Value.string) ?? .null,
                "uncommitted": .bool(context.includesUncommitted),
            ],
            "actual": ["revision": context.actualRevision.map(Value.string) ?? .null],
            "changeSetHash": .string(set.hash),
            "summary": [
                "create": .int(set.count(.create)), "update": .int(set.count(.update)),
                "delete": .int(set.count(.delete)),
            ],
            "changes": .array(changes),
        ]
    }
}
