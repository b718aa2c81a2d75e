import CharterModel
import Foundation

/// Checks a call's arguments against its tool's JSON Schema before the tool sees them.
///
/// The subset built-in tools use, and what MCP servers' schemas commonly say: `type` (one or a
/// list), `properties`, `required`, `additionalProperties: false`, `enum`, `items`, `minimum`,
/// `maximum`, `minLength`, `maxLength`, `maxItems`. Keywords outside it are not checked (an MCP
/// server checks its own arguments again); the model learns what was wrong in one message.
public enum ArgumentCheck {
    /// The arguments as an object, or why they are not acceptable: the JSON text of the call,
    /// parsed, at most `maxBytes` long, then checked against `schema`.
    public static func parse(
        _ json: String, schema: Value, maxBytes: Int = 1 << 20
    ) -> Result<[String: Value], ToolFailure> {
        guard json.utf8.count <= maxBytes else {
            return .failure(ToolFailure("the arguments are \(json.utf8.count) bytes; at most \(maxBytes) are accepted"))
        }
        let trimmed = json.trimmingCharacters(in: .whitespacesAndNewlines)
        let value: Value
        if trimmed.isEmpty {
            value = .object([:])
        } else {
            do {
                value = try Value(json: trimmed)
            } catch {
                return .failure(ToolFailure("the arguments are not valid JSON (\(error)); send one JSON object"))
            }
        }
        guard case .object(let object) = value else {
            return .failure(ToolFailure("the arguments must be a JSON object, not \(kind(value))"))
        }
        if let problem = check(value, against: schema, at: "arguments") { return .failure(ToolFailure(problem)) }
        return .success(object)
    }

    /// The first way `value` breaks `schema`, or nil.
    public static func check(_ value: Value, against schema: Value, at path: String) -> String? {
        guard case .object(let rules) = schema else { return nil }
        if let types = rules["type"] {
            let allowed = types.array?.compactMap(\.string) ?? types.string.map { [$0] } ?? []
            if !allowed.isEmpty && !allowed.contains(where: { matches(value, type: $0) }) {
                return "\(path) must be \(allowed.joined(separator: " or ")), not \(kind(value))"
            }
        }
        if let options = rules["enum"]?.array, !options.contains(value) {
            let shown = options.prefix(12).map { CanonicalJSON.string($0) }.joined(separator: ", ")
            return "\(path) must be one of \(shown)"
        }
        switch value {
        case .string(let text):
            let count = text.count
            if let min = rules["minLength"]?.int, count < min { return "\(path) must be at least \(min) characters" }
            if let max = rules["maxLength"]?.int, count > max { return "\(path) must be at most \(max) characters" }
        case .int, .double:
            let number = value.double ?? 0
            if let min = rules["minimum"]?.double, number < min { return "\(path) must be at least \(format(min))" }
            if let max = rules["maximum"]?.double, number > max { return "\(path) must be at most \(format(max))" }
        case .array(let items):
            if let max = rules["maxItems"]?.int, items.count > max { return "\(path) may hold at most \(max) items" }
            if let itemSchema = rules["items"] {
                for (i, item) in items.enumerated() {
                    if let problem = check(item, against: itemSchema, at: "\(path)[\(i)]") { return problem }
                }
            }
        case .object(let object):
            for name in rules["required"]?.array?.compactMap(\.string) ?? [] where object[name] == nil {
                return "\(path).\(name) is required"
            }
            let properties = rules["properties"]?.object ?? [:]
            for name in object.keys.sorted() {
                if let property = properties[name] {
                    if let problem = check(object[name]!, against: property, at: "\(path).\(name)") { return problem }
                } else if rules["additionalProperties"] == .bool(false) {
                    let known = properties.keys.sorted().joined(separator: ", ")
                    return "\(path) has no field `\(name)`" + (known.isEmpty ? "" : " (its fields: \(known))")
                }
            }
        default:
            break
        }
        return nil
    }

    private static func matches(_ value: Value, type: String) -> Bool {
        switch (type, value) {
        case ("string", .string), ("boolean", .bool), ("null", .null), ("array", .array), ("object", .object),
            ("integer", .int), ("number", .int), ("number", .double):
            true
        case ("integer", .double(let d)): d.rounded() == d
        default: false
        }
    }

    static func kind(_ value: Value) -> String {
        switch value {
        case .null: "null"
        case .bool: "a boolean"
        case .int, .double: "a number"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }

    private static func format(_ number: Double) -> String {
        number.rounded() == number && abs(number) < 1e15 ? String(Int(number)) : String(number)
    }
}
