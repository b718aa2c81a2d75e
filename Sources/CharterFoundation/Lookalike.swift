import CUnicodeSecurity

/// A value whose letters imitate other letters: the warning a plan shows next to it.
///
/// Unicode TR39's confusable data (through ICU's spoof checker) maps each character to the one it
/// is usually mistaken for. A value is flagged when it holds letters or digits from outside ASCII
/// that are mistaken for ASCII ones, and either also holds ASCII letters (`Rеsearch`, with a
/// Cyrillic `е`) or consists of nothing else (`раураl` — every letter Cyrillic or Latin, the
/// reading "paypal"). Text really written in another script (`Ελληνικά`, `Müller`, `東京 Tokyo`)
/// is not flagged: its letters do not all pass for ASCII. ICU also flags mixed number systems and
/// combining marks that hide or repeat.
public struct Lookalike: Sendable, Hashable, CustomStringConvertible {
    /// A non-ASCII character that passes for the ASCII `reading`.
    public struct Imitation: Sendable, Hashable {
        /// The character as written.
        public let scalar: Unicode.Scalar
        /// Its script ("Cyrillic").
        public let script: String
        /// What it is mistaken for ("e").
        public let reading: String
    }

    /// The characters that pass for ASCII ones, in order, each once.
    public let imitations: [Imitation]
    /// The scripts of the value's letters, sorted ("Cyrillic", "Latin").
    public let scripts: [String]
    /// The text a reader is likely to see: each imitating character replaced by its reading.
    public let reading: String
    /// Digits from more than one number system.
    public let mixesNumberSystems: Bool
    /// Combining marks that repeat or hide a dot (ICU's invisible and hidden-overlay checks).
    public let hidesMarks: Bool

    /// One sentence for a plan: `mixes Latin and Cyrillic letters: reads as "Research Lab" but
    /// "е" is U+0435 CYRILLIC SMALL LETTER IE`.
    public var description: String {
        var parts: [String] = []
        if !imitations.isEmpty {
            let mixes =
                scripts.count > 1
                ? "mixes \(Self.list(scripts)) letters" : "is written in \(scripts.first ?? "other") letters"
            let which = imitations.prefix(3).map { i in
                let name = i.scalar.properties.name ?? "U+\(String(i.scalar.value, radix: 16, uppercase: true))"
                return
                    "\"\(DisplayText.escaped(String(i.scalar)))\" is \(Self.codePoint(i.scalar)) \(name), not \"\(i.reading)\""
            }
            let more = imitations.count > 3 ? " (and \(imitations.count - 3) more)" : ""
            parts.append(
                "\(mixes): it reads as \"\(DisplayText.escaped(reading))\" but \(which.joined(separator: ", "))\(more)")
        }
        if mixesNumberSystems { parts.append("mixes digits from different number systems") }
        if hidesMarks { parts.append("has repeated or hidden combining marks") }
        return parts.joined(separator: "; ")
    }

    /// The finding for `text`, or nil when nothing in it imitates something else.
    public static func inspect(_ text: String) -> Lookalike? {
        guard text.utf8.contains(where: { $0 >= 0x80 }) else { return nil }
        var imitations: [Imitation] = []
        var scripts = Set<String>()
        var reading = String.UnicodeScalarView()
        var hasASCIILetters = false
        var othersLetters = false
        for scalar in text.unicodeScalars {
            let isLetterOrDigit = Self.isLetterOrDigit(scalar)
            if scalar.isASCII {
                if isLetterOrDigit {
                    hasASCIILetters = true
                    scripts.insert("Latin")
                }
                reading.append(scalar)
                continue
            }
            guard isLetterOrDigit else {
                reading.append(scalar)
                continue
            }
            let script = scriptName(scalar)
            if let script, script != "Common", script != "Inherited" { scripts.insert(script) }
            if let ascii = asciiReading(of: scalar) {
                if !imitations.contains(where: { $0.scalar == scalar }) {
                    imitations.append(Imitation(scalar: scalar, script: script ?? "Unknown", reading: ascii))
                }
                reading.append(contentsOf: ascii.unicodeScalars)
            } else {
                othersLetters = true
                reading.append(scalar)
            }
        }
        if !hasASCIILetters && othersLetters { imitations = [] }
        var failed: Int32 = 0
        var level: Int32 = 0
        let checked = text.utf8CString.withUnsafeBufferPointer { buffer in
            charter_spoof_check(buffer.baseAddress, Int32(buffer.count - 1), &failed, &level)
        }
        let mixedNumbers = checked == 0 && failed & Int32(CHARTER_CHECK_MIXED_NUMBERS) != 0
        let marks = checked == 0 && failed & Int32(CHARTER_CHECK_INVISIBLE | CHARTER_CHECK_HIDDEN_OVERLAY) != 0
        guard !imitations.isEmpty || mixedNumbers || marks else { return nil }
        return Lookalike(
            imitations: imitations, scripts: scripts.sorted(), reading: String(reading),
            mixesNumberSystems: mixedNumbers, hidesMarks: marks)
    }

    /// The script's long name ("Cyrillic"), from ICU.
    public static func scriptName(_ scalar: Unicode.Scalar) -> String? {
        charter_script_name(scalar.value).map { String(cString: $0) }
    }

    /// The ASCII letters or digits `scalar` is mistaken for, from its TR39 skeleton; nil when its
    /// skeleton is not plain ASCII letters and digits.
    static func asciiReading(of scalar: Unicode.Scalar) -> String? {
        var buffer = [CChar](repeating: 0, count: 64)
        let utf8 = Array(String(scalar).utf8CString)
        let length = utf8.withUnsafeBufferPointer { source in
            charter_spoof_skeleton(source.baseAddress, Int32(source.count - 1), &buffer, Int32(buffer.count))
        }
        guard length > 0, length < Int32(buffer.count) else { return nil }
        let skeleton = buffer.prefix(Int(length)).map { UInt8(bitPattern: $0) }
        guard skeleton.allSatisfy({ $0 < 0x80 && isLetterOrDigit(Unicode.Scalar($0)) }) else { return nil }
        return String(decoding: skeleton, as: UTF8.self)
    }

    static func isLetterOrDigit(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter, .decimalNumber,
            .letterNumber:
            return true
        default:
            return false
        }
    }

    static func codePoint(_ scalar: Unicode.Scalar) -> String {
        let hex = String(scalar.value, radix: 16, uppercase: true)
        return "U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
    }

    static func list(_ names: [String]) -> String {
        names.count <= 2
            ? names.joined(separator: " and ") : names.dropLast().joined(separator: ", ") + " and " + names.last!
    }
}
