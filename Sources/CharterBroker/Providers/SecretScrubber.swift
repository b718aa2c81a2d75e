/// Removes a key from streamed text whose pieces may split the key between two chunks.
///
/// It holds back the longest end of what it was given that could be the start of the key, until
/// the next piece (or the end) shows whether it is, so the key never leaves in two halves; text
/// that cannot start the key passes at once. A server echoing request headers into an answer must
/// not put the key in an artifact.
struct SecretScrubber: Sendable {
    private let key: APIKey?
    private var pending = ""

    init(key: APIKey?) {
        self.key = key
    }

    /// The text that can be released after `piece` arrived, scrubbed; possibly empty.
    mutating func push(_ piece: String) -> String {
        guard let key, !key.value.isEmpty else { return piece }
        let text = key.scrub(pending + piece)
        var keep = min(text.count, key.value.count - 1)
        while keep > 0, !text.hasSuffix(key.value.prefix(keep)) { keep -= 1 }
        let cut = text.index(text.endIndex, offsetBy: -keep)
        pending = String(text[cut...])
        return String(text[..<cut])
    }

    /// Whatever is still held back, scrubbed, at the end of the stream.
    mutating func finish() -> String {
        defer { pending = "" }
        return key?.scrub(pending) ?? pending
    }
}
