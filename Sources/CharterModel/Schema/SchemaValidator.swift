import CharterFoundation
import CharterYAML

/// Checks a YAML node tree against a ``Schema`` and turns it into a ``Value`` with defaults applied.
///
/// Every problem is collected, not just the first, each with the position of the offending node.
/// Scalars follow the YAML 1.2 core schema, and the YAML 1.1 readings that surprise people
/// (`on` as a boolean, `0755` as octal) are refused with an explanation instead of coerced.
public struct SchemaValidator {
    public var file: String
    public var resource: ResourceID?
    /// At most ``limit`` diagnostics, in the order found.
    public private(set) var diagnostics: [Diagnostic] = []
    /// Most diagnostics kept; the rest are counted in ``omitted`` and never built.
    public var limit = Int.max
    /// Problems found beyond ``limit``.
    public private(set) var omitted = 0
    /// The tokens of the current JSON pointer; a pointer is materialized only when reporting.
    var stack: [String] = []

    public init(file: String, resource: ResourceID? = nil) {
        self.file = file
        self.resource = resource
    }

    /// Validates `node` against `schema`; returns the normalized value, or nil where it is invalid.
    public mutating func validate(_ node: YAMLNode, _ schema: Schema, at path: JSONPointer) -> Value? {
        let saved = stack
        stack = path.tokens
        defer { stack = saved }
        return check(node, schema)
    }

    mutating func check(_ node: YAMLNode, _ schema: Schema) -> Value? {
        switch schema {
        case .string(let s): return validateString(node, s)
        case .integer(let s): return validateInteger(node, s)
        case .number(let s): return validateNumber(node, s)
        case .boolean: return validateBool(node)
        case .array(let s): return validateArray(node, s)
        case .object(let s): return validateObject(node, s)
        case .map(let s): return validateMap(node, s)
        case .any: return anyValue(node)
        }
    }

    /// Checks `node` one level down, at member or index `token`.
    mutating func check(_ node: YAMLNode, _ schema: Schema, at token: String) -> Value? {
        stack.append(token)
        defer { stack.removeLast() }
        return check(node, schema)
    }

    /// Reports about the child `token` of the current path.
    mutating func report(
        _ code: String, _ node: YAMLNode, child token: String, _ message: @autoclosure () -> String,
        hint: @autoclosure () -> String? = nil
    ) {
        stack.append(token)
        report(code, node, message(), hint: hint())
        stack.removeLast()
    }

    /// Records a problem; past ``limit`` it is only counted, and its message (which may hold a
    /// suggestion that costs an edit-distance search) is never built.
    mutating func report(
        _ code: String, _ node: YAMLNode, _ message: @autoclosure () -> String, hint: @autoclosure () -> String? = nil
    ) {
        guard diagnostics.count < limit else {
            omitted += 1
            return
        }
        diagnostics.append(
            Diagnostic(
                code: code, file: file, line: node.mark.line, column: node.mark.column, resource: resource,
                path: JSONPointer(tokens: stack), message: message(), hint: hint()))
    }

    /// The scalar's text and how YAML 1.2 reads it, or a report when the node is not a scalar.
    mutating func scalar(_ node: YAMLNode, expected: String) -> (String, PlainScalar)? {
        switch node.content {
        case .scalar(let text, let style):
            if style != .plain { return (text, .string(text)) }
            return (text, node.plainResolution ?? .string(text))
        case .mapping:
            report("schema.type", node, "expected \(expected), found a mapping")
        case .sequence:
            report("schema.type", node, "expected \(expected), found a list")
        }
        return nil
    }

