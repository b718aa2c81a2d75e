/// Writes ``Schema``s as JSON Schema (draft 2020-12) for editors and independent validators.
public enum JSONSchemaEmitter {
    public static let dialect = "https://json-schema.org/draft/2020-12/schema"

    /// The file name of a kind's schema: `schemas/<kind in lower case>.schema.json`.
    public static func fileName(_ kind: ResourceKind) -> String { "\(kind.rawValue.lowercased()).schema.json" }

    /// The complete schema file for one kind.
    public static func kindSchema(_ kind: ResourceKind) -> Value {
        guard case .object(var o) = emit(.object(KindSchemas.document(kind))) else { return .null }
        o["$schema"] = .string(dialect)
        o["$id"] = .string("https://charter.invalid/schemas/\(fileName(kind))")
        o["title"] = .string("Charter \(kind.rawValue)")
        return .object(o)
    }

    /// `document.schema.json`: any Charter document, dispatched on `kind`. Self-contained so an
    /// editor needs no other file.
    public static func documentSchema() -> Value {
        var defs: [String: Value] = [:]
        var branches: [Value] = []
        for kind in ResourceKind.allCases {
            defs[kind.rawValue] = emit(.object(KindSchemas.document(kind)))
            branches.append([
                "if": ["properties": ["kind": ["const": .string(kind.rawValue)]], "required": ["kind"]],
                "then": ["$ref": .string("#/$defs/\(kind.rawValue)")],
            ])
        }
        return [
            "$schema": .string(dialect),
            "$id": "https://charter.invalid/schemas/document.schema.json",
            "title": "Charter document",
            "description": "Any Charter resource document: apiVersion, kind, metadata and spec.",
            "type": "object",
            "required": ["apiVersion", "kind", "metadata", "spec"],
            "properties": [
                "apiVersion": ["const": .string(KindSchemas.apiVersion)],
                "kind": ["enum": .array(ResourceKind.allCases.map { .string($0.rawValue) })],
            ],
            "allOf": .array(branches),
            "$defs": .object(defs),
        ]
    }

    /// The JSON Schema of one ``Schema`` node.
    public static func emit(_ schema: Schema) -> Value {
        var o: [String: Value] = [:]
        if let d = schema.description { o["description"] = .string(d) }
        switch schema {
        case .string(let s):
            o["type"] = "string"
            if let p = s.pattern { o["pattern"] = .string(p.regex) }
            if let e = s.enumValues { o["enum"] = .array(e.map(Value.string)) }
            if let m = s.minLength { o["minLength"] = .int(m) }
            if let m = s.maxLength { o["maxLength"] = .int(m) }
        case .integer(let s):
            o["type"] = "integer"
            if let m = s.minimum { o["minimum"] = .int(m) }
            if let m = s.maximum { o["maximum"] = .int(m) }
        case .number(let s):
            o["type"] = "number"
            if let m = s.minimum { o["minimum"] = .double(m) }
            if let m = s.maximum { o["maximum"] = .double(m) }
        case .boolean:
            o["type"] = "boolean"
        case .array(let s):
            o["type"] = "array"
            o["items"] = emit(s.items)
            if let m = s.minItems { o["minItems"] = .int(m) }
            if let m = s.maxItems { o["maxItems"] = .int(m) }
            if s.uniqueItems { o["uniqueItems"] = true }
        case .map(let s):
            o["type"] = "object"
            o["additionalProperties"] = emit(s.values)
            if let p = s.keyPattern { o["propertyNames"] = ["pattern": .string(p.regex)] }
            if let m = s.maxEntries { o["maxProperties"] = .int(m) }
        case .any:
            break
        case .object(let s):
            o["type"] = "object"
            o["additionalProperties"] = false
            var props: [String: Value] = [:]
            for p in s.properties {
                var emitted = emit(p.schema)
                if let d = p.defaultValue, case .object(var e) = emitted {
                    e["default"] = d
                    emitted = .object(e)
                }
                props[p.name] = emitted
            }
            o["properties"] = .object(props)
            let required = s.properties.filter(\.required).map { Value.string($0.name) }
            if !required.isEmpty { o["required"] = .array(required) }
            if let one = s.exactlyOneOf { o["oneOf"] = .array(one.map { ["required": [.string($0)]] }) }
            if !s.conditionals.isEmpty {
                o["allOf"] = .array(
                    s.conditionals.map { c in
                        var then: [String: Value] = [:]
                        if !c.require.isEmpty { then["required"] = .array(c.require.map(Value.string)) }
                        if !c.forbid.isEmpty {
                            then["properties"] = .object(
                                Dictionary(uniqueKeysWithValues: c.forbid.map { ($0, Value.bool(false)) }))
                        }
                        return [
                            "if": [
                                "properties": [c.field: ["const": .string(c.equals)]], "required": [.string(c.field)],
                            ],
                            "then": .object(then),
                        ]
                    })
            }
        }
        return .object(o)
    }
}

/// Pretty JSON with sorted keys and two-space indentation, for files people read and diff; hidden
/// characters are `\u` escapes (``DisplayJSON``), so the exact values parse back.
public enum PrettyJSON {
    public static func string(_ value: Value) -> String {
        var out = ""
        write(value, indent: 0, into: &out)
        return out + "\n"
    }

    static func write(_ value: Value, indent: Int, into out: inout String) {
        let pad = String(repeating: "  ", count: indent + 1)
        let close = String(repeating: "  ", count: indent)
        switch value {
        case .array(let a) where !a.isEmpty:
            if a.allSatisfy({ $0.array == nil && $0.object == nil }) {
                out += "[" + a.map { DisplayJSON.string($0) }.joined(separator: ", ") + "]"
                return
            }
            out += "[\n"
            for (i, e) in a.enumerated() {
                out += pad
                write(e, indent: indent + 1, into: &out)
                out += i == a.count - 1 ? "\n" : ",\n"
            }
            out += close + "]"
        case .object(let o) where !o.isEmpty:
            out += "{\n"
            let keys = CanonicalJSON.sortedKeys(o)
            for (i, k) in keys.enumerated() {
                out += pad + DisplayJSON.quoted(k) + ": "
                write(o[k]!, indent: indent + 1, into: &out)
                out += i == keys.count - 1 ? "\n" : ",\n"
            }
            out += close + "}"
        default:
            out += DisplayJSON.string(value)
        }
    }
}
