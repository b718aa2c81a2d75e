import CharterModel

/// What a change does to a resource.
public enum ChangeAction: String, Sendable, Hashable, Codable {
    case create, update, delete

    /// The terraform-style symbol: `+`, `~` or `-`.
    public var symbol: String {
        switch self {
        case .create: return "+"
        case .update: return "~"
        case .delete: return "-"
        }
    }
}

/// One changed field: `old` absent means added, `new` absent means removed.
public struct FieldChange: Sendable, Hashable {
    public var path: JSONPointer
    public var old: Value?
    public var new: Value?

    public init(path: JSONPointer, old: Value?, new: Value?) {
        self.path = path
        self.old = old
        self.new = new
    }

    /// `add`, `remove` or `replace`, as in JSON Patch.
    public var operation: String {
        switch (old, new) {
        case (nil, _): return "add"
        case (_, nil): return "remove"
        default: return "replace"
        }
    }
}

/// The change to one resource.
public struct ResourceChange: Sendable, Hashable {
    public var id: ResourceID
    public var action: ChangeAction
    /// The applied document; nil for a create.
    public var old: Value?
    /// The desired document; nil for a delete.
    public var new: Value?
    /// Field-level differences of an update, in path order.
    public var fields: [FieldChange]
    /// Where the desired resource is defined (nil for a delete).
    public var source: SourceLocation?

    public init(
        id: ResourceID, action: ChangeAction, old: Value?, new: Value?, fields: [FieldChange], source: SourceLocation?
    ) {
        self.id = id
        self.action = action
        self.old = old
        self.new = new
        self.fields = fields
        self.source = source
    }

    /// Content hash of the applied document, if any.
    public var oldHash: String? { old.map(CanonicalJSON.sha256) }
    /// Content hash of the desired document, if any.
    public var newHash: String? { new.map(CanonicalJSON.sha256) }
}

/// Desired minus actual: every resource change, in a deterministic order, with a content hash
/// that identifies exactly this change (approvals bind to it).
public struct ChangeSet: Sendable, Hashable {
    /// Sorted by kind (dependency order) and name.
    public var changes: [ResourceChange]

    public init(changes: [ResourceChange]) { self.changes = changes.sorted { $0.id < $1.id } }

    /// Whether there is nothing to do.
    public var isEmpty: Bool { changes.isEmpty }

    /// Number of changes with `action`.
    public func count(_ action: ChangeAction) -> Int { changes.lazy.filter { $0.action == action }.count }

    /// `sha256:<hex>` over each change's identity, action and before/after content hashes. Two
    /// plans have the same hash exactly when they make the same changes from the same base.
    public var hash: String {
        let entries: [Value] = changes.map { c in
            [
                "id": .string(c.id.description), "action": .string(c.action.rawValue),
                "before": c.oldHash.map(Value.string) ?? .null, "after": c.newHash.map(Value.string) ?? .null,
            ]
        }
        return "sha256:" + CanonicalJSON.sha256(.array(entries))
    }

    /// The reverse change set: applying it after this one restores the state before.
    public var reversed: ChangeSet {
        ChangeSet(
            changes: changes.map { c in
                let action: ChangeAction = c.action == .create ? .delete : c.action == .delete ? .create : .update
                return ResourceChange(
                    id: c.id, action: action, old: c.new, new: c.old,
                    fields: c.fields.map { FieldChange(path: $0.path, old: $0.new, new: $0.old) }, source: nil)
            })
    }
}
