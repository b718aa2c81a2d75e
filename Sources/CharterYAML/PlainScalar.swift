/// What a plain scalar means under the YAML 1.2 core schema.
///
/// Charter resolves with YAML 1.2 rather than 1.1, so `no`, `on` and `0755` are not booleans or
/// octal numbers; `yaml11Surprise(_:)` tells callers when a YAML 1.1 tool would disagree.
public enum PlainScalar: Equatable, Sendable {
    case null
    case bool(Bool)
    /// A decimal, `0o` octal or `0x` hexadecimal integer.
    case int(Int)
    /// A float, or an integer literal too large for `Int`.
    case float(Double)
    case string(String)
}

extension YAMLNode {
    /// The core-schema meaning of a plain scalar; nil for quoted and block scalars and collections.
    ///
    /// An explicit standard tag takes precedence over the text's look: `!!str 12` is
    /// `.string("12")`, and `!!float "1"` is `.float(1)` even though it is quoted.
    public var plainResolution: PlainScalar? {
        guard case .scalar(let text, let style) = content else { return nil }
        switch tag {
        case nil:
            return style == .plain ? PlainScalar.resolve(text) : nil
        case YAMLTag.str?:
            return .string(text)
        case YAMLTag.float?:
            // The parser already refused a !!float whose text is not a number.
            switch PlainScalar.resolve(text) {
            case .int(let value): return .float(Double(value))
            case let other: return other
            }
        default:
            return PlainScalar.resolve(text)
        }
    }
}

extension PlainScalar {
    /// Resolves text with the core schema's regular expressions, written as byte checks
    /// because this runs for every plain scalar of every file.
    static func resolve(_ text: String) -> PlainScalar {
        var copy = text
        return copy.withUTF8 { resolve(bytes: $0, text: text) }
    }

    private static func resolve(bytes: UnsafeBufferPointer<UInt8>, text: String) -> PlainScalar {
        guard let first = bytes.first else { return .null }
        switch first {
        case UInt8(ascii: "~"):
            return bytes.count == 1 ? .null : .string(text)
        case UInt8(ascii: "n"), UInt8(ascii: "N"):
            return text == "null" || text == "Null" || text == "NULL" ? .null : .string(text)
        case UInt8(ascii: "t"), UInt8(ascii: "T"):
            return text == "true" || text == "True" || text == "TRUE" ? .bool(true) : .string(text)
        case UInt8(ascii: "f"), UInt8(ascii: "F"):
            return text == "false" || text == "False" || text == "FALSE" ? .bool(false) : .string(text)
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "+"), UInt8(ascii: "."):
            return number(bytes, text: text) ?? .string(text)
        default:
            return .string(text)
        }
    }

    private static func number(_ bytes: UnsafeBufferPointer<UInt8>, text: String) -> PlainScalar? {
        if bytes.count > 2, bytes[0] == UInt8(ascii: "0") {
            if bytes[1] == UInt8(ascii: "o") { return radixInteger(bytes, radix: 8) }
            if bytes[1] == UInt8(ascii: "x") { return radixInteger(bytes, radix: 16) }
        }
        var index = 0
        let signed = bytes[0] == UInt8(ascii: "-") || bytes[0] == UInt8(ascii: "+")
        if signed { index = 1 }
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            if let special = special(bytes[(index + 1)...], negative: bytes[0] == UInt8(ascii: "-"), signed: signed) {
                return special
            }
        }
        // [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?
        let integerDigits = skipDigits(bytes, from: &index)
        var isFloat = false
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            let fractionDigits = skipDigits(bytes, from: &index)
            guard integerDigits > 0 || fractionDigits > 0 else { return nil }
            isFloat = true
        } else if integerDigits == 0 {
            return nil
        }
        if index < bytes.count, bytes[index] | 0x20 == UInt8(ascii: "e") {
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "-") || bytes[index] == UInt8(ascii: "+") {
                index += 1
            }
            guard skipDigits(bytes, from: &index) > 0 else { return nil }
            isFloat = true
        }
        guard index == bytes.count else { return nil }
        if !isFloat, let value = Int(text) { return .int(value) }
        return Double(text).map { .float($0) }
    }

    private static func skipDigits(_ bytes: UnsafeBufferPointer<UInt8>, from index: inout Int) -> Int {
        let start = index
        while index < bytes.count, bytes[index] &- UInt8(ascii: "0") < 10 { index += 1 }
        return index - start
    }

    /// `.inf`, `.nan` and their capitalised forms; only infinity takes a sign.
    private static func special(_ rest: Slice<UnsafeBufferPointer<UInt8>>, negative: Bool, signed: Bool) -> PlainScalar?
    {
        let word = String(decoding: rest, as: UTF8.self)
        switch word {
        case "inf", "Inf", "INF": return .float(negative ? -.infinity : .infinity)
        case "nan", "NaN", "NAN": return signed ? nil : .float(.nan)
        default: return nil
        }
    }

    /// `0o[0-7]+` or `0x[0-9a-fA-F]+`; values beyond `Int` become floats rather than wrapping.
    private static func radixInteger(_ bytes: UnsafeBufferPointer<UInt8>, radix: Int) -> PlainScalar? {
        var value = 0
        var approximate = 0.0
        var overflow = false
        for byte in bytes[2...] {
            guard let digit = digitValue(byte), digit < radix else { return nil }
            approximate = approximate * Double(radix) + Double(digit)
            if !overflow {
                let (shifted, o1) = value.multipliedReportingOverflow(by: radix)
                let (sum, o2) = shifted.addingReportingOverflow(digit)
                overflow = o1 || o2
                value = sum
            }
        }
        return overflow ? .float(approximate) : .int(value)
    }

    static func digitValue(_ byte: UInt8) -> Int? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): Int(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): Int(byte - UInt8(ascii: "a")) + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): Int(byte - UInt8(ascii: "A")) + 10
        default: nil
        }
    }
}

extension PlainScalar: CustomStringConvertible {
    /// A short phrase for messages: "the boolean true", "the integer 755".
    public var description: String {
        switch self {
        case .null: "null"
        case .bool(let value): "the boolean \(value)"
        case .int(let value): "the integer \(value)"
        case .float(let value): "the number \(value)"
        case .string(let value): "the string '\(value)'"
        }
    }
}
