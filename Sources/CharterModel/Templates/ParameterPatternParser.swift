/// Parses the regular-expression subset of parameter patterns (docs/TEMPLATES.md) into a
/// ``PatternNode``, refusing anything else with its offset: the supported syntax means the same in
/// Swift, ECMA-262 and PCRE, so a pattern that parses here is read the way its author meant.
struct ParameterPatternParser {
    private let s: [Unicode.Scalar]
    private var i = 0
    private var depth = 0

    init(_ scalars: [Unicode.Scalar]) { s = scalars }

    private var atEnd: Bool { i >= s.count }
    private var peek: Unicode.Scalar? { i < s.count ? s[i] : nil }

    private func fail(_ message: String, at offset: Int? = nil, hint: String? = nil) -> ParameterPatternError {
        ParameterPatternError(message, at: offset ?? i, hint: hint)
    }

    /// The whole pattern: `^`? alternatives `$`?
    mutating func parsePattern() throws(ParameterPatternError) -> PatternNode {
        if peek == "^" { i += 1 }
        let node = try parseAlternation()
        if !atEnd {
            // Only `)` stops an alternation early.
            throw fail("unmatched `)`", hint: "write `\\)` for a literal parenthesis")
        }
        return node
    }

    private mutating func parseAlternation() throws(ParameterPatternError) -> PatternNode {
        var branches = [try parseConcatenation()]
        while peek == "|" {
            i += 1
            branches.append(try parseConcatenation())
        }
        return branches.count == 1 ? branches[0] : .alternation(branches)
    }

    private mutating func parseConcatenation() throws(ParameterPatternError) -> PatternNode {
        var items: [PatternNode] = []
        while let c = peek, c != "|", c != ")" {
            if c == "$" {
                guard i == s.count - 1, depth == 0 else {
                    throw fail(
                        "`$` may only end the whole pattern",
                        hint:
                            "a pattern always matches the whole value, so `^` and `$` can be left out; write `\\$` for a dollar sign"
                    )
                }
                i += 1
                break
            }
            let atom = try parseAtom()
            items.append(try parseQuantifiers(atom))
        }
        return items.count == 1 ? items[0] : .concat(items)
    }

    private mutating func parseQuantifiers(_ atom: PatternNode) throws(ParameterPatternError) -> PatternNode {
        guard let c = peek else { return atom }
        let start = i
        var min = 0
        var max: Int?
        switch c {
        case "*": i += 1
        case "+":
            min = 1
            i += 1
        case "?":
            max = 1
            i += 1
        case "{":
            (min, max) = try parseCount()
        default:
            return atom
        }
        // A lazy quantifier (`*?`) matches the same values as a greedy one.
        if peek == "?" { i += 1 }
        if let next = peek, next == "*" || next == "+" || next == "?" || next == "{" {
            throw fail(
                next == "+"
                    ? "possessive quantifiers (`\(String(s[start..<i].map(Character.init)))+`) are not supported"
                    : "a quantifier cannot follow another quantifier",
                hint: "group the part to repeat: `(a+)*`")
        }
        return .repetition(atom, min: min, max: max)
    }

    /// `{n}`, `{n,}` or `{n,m}`.
    private mutating func parseCount() throws(ParameterPatternError) -> (Int, Int?) {
        let start = i
        i += 1
        func number(_ p: inout ParameterPatternParser) -> Int? {
            var value = 0
            var digits = 0
            while let c = p.peek, c.value >= 48, c.value <= 57 {
                value = Swift.min(value * 10 + Int(c.value - 48), ParameterPattern.maxCount + 1)
                digits += 1
                p.i += 1
            }
            return digits == 0 ? nil : value
        }
        let braceHint = "write `\\{` for a literal brace; counts are `{n}`, `{n,}` or `{n,m}`"
        guard let low = number(&self) else { throw fail("`{` does not start a count", at: start, hint: braceHint) }
        var high: Int? = low
        if peek == "," {
            i += 1
            high = number(&self)
        }
        guard peek == "}" else { throw fail("`{` does not start a count", at: start, hint: braceHint) }
        i += 1
        let limit = ParameterPattern.maxCount
        if low > limit || (high ?? 0) > limit {
            throw fail("counts above \(limit) are not supported", at: start)
        }
        if let high, high < low { throw fail("the count {\(low),\(high)} is out of order", at: start) }
        return (low, high)
    }

