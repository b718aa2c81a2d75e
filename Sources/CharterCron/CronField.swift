/// One of the five fields of a cron expression: its bounds, its names, and how to parse it.
struct CronField: Sendable {
    let name: String
    let low: Int
    let high: Int
    /// Three-letter names, index 0 meaning value `low` (months) or 0 (days of week).
    let names: [String]
    /// Extra text for out-of-range messages.
    let rangeNote: String

    static let minute = CronField(name: "minute", low: 0, high: 59, names: [], rangeNote: "")
    static let hour = CronField(name: "hour", low: 0, high: 23, names: [], rangeNote: "")
    static let dayOfMonth = CronField(name: "day-of-month", low: 1, high: 31, names: [], rangeNote: "")
    static let month = CronField(
        name: "month",
        low: 1,
        high: 12,
        names: ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"],
        rangeNote: " or JAN-DEC"
    )
    /// 0-7 as in Vixie cron, where both 0 and 7 are Sunday.
    static let dayOfWeek = CronField(
        name: "day-of-week",
        low: 0,
        high: 7,
        names: ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"],
        rangeNote: ", where 0 and 7 are Sunday, or SUN-SAT"
    )

    /// The parsed field: one bit per allowed value, and Vixie's first-character star flag.
    struct Parsed {
        var bits: UInt64
        var star: Bool
    }

    /// Parses the field's text; `offset` is where the text starts in the whole expression.
    func parse(_ text: [Character], offset: Int) throws(CronError) -> Parsed {
        var bits: UInt64 = 0
        var itemStart = 0
        // A trailing comma leaves an empty last item, which the loop must still see.
        for index in 0...text.count where index == text.count || text[index] == "," {
            let item = Array(text[itemStart..<index])
            guard !item.isEmpty else {
                throw error("empty item in the list '\(String(text))'", at: offset + itemStart)
            }
            bits |= try parseItem(item, offset: offset + itemStart)
            itemStart = index + 1
        }
        return Parsed(bits: bits, star: text.first == "*")
    }

    /// `*`, `N`, `A-B`, each optionally followed by `/STEP`; `N/STEP` means `N-high/STEP`.
    private func parseItem(_ item: [Character], offset: Int) throws(CronError) -> UInt64 {
        let text = String(item)
        let slashes = item.indices.filter { item[$0] == "/" }
        guard slashes.count <= 1 else {
            throw error("'\(text)' has more than one '/'", at: offset + slashes[1])
        }
        let base = Array(item[..<(slashes.first ?? item.count)])
        var step = 1
        if let slash = slashes.first {
            let stepText = Array(item[(slash + 1)...])
            guard !stepText.isEmpty, stepText.allSatisfy(\.isASCIIDigit) else {
                throw error("step in '\(text)' must be a number", at: offset + slash + 1)
            }
            guard stepText.count <= 3, let value = Int(String(stepText)) else {
                throw error("step \(String(stepText)) in '\(text)' is too large", at: offset + slash + 1)
            }
            guard value > 0 else {
                throw error("step 0 in '\(text)' must be at least 1", at: offset + slash + 1)
            }
            step = value
        }

        let first: Int
        let last: Int
        if base == ["*"] {
            (first, last) = (low, high)
        } else if base.first == "*" {
            throw error("'*' cannot be combined with values in '\(text)'; use '*' or '*/step'", at: offset)
        } else if let dash = base.firstIndex(of: "-") {
            first = try value(Array(base[..<dash]), in: text, at: offset)
            last = try value(Array(base[(dash + 1)...]), in: text, at: offset + dash + 1)
            guard first <= last else {
                throw error(
                    "range \(String(base)) runs backwards; write the lower value first "
                        + "(to wrap around, use a list such as 22-23,0-2)",
                    at: offset
                )
            }
        } else {
            first = try value(base, in: text, at: offset)
            last = slashes.isEmpty ? first : high
        }
        if step > 1 && step > last - first {
            throw error(
                "step \(step) in '\(text)' is larger than the range \(first)-\(last), so only \(first) would match",
                at: offset + (slashes.first.map { $0 + 1 } ?? 0)
            )
        }
        var bits: UInt64 = 0
        for value in stride(from: first, through: last, by: step) { bits |= 1 << UInt64(value) }
        return bits
    }

    /// A number or, where the field has them, a three-letter name (any case).
    private func value(_ token: [Character], in item: String, at offset: Int) throws(CronError) -> Int {
        guard !token.isEmpty else {
            throw error("incomplete range in '\(item)'", at: offset)
        }
        let text = String(token)
        if token.allSatisfy(\.isASCIIDigit) {
            guard token.count <= 3, let number = Int(text), (low...high).contains(number) else {
                throw error("\(text) is out of range (\(low)-\(high)\(rangeNote))", at: offset)
            }
            return number
        }
        guard token.allSatisfy({ $0.isASCII && $0.isLetter }) else {
            let bad = token.firstIndex { !($0.isASCII && ($0.isLetter || $0.isNumber)) } ?? 0
            throw error("unexpected character '\(token[bad])' in '\(item)'", at: offset + bad)
        }
        guard !names.isEmpty else {
            throw error("'\(text)' is not a number; names are only allowed in month and day-of-week", at: offset)
        }
        guard let index = names.firstIndex(of: text.uppercased()) else {
            throw error("unknown name '\(text)' (use \(names.first!)-\(names.last!))", at: offset)
        }
        return name == Self.dayOfWeek.name ? index : index + low
    }

    private func error(_ message: String, at offset: Int) -> CronError {
        CronError(message: "\(name): \(message)", field: name, offset: offset)
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { isASCII && isNumber }
}
