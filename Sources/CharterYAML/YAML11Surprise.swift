/// What a YAML 1.1 tool (PyYAML, Ruby's Psych, older Kubernetes tooling) would make of a plain
/// scalar that YAML 1.2 reads differently.
///
/// Charter reads YAML 1.2, but files are also edited and linted by 1.1 tools; a value whose
/// meaning depends on the tool is worth refusing or quoting.
public enum YAML11Surprise: Equatable, Sendable {
    /// `yes`, `no`, `on`, `off`, `y`, `n` and their capitalisations: a 1.1 boolean, a 1.2 string.
    case boolWord(Bool)
    /// `0755`: a 1.1 octal integer (the payload), a 1.2 decimal `755`.
    case octal(Int)
    /// `0b1010`: a 1.1 binary integer, a 1.2 string.
    case binary(Int)
    /// `1:20`: a 1.1 base-60 number (80), a 1.2 string.
    case sexagesimal
    /// `1_000`: a 1.1 number (underscores are ignored), a 1.2 string.
    case underscoredNumber
    /// `2024-01-31`: a 1.1 timestamp, a 1.2 string.
    case timestamp
}

/// What YAML 1.1 would silently turn this plain scalar into, when that differs from YAML 1.2.
///
/// Returns nil when both versions agree (`true`, `12`, `0x1F`, `hello`).
public func yaml11Surprise(_ plain: String) -> YAML11Surprise? {
    var copy = plain
    return copy.withUTF8 { YAML11Rules(bytes: $0).surprise(plain) }
}

/// The YAML 1.1 type regular expressions (yaml.org/type/*.html), as byte checks.
private struct YAML11Rules {
    let bytes: UnsafeBufferPointer<UInt8>

    func surprise(_ text: String) -> YAML11Surprise? {
        switch text {
        case "y", "Y", "yes", "Yes", "YES", "on", "On", "ON": return .boolWord(true)
        case "n", "N", "no", "No", "NO", "off", "Off", "OFF": return .boolWord(false)
        default: break
        }
        guard let first = bytes.first,
            first &- UInt8(ascii: "0") < 10 || first == UInt8(ascii: "-") || first == UInt8(ascii: "+")
        else { return nil }
        let core = PlainScalar.resolve(text)
        let negative = first == UInt8(ascii: "-")
        let start = negative || first == UInt8(ascii: "+") ? 1 : 0
        let body = bytes[start...]
        guard let lead = body.first else { return nil }

        // [-+]?0b[0-1_]+
        if body.count > 2, lead == UInt8(ascii: "0"), body[start + 1] == UInt8(ascii: "b"),
            let value = integer(body.dropFirst(2), radix: 2)
        {
            return .binary(negative ? -value : value)
        }
        // [-+]?0[0-7_]+
        if body.count > 1, lead == UInt8(ascii: "0"), let value = integer(body.dropFirst(), radix: 8) {
            let signed = negative ? -value : value
            return core == .int(signed) ? nil : .octal(signed)
        }
        if isSexagesimal(body) { return .sexagesimal }
        if body.contains(UInt8(ascii: "_")), isUnderscoredNumber(body) { return .underscoredNumber }
        if start == 0, isTimestamp() { return .timestamp }
        return nil
    }

    /// Digits of `radix` with optional underscores, at least one digit.
    private func integer(_ digits: Slice<UnsafeBufferPointer<UInt8>>, radix: Int) -> Int? {
        var value = 0
        var sawDigit = false
        for byte in digits {
            if byte == UInt8(ascii: "_") { continue }
            guard let digit = PlainScalar.digitValue(byte), digit < radix else { return nil }
            let (shifted, o1) = value.multipliedReportingOverflow(by: radix)
            let (sum, o2) = shifted.addingReportingOverflow(digit)
            guard !o1, !o2 else { return nil }
            value = sum
            sawDigit = true
        }
        return sawDigit ? value : nil
    }

    /// `[0-9][0-9_]*(:[0-5]?[0-9])+(\.[0-9_]*)?`: the int and float forms together.
    private func isSexagesimal(_ body: Slice<UnsafeBufferPointer<UInt8>>) -> Bool {
        guard let colon = body.firstIndex(of: UInt8(ascii: ":")), colon > body.startIndex else { return false }
        guard body[body.startIndex..<colon].allSatisfy({ isDigit($0) || $0 == UInt8(ascii: "_") }) else { return false }
        var index = colon
        var groups = 0
        while index < body.endIndex, body[index] == UInt8(ascii: ":") {
            index += 1
            var digits = 0
            while index < body.endIndex, isDigit(body[index]), digits < 2 {
                digits += 1
                index += 1
            }
            guard digits > 0, digits == 1 || body[index - 2] <= UInt8(ascii: "5") else { return false }
            groups += 1
        }
        guard groups > 0 else { return false }
        if index < body.endIndex, body[index] == UInt8(ascii: ".") {
            index += 1
            while index < body.endIndex, isDigit(body[index]) || body[index] == UInt8(ascii: "_") { index += 1 }
        }
        return index == body.endIndex
    }

    /// Digits and underscores with at most one dot: `1_000`, `1_000.5`.
    private func isUnderscoredNumber(_ body: Slice<UnsafeBufferPointer<UInt8>>) -> Bool {
        guard let lead = body.first, isDigit(lead) else { return false }
        var dots = 0
        for byte in body {
            if byte == UInt8(ascii: ".") {
                dots += 1
            } else if !isDigit(byte) && byte != UInt8(ascii: "_") {
                return false
            }
        }
        return dots <= 1
    }

    /// `YYYY-MM-DD`, alone or followed by `T` or spaces and `hh:mm:ss`.
    private func isTimestamp() -> Bool {
        let pattern = Array("dddd-dd-dd".utf8)
        guard bytes.count >= pattern.count else { return false }
        for (byte, shape) in zip(bytes, pattern) {
            if shape == UInt8(ascii: "d") ? !isDigit(byte) : byte != shape { return false }
        }
        guard bytes.count > pattern.count else { return true }
        let separator = bytes[pattern.count]
        guard separator == UInt8(ascii: "T") || separator == UInt8(ascii: "t") || separator == UInt8(ascii: " ") else {
            return false
        }
        var index = pattern.count + 1
        while index < bytes.count, bytes[index] == UInt8(ascii: " ") { index += 1 }
        let time = bytes[index...]
        return time.count >= 7 && isDigit(time[index]) && time.contains(UInt8(ascii: ":"))
    }

    private func isDigit(_ byte: UInt8) -> Bool { byte &- UInt8(ascii: "0") < 10 }
}