    private mutating func parseAtom() throws(ParameterPatternError) -> PatternNode {
        let c = s[i]
        switch c {
        case "(":
            return try parseGroup()
        case "[":
            return .set(try parseClass())
        case ".":
            i += 1
            return .set(.dot)
        case "\\":
            return .set(try parseEscape(inClass: false))
        case "*", "+", "?", "{":
            throw fail(
                "`\(c)` has nothing to repeat",
                hint: c == "{" ? "write `\\{` for a literal brace" : "write `\\\(c)` for a literal `\(c)`")
        case "^":
            throw fail(
                "`^` may only start the whole pattern",
                hint:
                    "a pattern always matches the whole value, so `^` and `$` can be left out; write `\\^` for a caret")
        default:
            i += 1
            return .set(ScalarSet(scalar: c.value))
        }
    }

    private mutating func parseGroup() throws(ParameterPatternError) -> PatternNode {
        let start = i
        i += 1
        if peek == "?" {
            i += 1
            switch peek {
            case ":":
                i += 1
            case "<" where i + 1 < s.count && s[i + 1] != "=" && s[i + 1] != "!":
                // A named group `(?<name>…)` groups like `(…)`; captures are not used.
                i += 1
                try skipGroupName(start: start)
            case "P" where i + 1 < s.count && s[i + 1] == "<":
                i += 2
                try skipGroupName(start: start)
            case "=", "!", "<":
                throw fail(
                    "lookahead and lookbehind (`(?=`, `(?!`, `(?<=`, `(?<!`) are not supported", at: start,
                    hint: "parameter patterns match the whole value; describe the value itself")
            default:
                throw fail("inline options and other `(?…)` groups are not supported", at: start)
            }
        }
        depth += 1
        guard depth <= ParameterPattern.maxNesting else {
            throw fail("groups are nested more than \(ParameterPattern.maxNesting) deep", at: start)
        }
        let inner = try parseAlternation()
        guard peek == ")" else { throw fail("`(` is not closed", at: start, hint: "add `)`") }
        i += 1
        depth -= 1
        return inner
    }

    private mutating func skipGroupName(start: Int) throws(ParameterPatternError) {
        let nameStart = i
        while let c = peek, c.isASCII, c.properties.isAlphabetic || c == "_" || (c.value >= 48 && c.value <= 57) {
            i += 1
        }
        guard i > nameStart, peek == ">" else { throw fail("a group name must be letters, digits and `_`", at: start) }
        i += 1
    }

    /// `[…]` or `[^…]`.
    private mutating func parseClass() throws(ParameterPatternError) -> ScalarSet {
        let start = i
        i += 1
        var negated = false
        if peek == "^" {
            negated = true
            i += 1
        }
        if peek == "]" {
            throw fail(
                "`]` right after `[` means different things in different regex dialects", hint: "write `\\]`")
        }
        var ranges: [ClosedRange<UInt32>] = []
        while true {
            guard let c = peek else { throw fail("`[` is not closed", at: start, hint: "add `]`") }
            if c == "]" {
                i += 1
                break
            }
            if c == "[" {
                throw fail(
                    "`[` inside a character class (nested classes, POSIX `[:alpha:]`) is not supported",
                    hint: "write `\\[` for a literal bracket")
            }
            if i + 1 < s.count, c == "&" || c == "-" || c == "~", s[i + 1] == c {
                throw fail(
                    "`\(c)\(c)` inside a character class is a set operation in some regex dialects",
                    hint: "write `\\\(c)` for a literal `\(c)`")
            }
            let lowStart = i
            let low = try classMember()
            // A range `a-z`, unless the `-` is the class's last character.
            if peek == "-", i + 1 < s.count, s[i + 1] != "]" {
                i += 1
                let high = try classMember()
                guard case .scalar(let a) = low, case .scalar(let b) = high else {
                    throw fail("a range cannot start or end with a class such as `\\d`", at: lowStart)
                }
                guard a <= b else { throw fail("the range is out of order", at: lowStart) }
                ranges.append(a...b)
            } else {
                switch low {
                case .scalar(let a): ranges.append(a...a)
                case .set(let set): ranges += set.ranges
                }
            }
        }
        let set = ScalarSet(ranges)
        return negated ? set.inverted : set
    }

