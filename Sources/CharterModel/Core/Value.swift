/// A JSON-like value: the normalized form of every resource, with defaults applied.
///
/// Planning compares `Value`s, the store persists them as canonical JSON, and the typed kinds
/// (``Team``, ``Board``…) are read from them. Numbers compare by magnitude, so `2` and `2.0`
/// are equal: a round trip through JSON never shows up as a change.
public enum Value: Sendable {
    case null
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case array([Value])
    case object([String: Value])
}

extension Value: Equatable {
    public static func == (lhs: Value, rhs: Value) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): return true
        case (.bool(let a), .bool(let b)): return a == b
        case (.int(let a), .int(let b)): return a == b
        case (.double(let a), .double(let b)): return a == b
        case (.int(let a), .double(let b)), (.double(let b), .int(let a)): return Double(a) == b
        case (.string(let a), .string(let b)): return a == b
        case (.array(let a), .array(let b)): return a == b
        case (.object(let a), .object(let b)): return a == b
        default: return false
        }
    }
}

extension Value: Hashable {
    public func hash(into hasher: inout Hasher) {
        switch self {
        case .null: hasher.combine(0)
        case .bool(let b): hasher.combine(b)
        case .int(let i): hasher.combine(Double(i))
        case .double(let d): hasher.combine(d)
        case .string(let s): hasher.combine(s)
        case .array(let a): hasher.combine(a)
        case .object(let o): hasher.combine(o)
        }
    }
}

extension Value {
    /// The string, if this is a string.
    public var string: String? {
        if case .string(let s) = self { return s }
        return nil
    }
    /// The integer, if this is an integer (or a double with an integral value).
    public var int: Int? {
        switch self {
        case .int(let i): return i
        case .double(let d) where d.rounded() == d && abs(d) < 9e15: return Int(d)
        default: return nil
        }
    }
    /// The number, if this is an integer or a double.
    public var double: Double? {
        switch self {
        case .int(let i): return Double(i)
        case .double(let d): return d
        default: return nil
        }
    }
    /// The boolean, if this is a boolean.
    public var bool: Bool? {
        if case .bool(let b) = self { return b }
        return nil
    }
    /// The elements, if this is an array.
    public var array: [Value]? {
        if case .array(let a) = self { return a }
        return nil
    }
    /// The members, if this is an object.
    public var object: [String: Value]? {
        if case .object(let o) = self { return o }
        return nil
    }
    /// Whether this is `null`.
    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }
    /// The member named `key`, if this is an object that has it.
    public subscript(key: String) -> Value? {
        if case .object(let o) = self { return o[key] }
        return nil
    }
    /// The strings of an array of strings; elements of other types are dropped.
    public var strings: [String] {
        array?.compactMap(\.string) ?? []
    }
    /// The string members of an object of strings.
    public var stringMap: [String: String] {
        guard let o = object else { return [:] }
        var out: [String: String] = [:]
        for (k, v) in o { if let s = v.string { out[k] = s } }
        return out
    }

    /// The value at a JSON pointer, or nil where the path leaves the value.
    public func value(at pointer: JSONPointer) -> Value? {
        var current = self
        for token in pointer.tokens {
            switch current {
            case .object(let o):
                guard let next = o[token] else { return nil }
                current = next
            case .array(let a):
                guard let i = Int(token), a.indices.contains(i) else { return nil }
                current = a[i]
            default:
                return nil
            }
        }
        return current
    }

    /// A short name of the value's type, as users see it in error messages.
    public var typeName: String {
        switch self {
        case .null: return "null"
        case .bool: return "boolean"
        case .int: return "integer"
        case .double: return "number"
        case .string: return "string"
        case .array: return "list"
        case .object: return "mapping"
        }
    }
}

extension Value: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral, ExpressibleByNilLiteral, ExpressibleByFloatLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int) { self = .int(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(floatLiteral value: Double) { self = .double(value) }
    public init(arrayLiteral elements: Value...) { self = .array(elements) }
    public init(nilLiteral: ()) { self = .null }
    public init(dictionaryLiteral elements: (String, Value)...) {
        self = .object(Dictionary(elements, uniquingKeysWith: { _, last in last }))
    }
}