    mutating func validateString(_ node: YAMLNode, _ s: StringSchema) -> Value? {
        guard let (value, resolved) = scalar(node, expected: "a string") else { return nil }
        // Messages echo the value: never with a credential pasted into a URL, never all of a long one.
        let text = Excerpt.cut(Redaction.redactURLs(value))
        switch resolved {
        case .string: break
        case .null:
            report(
                "schema.type", node, "expected a string, found an empty value",
                hint: "write a value or delete the field")
            return nil
        case .bool, .int, .float:
            let what = Self.resolvedName(resolved)
            report(
                "schema.type", node, "expected a string, found \(what) `\(text)`",
                hint: "quote it (\"\(text)\") if it is meant as text")
            return nil
        }
        var ok = true
        if let values = s.enumValues, values.isEmpty {
            // An enumeration with no value yet (tool names before any tool exists): say so.
            report("schema.enum", node, "`\(text)` names nothing that exists", hint: s.description)
            ok = false
        } else if let values = s.enumValues, !values.contains(value) {
            report(
                "schema.enum", node,
                "`\(text)` is not one of \(values.map { "`\($0)`" }.joined(separator: ", "))"
                    + (Suggestion.closest(to: text, in: values).map { "; did you mean `\($0)`?" } ?? ""))
            ok = false
        }
        // Scalars are counted only when the byte count cannot decide (a scalar is 1–4 bytes).
        if let min = s.minLength, value.utf8.count < min * 4, value.unicodeScalars.count < min {
            report("schema.length", node, "must be at least \(min) character\(min == 1 ? "" : "s") long")
            ok = false
        }
        if let max = s.maxLength, value.utf8.count > max, value.unicodeScalars.count > max {
            report("schema.length", node, "is \(value.unicodeScalars.count) characters long; the limit is \(max)")
            // Too long says enough; the pattern is not worth matching against it.
            return nil
        }
        if let p = s.pattern, !p.matches(value) {
            report("schema.pattern", node, "`\(text)` is not \(p.expectation)")
            ok = false
        } else if let range = s.durationRange, let ms = DurationText.parse(value), !range.contains(ms) {
            let bound = ms > range.maximum ? "longer than the maximum" : "shorter than the minimum"
            let limit = DurationText.format(ms > range.maximum ? range.maximum : range.minimum)
            report(
                "schema.range", node, "`\(text)` is \(bound) of \(limit)",
                hint:
                    "give a duration from \(DurationText.format(range.minimum)) to \(DurationText.format(range.maximum))"
            )
            ok = false
        }
        return ok ? .string(value) : nil
    }

    mutating func validateInteger(_ node: YAMLNode, _ s: IntegerSchema) -> Value? {
        guard let (text, resolved) = scalar(node, expected: "an integer") else { return nil }
        let value: Int
        switch resolved {
        case .int(let i):
            if case .octal(let octal) = yaml11Surprise(text) {
                report(
                    "schema.ambiguous-number", node,
                    "`\(Excerpt.cut(text))` is ambiguous: YAML 1.1 reads it as octal \(octal), YAML 1.2 as \(i)",
                    hint: "write it without the leading zero")
                return nil
            }
            value = i
        case .float(let d) where d.rounded() == d && abs(d) < 9e15:
            value = Int(d)
        default:
            report(
                "schema.type", node, "expected an integer, found \(Self.resolvedName(resolved)) `\(Excerpt.cut(text))`")
            return nil
        }
        if let min = s.minimum, value < min {
            report("schema.range", node, "\(value) is less than the minimum \(min)")
            return nil
        }
        if let max = s.maximum, value > max {
            report("schema.range", node, "\(value) is more than the maximum \(max)")
            return nil
        }
        return .int(value)
    }

    mutating func validateNumber(_ node: YAMLNode, _ s: NumberSchema) -> Value? {
        guard let (text, resolved) = scalar(node, expected: "a number") else { return nil }
        let value: Double
        switch resolved {
        case .int(let i): value = Double(i)
        case .float(let d) where d.isFinite: value = d
        case .float:
            report("schema.range", node, "`\(Excerpt.cut(text))` is out of range: numbers must be finite")
            return nil
        default:
            report(
                "schema.type", node, "expected a number, found \(Self.resolvedName(resolved)) `\(Excerpt.cut(text))`")
            return nil
        }
        if let min = s.minimum, value < min {
            report(
                "schema.range", node, "\(Excerpt.cut(text)) is less than the minimum \(CanonicalJSON.formatDouble(min))"
            )
            return nil
        }
        if let max = s.maximum, value > max {
            report(
                "schema.range", node, "\(Excerpt.cut(text)) is more than the maximum \(CanonicalJSON.formatDouble(max))"
            )
            return nil
        }
        return .double(value)
    }