    private enum ClassMember {
        case scalar(UInt32)
        case set(ScalarSet)
    }

    private mutating func classMember() throws(ParameterPatternError) -> ClassMember {
        guard s[i] == "\\" else {
            defer { i += 1 }
            return .scalar(s[i].value)
        }
        let set = try parseEscape(inClass: true)
        if set.ranges.count == 1, set.ranges[0].lowerBound == set.ranges[0].upperBound {
            return .scalar(set.ranges[0].lowerBound)
        }
        return .set(set)
    }

    /// `\d`, `\w`, `\s` and their negations, control escapes, `\xHH`, `\uHHHH`, `\u{H…}`, or an
    /// escaped punctuation character.
    private mutating func parseEscape(inClass: Bool) throws(ParameterPatternError) -> ScalarSet {
        let start = i
        i += 1
        guard let c = peek else {
            throw fail("the pattern ends with `\\`", at: start, hint: "write `\\\\` for a backslash")
        }
        i += 1
        switch c {
        case "d": return .digits
        case "D": return ScalarSet.digits.inverted
        case "w": return .word
        case "W": return ScalarSet.word.inverted
        case "s": return .space
        case "S": return ScalarSet.space.inverted
        case "n": return ScalarSet(scalar: 0x0A)
        case "r": return ScalarSet(scalar: 0x0D)
        case "t": return ScalarSet(scalar: 0x09)
        case "f": return ScalarSet(scalar: 0x0C)
        case "v": return ScalarSet(scalar: 0x0B)
        case "0" where !(peek.map { $0.value >= 48 && $0.value <= 57 } ?? false): return ScalarSet(scalar: 0)
        case "x": return ScalarSet(scalar: try hex(digits: 2, start: start))
        case "u":
            if peek == "{" {
                i += 1
                let value = try hex(digits: nil, start: start)
                guard peek == "}" else { throw fail("`\\u{` is not closed", at: start) }
                i += 1
                return ScalarSet(scalar: value)
            }
            return ScalarSet(scalar: try hex(digits: 4, start: start))
        default:
            if c.isASCII, !c.properties.isAlphabetic, !(c.value >= 48 && c.value <= 57) {
                return ScalarSet(scalar: c.value)
            }
            let what: String
            switch c {
            case "b", "B": what = "word boundaries (`\\\(c)`) are"
            case "1"..."9", "k": what = "backreferences (`\\\(c)`) are"
            case "p", "P": what = "Unicode properties (`\\\(c){…}`) are"
            default: what = "the escape `\\\(c)` is"
            }
            throw fail(
                "\(what) not supported in parameter patterns", at: start,
                hint: "use character classes such as `[A-Za-z0-9]`, `\\d`, `\\w` and `\\s`")
        }
    }

    private mutating func hex(digits: Int?, start: Int) throws(ParameterPatternError) -> UInt32 {
        var value: UInt32 = 0
        var count = 0
        while let c = peek, count < (digits ?? 6), let d = Self.hexDigit(c) {
            value = value * 16 + d
            count += 1
            i += 1
        }
        guard count > 0, digits.map({ count == $0 }) ?? true, value <= ScalarSet.maxScalar,
            !(0xD800...0xDFFF).contains(value)
        else { throw fail("invalid hexadecimal escape", at: start) }
        return value
    }

    private static func hexDigit(_ c: Unicode.Scalar) -> UInt32? {
        switch c.value {
        case 48...57: return c.value - 48
        case 65...70: return c.value - 55
        case 97...102: return c.value - 87
        default: return nil
        }
    }
}
