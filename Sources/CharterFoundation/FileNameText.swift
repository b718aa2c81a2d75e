/// A file name as the file system or a git tree holds it — bytes — made text that names exactly
/// that file.
///
/// Decoding with replacement (`String(cString:)`, `String(decoding:as:)`) turns every invalid byte
/// into U+FFFD, so `\xff.yaml` and `\xfe.yaml` both read `\u{FFFD}.yaml`: one file then stands for
/// two, and nobody can tell which. Here a name that is UTF-8 stays as it is, and one that is not
/// writes each invalid byte as `\xNN` (and a backslash as `\\`), so two different names that are not
/// UTF-8 never read the same and the reader sees which bytes are wrong.
public enum FileNameText {
    /// `bytes` as text, and whether they are valid UTF-8 (when not, the text is an escaped form
    /// that must not be used to open the file: report it instead).
    public static func decode(_ bytes: some Collection<UInt8>) -> (text: String, isUTF8: Bool) {
        if let text = String(validating: bytes, as: UTF8.self) { return (text, true) }
        let bytes = Array(bytes)
        var out = ""
        var i = 0
        while i < bytes.count {
            // The longest well-formed sequence starting here (UTF-8 sequences are 1 to 4 bytes).
            let lead = bytes[i]
            let length = lead < 0x80 ? 1 : lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC2 ? 2 : 0
            if length > 0, i + length <= bytes.count,
                let scalar = String(validating: bytes[i..<(i + length)], as: UTF8.self)
            {
                out += scalar == "\\" ? "\\\\" : scalar
                i += length
            } else {
                out += "\\x" + hex(lead)
                i += 1
            }
        }
        return (out, false)
    }

    /// The bytes of a NUL-terminated C string (a libgit2 entry name) as text; see
    /// ``decode(_:)``.
    public static func decode(cString: UnsafePointer<CChar>) -> (text: String, isUTF8: Bool) {
        var length = 0
        while cString[length] != 0 { length += 1 }
        return cString.withMemoryRebound(to: UInt8.self, capacity: length) {
            decode(UnsafeBufferPointer(start: $0, count: length))
        }
    }

    private static func hex(_ byte: UInt8) -> String {
        let digits = Array("0123456789abcdef")
        return String([digits[Int(byte >> 4)], digits[Int(byte & 0xF)]])
    }
}
