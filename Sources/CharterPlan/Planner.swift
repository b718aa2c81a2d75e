import CharterModel

/// Computes desired − actual.
public enum Planner {
    /// The change set that takes `actual` to `desired`. Both sides are normalized values (defaults
    /// applied while loading), so a defaulted field never shows as a change.
    public static func plan(desired: OrgState, actual: OrgState) -> ChangeSet {
        var changes: [ResourceChange] = []
        for (id, want) in desired.resources {
            guard let have = actual.resources[id] else {
                changes.append(
                    ResourceChange(id: id, action: .create, old: nil, new: want.value, fields: [], source: want.source))
                continue
            }
            if have.value == want.value { continue }
            var fields: [FieldChange] = []
            diff(have.value, want.value, at: .root, into: &fields)
            changes.append(
                ResourceChange(
                    id: id, action: .update, old: have.value, new: want.value, fields: fields, source: want.source))
        }
        for (id, have) in actual.resources where desired.resources[id] == nil {
            changes.append(ResourceChange(id: id, action: .delete, old: have.value, new: nil, fields: [], source: nil))
        }
        return ChangeSet(changes: changes)
    }

    /// Field differences between two values, JSON-pointer addressed and in path order.
    ///
    /// Mappings are compared member by member. Lists of mappings of equal length (template steps,
    /// board members) are compared item by item; any other changed list is one replacement, which
    /// reads better for lists of names than index-by-index churn.
    public static func diff(_ old: Value, _ new: Value, at path: JSONPointer, into out: inout [FieldChange]) {
        if old == new { return }
        switch (old, new) {
        case (.object(let a), .object(let b)):
            let keys = Set(a.keys).union(b.keys).sorted()
            for k in keys {
                switch (a[k], b[k]) {
                case (let x?, let y?): diff(x, y, at: path.appending(k), into: &out)
                case (let x?, nil): out.append(FieldChange(path: path.appending(k), old: x, new: nil))
                case (nil, let y?): out.append(FieldChange(path: path.appending(k), old: nil, new: y))
                default: break
                }
            }
        case (.array(let a), .array(let b))
        where a.count == b.count && a.contains(where: { $0.object != nil }):
            for i in a.indices { diff(a[i], b[i], at: path.appending(i), into: &out) }
        default:
            out.append(FieldChange(path: path, old: old, new: new))
        }
    }
}
