import CharterModel

/// Computes desired − actual.
public enum Planner {
    /// The change set that takes `actual` to `desired`. Both sides are normalized values (defaults
    /// applied while loading), so a defaulted field never shows as a change.
    public static func plan(desired: OrgState, actual: OrgState) -> ChangeSet {
        var changes: [ResourceChange] = []
        for id in desired.resources.keys {
            if let c = change(id, desired: desired, actual: actual) { changes.append(c) }
        }
        for id in actual.resources.keys where desired.resources[id] == nil {
            if let c = change(id, desired: desired, actual: actual) { changes.append(c) }
        }
        return ChangeSet(changes: changes)
    }

    /// The plan after a reload that touched only `affected` resources, against the same actual
    /// state `previous` was planned from: unaffected changes are kept, affected ones recomputed.
    /// Gives the same change set as ``plan(desired:actual:)`` at a cost proportional to the edit.
    public static func replan(
        _ previous: ChangeSet, affected: Set<ResourceID>, desired: OrgState, actual: OrgState
    ) -> ChangeSet {
        var changes = previous.changes.filter { !affected.contains($0.id) }
        for id in affected {
            if let c = change(id, desired: desired, actual: actual) { changes.append(c) }
        }
        return ChangeSet(changes: changes)
    }

    /// The change to one resource, or nil when desired and actual agree.
    public static func change(_ id: ResourceID, desired: OrgState, actual: OrgState) -> ResourceChange? {
        switch (desired.resources[id], actual.resources[id]) {
        case (let want?, nil):
            return ResourceChange(id: id, action: .create, old: nil, new: want.value, fields: [], source: want.source)
        case (nil, let have?):
            return ResourceChange(id: id, action: .delete, old: have.value, new: nil, fields: [], source: nil)
        case (let want?, let have?):
            if have.value == want.value { return nil }
            var fields: [FieldChange] = []
            diff(have.value, want.value, at: .root, into: &fields)
            return ResourceChange(
                id: id, action: .update, old: have.value, new: want.value, fields: fields, source: want.source)
        case (nil, nil):
            return nil
        }
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