    mutating func validateBool(_ node: YAMLNode) -> Value? {
        guard let (text, resolved) = scalar(node, expected: "true or false") else { return nil }
        if case .bool(let b) = resolved { return .bool(b) }
        if case .boolWord(let reading) = yaml11Surprise(text), Self.isPlain(node) {
            report(
                "schema.type", node,
                "`\(Excerpt.cut(text))` is not a boolean in Charter; YAML 1.1 would read it as \(reading)",
                hint: "write \(reading)")
        } else {
            report(
                "schema.type", node,
                "expected true or false, found \(Self.resolvedName(resolved)) `\(Excerpt.cut(text))`")
        }
        return nil
    }

    mutating func validateArray(_ node: YAMLNode, _ s: ArraySchema) -> Value? {
        guard case .sequence(let items) = node.content else {
            report("schema.type", node, "expected a list, found \(Self.nodeName(node))")
            return nil
        }
        var out: [Value] = []
        out.reserveCapacity(items.count)
        var ok = true
        for (i, item) in items.enumerated() {
            if let v = check(item, s.items, at: String(i)) { out.append(v) } else { ok = false }
        }
        if let min = s.minItems, items.count < min {
            report("schema.length", node, "needs at least \(min) item\(min == 1 ? "" : "s"), has \(items.count)")
            ok = false
        }
        if let max = s.maxItems, items.count > max {
            report("schema.length", node, "has \(items.count) items; the limit is \(max)")
            ok = false
        }
        if ok, s.uniqueItems {
            var seen: [Value: Int] = [:]
            for (i, v) in out.enumerated() {
                if let first = seen[v] {
                    report(
                        "schema.duplicate-item", items[i], child: String(i),
                        "duplicate list item (same as item \(first + 1) at \(items[first].mark))",
                        hint: "remove one of them")
                    ok = false
                } else {
                    seen[v] = i
                }
            }
        }
        return ok ? .array(out) : nil
    }

    mutating func validateMap(_ node: YAMLNode, _ s: MapSchema) -> Value? {
        guard case .mapping(let pairs) = node.content else {
            report("schema.type", node, "expected a mapping, found \(Self.nodeName(node))")
            return nil
        }
        if let max = s.maxEntries, pairs.count > max {
            report("schema.length", node, "has \(pairs.count) entries; the limit is \(max)")
            return nil
        }
        var out: [String: Value] = [:]
        var ok = true
        for pair in pairs {
            let key = Self.keyText(pair.key)
            if let p = s.keyPattern, !p.matches(key) {
                report("schema.pattern", pair.key, child: key, "key `\(Excerpt.cut(key))` is not \(p.expectation)")
                ok = false
            }
            if let v = check(pair.value, s.values, at: key) { out[key] = v } else { ok = false }
        }
        return ok ? .object(out) : nil
    }

