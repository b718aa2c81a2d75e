import CharterGovernance
import CharterModel
import CharterPlan
import Foundation
import GRDB

/// How proposals and their change sets are stored: canonical JSON documents in their columns.
extension StateStore {
    static func document(_ proposal: Proposal) throws -> String {
        var p = proposal
        p.version = 0  // the version lives in its column only, so equal proposals give equal documents
        let encoder = JSONEncoder()
        // Seconds since 1970 with millisecond precision; proposals round every time they record to
        // the millisecond (`Proposal.milliseconds`), so a document round-trips exactly.
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var c = encoder.singleValueContainer()
            try c.encode(Double(Int64((date.timeIntervalSince1970 * 1000).rounded())) / 1000)
        }
        return CanonicalJSON.string(try Value(json: Array(try encoder.encode(p))))
    }

    static func proposal(fromDocument text: String) throws -> Proposal {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .secondsSince1970
        return try decoder.decode(Proposal.self, from: Data(text.utf8))
    }

    /// The change set as a value that keeps everything (absent and `null` apart):
    /// `[{"id", "action", "old"?, "new"?, "fields": [{"path", "old"?, "new"?}], "source"?}]`.
    static func value(of changes: ChangeSet) -> Value {
        .array(
            changes.changes.map { c in
                var o: [String: Value] = [
                    "id": .string(c.id.description), "action": .string(c.action.rawValue),
                    "fields": .array(
                        c.fields.map { f in
                            var fo: [String: Value] = ["path": .string(f.path.description)]
                            if let old = f.old { fo["old"] = old }
                            if let new = f.new { fo["new"] = new }
                            return .object(fo)
                        }),
                ]
                if let old = c.old { o["old"] = old }
                if let new = c.new { o["new"] = new }
                if let s = c.source {
                    o["source"] = [
                        "file": .string(s.file), "document": .int(s.documentIndex), "line": .int(s.line),
                        "column": .int(s.column),
                    ]
                }
                return .object(o)
            })
    }

    static func changeSet(from value: Value) throws -> ChangeSet {
        func bad(_ message: String) -> StoreError {
            StoreError(operation: "read change set", path: "", message: "stored change set is invalid: \(message)")
        }
        guard let items = value.array else { throw bad("expected an array") }
        return ChangeSet(
            changes: try items.map { item in
                guard let idText = item["id"]?.string, let id = ResourceID(idText) else { throw bad("id") }
                guard let actionText = item["action"]?.string, let action = ChangeAction(rawValue: actionText) else {
                    throw bad("action of \(idText)")
                }
                let fields = try (item["fields"]?.array ?? []).map { f in
                    guard let path = f["path"]?.string else { throw bad("field path of \(idText)") }
                    return FieldChange(path: JSONPointer(path), old: f["old"], new: f["new"])
                }
                var source: SourceLocation?
                if let s = item["source"] {
                    guard let file = s["file"]?.string, let index = s["document"]?.int, let line = s["line"]?.int,
                        let column = s["column"]?.int
                    else { throw bad("source of \(idText)") }
                    source = SourceLocation(file: file, documentIndex: index, line: line, column: column)
                }
                return ResourceChange(
                    id: id, action: action, old: item["old"], new: item["new"], fields: fields, source: source)
            })
    }
}
