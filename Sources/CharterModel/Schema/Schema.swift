/// A declarative description of a resource's shape.
///
/// One `Schema` drives two things that must agree: the loader's validation (``SchemaValidator``)
/// and the JSON Schema files in `schemas/` (``JSONSchemaEmitter``). Keeping one source makes
/// disagreement a bug in a single place, which the corpus test then catches.
public indirect enum Schema: Sendable {
    case string(StringSchema)
    case integer(IntegerSchema)
    case number(NumberSchema)
    case boolean(description: String?)
    case array(ArraySchema)
    case object(ObjectSchema)
    case map(MapSchema)
    /// Any YAML value: a scalar, list or mapping.
    case any(description: String?)

    /// The description shown to users and editors.
    public var description: String? {
        switch self {
        case .string(let s): return s.description
        case .integer(let s): return s.description
        case .number(let s): return s.description
        case .boolean(let d): return d
        case .array(let s): return s.description
        case .object(let s): return s.description
        case .map(let s): return s.description
        case .any(let d): return d
        }
    }
}

/// A check on string contents that is fast in Swift and expressible as a JSON Schema regex.
public struct Pattern: Sendable {
    /// The ECMA-262 regular expression written into the JSON Schema.
    public var regex: String
    /// What a valid value looks like, for error messages ("a DNS label such as `platform`").
    public var expectation: String
    /// A hand-written matcher equivalent to `regex`; regexes are too slow for 100k fields.
    public var matches: @Sendable (String) -> Bool

    public init(regex: String, expectation: String, matches: @escaping @Sendable (String) -> Bool) {
        self.regex = regex
        self.expectation = expectation
        self.matches = matches
    }
}

/// A string field.
public struct StringSchema: Sendable {
    public var description: String?
    public var pattern: Pattern?
    public var enumValues: [String]?
    public var minLength: Int?
    public var maxLength: Int?
    /// For a duration (with ``Patterns/duration``), the durations accepted; JSON Schema cannot say
    /// this, so the description does.
    public var durationRange: DurationRange?

    public init(
        _ description: String? = nil, pattern: Pattern? = nil, enumValues: [String]? = nil, minLength: Int? = nil,
        maxLength: Int? = nil, durationRange: DurationRange? = nil
    ) {
        self.description = description
        self.pattern = pattern
        self.enumValues = enumValues
        self.minLength = minLength
        self.maxLength = maxLength
        self.durationRange = durationRange
    }
}

/// An integer field.
public struct IntegerSchema: Sendable {
    public var description: String?
    public var minimum: Int?
    public var maximum: Int?

    public init(_ description: String? = nil, minimum: Int? = nil, maximum: Int? = nil) {
        self.description = description
        self.minimum = minimum
        self.maximum = maximum
    }
}

/// A number field (integer or decimal).
public struct NumberSchema: Sendable {
    public var description: String?
    public var minimum: Double?
    public var maximum: Double?

    public init(_ description: String? = nil, minimum: Double? = nil, maximum: Double? = nil) {
        self.description = description
        self.minimum = minimum
        self.maximum = maximum
    }
}

/// A list field.
public struct ArraySchema: Sendable {
    public var description: String?
    public var items: Schema
    public var minItems: Int?
    public var maxItems: Int?
    /// Whether duplicate elements are an error.
    public var uniqueItems: Bool

    public init(
        _ description: String? = nil, items: Schema, minItems: Int? = nil, maxItems: Int? = nil,
        uniqueItems: Bool = false
    ) {
        self.description = description
        self.items = items
        self.minItems = minItems
        self.maxItems = maxItems
        self.uniqueItems = uniqueItems
    }
}

/// A mapping with free keys and uniform values, such as `labels`.
public struct MapSchema: Sendable {
    public var description: String?
    public var keyPattern: Pattern?
    public var values: Schema
    /// Most entries accepted.
    public var maxEntries: Int?

    public init(_ description: String? = nil, keyPattern: Pattern? = nil, values: Schema, maxEntries: Int? = nil) {
        self.description = description
        self.keyPattern = keyPattern
        self.values = values
        self.maxEntries = maxEntries
    }
}

/// One named field of an object.
public struct Property: Sendable {
    public var name: String
    public var schema: Schema
    public var required: Bool
    /// Applied while loading when the field is absent, so a defaulted field never shows as a change.
    public var defaultValue: Value?

    public init(_ name: String, _ schema: Schema, required: Bool = false, default defaultValue: Value? = nil) {
        self.name = name
        self.schema = schema
        self.required = required
        self.defaultValue = defaultValue
    }
}

/// A rule tying the fields an object needs to the value of one of its fields, such as a step's
/// `type`: agent steps need a `prompt`, shell steps a `run` command.
public struct Conditional: Sendable {
    public var field: String
    public var equals: String
    public var require: [String]
    public var forbid: [String]

    public init(when field: String, equals: String, require: [String] = [], forbid: [String] = []) {
        self.field = field
        self.equals = equals
        self.require = require
        self.forbid = forbid
    }
}

/// A mapping with a fixed set of fields; any other field is an error.
public struct ObjectSchema: Sendable {
    public var description: String?
    public let properties: [Property]
    /// Position of each property by name: lookups happen for every field of every document.
    private let index: [String: Int]
    /// Exactly one of these fields must be present (for example a board member is a `person` or a `team`).
    public var exactlyOneOf: [String]?
    public var conditionals: [Conditional]
    /// What users call this object in messages, such as "Team spec" or "step".
    public var noun: String

    public init(
        _ noun: String, _ description: String? = nil, properties: [Property], exactlyOneOf: [String]? = nil,
        conditionals: [Conditional] = []
    ) {
        self.noun = noun
        self.description = description
        self.properties = properties
        self.index = Dictionary(properties.enumerated().map { ($1.name, $0) }, uniquingKeysWith: { first, _ in first })
        self.exactlyOneOf = exactlyOneOf
        self.conditionals = conditionals
    }

    /// The property named `name`.
    public func property(_ name: String) -> Property? { index[name].map { properties[$0] } }
}