    mutating func validateObject(_ node: YAMLNode, _ s: ObjectSchema) -> Value? {
        guard case .mapping(let pairs) = node.content else {
            report("schema.type", node, "expected a mapping (\(s.noun)), found \(Self.nodeName(node))")
            return nil
        }
        var out: [String: Value] = [:]
        out.reserveCapacity(s.properties.count)
        var present: Set<String> = []
        present.reserveCapacity(pairs.count)
        var ok = true
        for pair in pairs {
            let key = Self.keyText(pair.key)
            present.insert(key)
            guard let property = s.property(key) else {
                let names = s.properties.map(\.name)
                // Computed once, and only when the report is kept.
                var suggestion: String??
                func suggested() -> String? {
                    if suggestion == nil { suggestion = .some(Suggestion.closest(to: key, in: names)) }
                    return suggestion!
                }
                report(
                    "schema.unknown-field", pair.key, child: key,
                    "unknown field `\(Excerpt.cut(key))` in \(s.noun)"
                        + (suggested().map { "; did you mean `\($0)`?" } ?? ""),
                    hint: suggested() == nil ? "known fields: \(names.joined(separator: ", "))" : nil)
                ok = false
                continue
            }
            if let v = check(pair.value, property.schema, at: key) {
                out[key] = v
            } else {
                ok = false
            }
        }
        // A field a conditional forbids gets no default either, or the normalized value (what
        // `charter get` prints) would not load again.
        var forbidden: Set<String> = []
        for c in s.conditionals {
            let value = out[c.field] ?? s.property(c.field)?.defaultValue
            if value?.string == c.equals { forbidden.formUnion(c.forbid) }
        }
        for property in s.properties where !present.contains(property.name) {
            if forbidden.contains(property.name) { continue }
            if property.required {
                report(
                    "schema.required", node, child: property.name,
                    "missing required field `\(property.name)` in \(s.noun)")
                ok = false
            } else if let d = property.defaultValue {
                out[property.name] = d
            }
        }
        if let choices = s.exactlyOneOf {
            let given = choices.filter(present.contains)
            if given.count != 1 {
                let options = choices.map { "`\($0)`" }.joined(separator: " or ")
                report(
                    "schema.one-of", node,
                    given.isEmpty
                        ? "\(s.noun) needs \(options)" : "\(s.noun) takes only one of \(options), found \(given.count)")
                ok = false
            }
        }
        for c in s.conditionals where out[c.field]?.string == c.equals {
            for name in c.require where !present.contains(name) {
                report(
                    "schema.required", node, child: name,
                    "missing required field `\(name)` in \(s.noun) with \(c.field) `\(c.equals)`")
                ok = false
            }
            for name in c.forbid where present.contains(name) {
                let key = pairs.first { Self.keyText($0.key) == name }!.key
                report(
                    "schema.forbidden-field", key, child: name,
                    "field `\(name)` does not apply to \(s.noun) with \(c.field) `\(c.equals)`",
                    hint: "remove it")
                ok = false
            }
        }
        return ok ? .object(out) : nil
    }

    /// Any value, read with YAML 1.2 core types; YAML 1.1 look-alikes stay strings.
    mutating func anyValue(_ node: YAMLNode) -> Value? {
        switch node.content {
        case .scalar(let text, let style):
            guard style == .plain, let r = node.plainResolution else { return .string(text) }
            switch r {
            case .null: return .null
            case .bool(let b): return .bool(b)
            case .int(let i): return .int(i)
            case .float(let d): return d.isFinite ? .double(d) : .string(text)
            case .string(let s): return .string(s)
            }
        case .sequence(let items):
            var out: [Value] = []
            var ok = true
            for item in items {
                if let v = anyValue(item) { out.append(v) } else { ok = false }
            }
            return ok ? .array(out) : nil
        case .mapping(let pairs):
            var out: [String: Value] = [:]
            var ok = true
            for pair in pairs {
                let key = Self.keyText(pair.key)
                if let v = anyValue(pair.value) { out[key] = v } else { ok = false }
            }
            return ok ? .object(out) : nil
        }
    }

    static func keyText(_ node: YAMLNode) -> String {
        if case .scalar(let text, _) = node.content { return text }
        return ""
    }

    static func isPlain(_ node: YAMLNode) -> Bool {
        if case .scalar(_, .plain) = node.content { return true }
        return false
    }

    static func nodeName(_ node: YAMLNode) -> String {
        switch node.content {
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .scalar(let text, _):
            let r = Self.isPlain(node) ? (node.plainResolution ?? .string(text)) : .string(text)
            return "\(Self.resolvedName(r)) `\(Excerpt.cut(text))`"
        }
    }

    static func resolvedName(_ r: PlainScalar) -> String {
        switch r {
        case .null: return "an empty value"
        case .bool: return "the boolean"
        case .int: return "the integer"
        case .float: return "the number"
        case .string: return "the string"
        }
    }
}
