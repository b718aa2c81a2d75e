import CharterFoundation
import CharterYAML

/// Writes values as block-style YAML that reads back to the same value under YAML 1.2 and 1.1
/// alike: any string a reader could take for something else is double-quoted.
public enum YAMLWriter {
    /// One document, keys in the order people expect (`apiVersion`, `kind`, `metadata`, `spec`), then sorted.
    public static func document(_ value: Value) -> String {
        var out = ""
        write(value, indent: 0, into: &out, topLevel: true)
        return out
    }

    static func orderedKeys(_ o: [String: Value], topLevel: Bool) -> [String] {
        let first = topLevel ? ["apiVersion", "kind", "metadata", "spec"] : ["name"]
        return first.filter { o[$0] != nil } + o.keys.filter { !first.contains($0) }.sorted()
    }

    static func write(_ value: Value, indent: Int, into out: inout String, topLevel: Bool = false) {
        let pad = String(repeating: "  ", count: indent)
        switch value {
        case .object(let o) where !o.isEmpty:
            for k in orderedKeys(o, topLevel: topLevel) {
                let v = o[k]!
                out += pad + scalarText(k) + ":"
                if isBlock(v) {
                    out += "\n"
                    write(v, indent: indent + (v.array != nil ? 0 : 1), into: &out)
                } else {
                    out += " " + inline(v) + "\n"
                }
            }
        case .array(let a) where !a.isEmpty:
            for v in a {
                if case .object(let o) = v, !o.isEmpty {
                    var nested = ""
                    write(v, indent: indent + 1, into: &nested)
                    out += pad + "- " + nested.dropFirst(pad.count + 2)
                } else if isBlock(v) {
                    out += pad + "-\n"
                    write(v, indent: indent + 1, into: &out)
                } else {
                    out += pad + "- " + inline(v) + "\n"
                }
            }
        default:
            out += pad + inline(value) + "\n"
        }
    }

    static func isBlock(_ v: Value) -> Bool {
        switch v {
        case .object(let o): return !o.isEmpty
        case .array(let a): return !a.isEmpty
        default: return false
        }
    }

    static func inline(_ v: Value) -> String {
        switch v {
        case .string(let s): return scalarText(s)
        case .object: return "{}"
        case .array: return "[]"
        default: return CanonicalJSON.string(v)
        }
    }

    /// The string plain when that is unambiguous, else double-quoted (JSON escaping is valid YAML).
    static func scalarText(_ s: String) -> String {
        guard let first = s.unicodeScalars.first, let last = s.unicodeScalars.last else { return "\"\"" }
        let special = Set("-?:,[]{}#&*!|>'\"%@`~ ".unicodeScalars)
        let safe =
            !special.contains(first) && last != " " && !s.contains(": ") && !s.contains(" #") && !s.hasSuffix(":")
            && s.unicodeScalars.allSatisfy { $0.value >= 0x20 && $0.value != 0x7F } && !DisplayText.needsEscaping(s)
        let node = YAMLNode(content: .scalar(s, .plain), mark: Mark(line: 1, column: 1))
        if safe, node.plainResolution == .string(s), yaml11Surprise(s) == nil { return s }
        return DisplayJSON.quoted(s, dialect: .yaml)
    }
}
