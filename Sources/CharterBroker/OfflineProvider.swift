import Crypto

/// The built-in provider: answers without a network or a model, deterministically, so demos, tests
/// and CI runs of whole workflows need no API key and always produce the same records.
///
/// The answer depends only on the model name, the role and step names, the system text and the
/// messages; never on the time, the run id, the attempt, the temperature or the idempotency key.
/// Its exact shape is specified in docs/PROVIDERS.md; in short:
///
/// ```
/// Offline response from model `offline` for role `scribe`, step `notes`. No language model was called.
///
/// Summarize these commits as standup notes:
/// - 3f2a1c9 Fix login redirect
/// - 8d0e4b7 Add retry to fetch
///
/// Prompt: 3 lines, 15 words, 95 bytes. Input fingerprint: sha256:5d16790a6116.
/// ```
public struct OfflineProvider: CompletionProvider {
    /// The most prompt lines listed as bullets; the rest are counted.
    public static let maxBullets = 12
    /// The most characters of a prompt line shown in a bullet.
    public static let maxBulletLength = 120

    public let name: String
    /// The model name reported when the request names none (a CapacitySource's `model`).
    public let model: String

    /// An offline provider named `name` that reports `model`.
    public init(name: String = "offline", model: String = "offline") {
        self.name = name
        self.model = model
    }

    public func complete(_ request: CompletionRequest) async throws -> CompletionResponse {
        try Task.checkCancellation()
        return try answer(request)
    }

    public func stream(_ request: CompletionRequest) -> AsyncThrowingStream<CompletionChunk, any Error> {
        AsyncThrowingStream { continuation in
            do {
                let response = try answer(request)
                for line in Self.linesKeepingTerminators(response.text) { continuation.yield(.text(line)) }
                continuation.yield(
                    .finished(model: response.model, finishReason: response.finishReason, usage: response.usage))
                continuation.finish()
            } catch {
                continuation.finish(throwing: error)
            }
        }
    }

    /// The answer to `request`, computed synchronously; the same request always gives the same answer.
    public func answer(_ request: CompletionRequest) throws -> CompletionResponse {
        guard !request.messages.isEmpty else {
            throw CompletionError(.invalidRequest, "the request has no messages")
        }
        guard request.maxOutputTokens > 0 else {
            throw CompletionError(.invalidRequest, "maxOutputTokens must be positive, not \(request.maxOutputTokens)")
        }
        let model = request.model ?? self.model
        let input = Self.renderedInput(request)
        var text = Self.text(model: model, request: request, fingerprint: Self.fingerprint(input))
        var finishReason = FinishReason.stop
        if Self.estimateTokens(text) > request.maxOutputTokens {
            text = Self.prefix(text, utf8Bytes: request.maxOutputTokens * 4)
            finishReason = .length
        }
        let usage = TokenUsage(input: Self.estimateTokens(input), output: Self.estimateTokens(text))
        return CompletionResponse(text: text, model: model, finishReason: finishReason, usage: usage)
    }

    /// Tokens the offline provider charges for `text`: one per started group of four UTF-8 bytes,
    /// a common rule of thumb for English with BPE tokenizers.
    public static func estimateTokens(_ text: String) -> Int { (text.utf8.count + 3) / 4 }

    /// The bytes the input is measured and fingerprinted over: `system: TEXT\n` when there is a
    /// system text, then `ROLE: CONTENT\n` for each message.
    public static func renderedInput(_ request: CompletionRequest) -> String {
        var input = request.system.map { "system: \($0)\n" } ?? ""
        for message in request.messages { input += "\(message.role.rawValue): \(message.content)\n" }
        return input
    }

    /// `sha256:` and the first 12 hex digits of the SHA-256 of `input`'s UTF-8 bytes.
    public static func fingerprint(_ input: String) -> String {
        let digest = SHA256.hash(data: Array(input.utf8))
        return "sha256:"
            + digest.prefix(6).map { byte in
                let hex = String(byte, radix: 16)
                return byte < 16 ? "0" + hex : hex
            }.joined()
    }

    private static func text(model: String, request: CompletionRequest, fingerprint: String) -> String {
        var who: [String] = []
        if let role = request.metadata.role { who.append("role `\(role)`") }
        if let step = request.metadata.step { who.append("step `\(step)`") }
        var text = "Offline response from model `\(model)`"
        if !who.isEmpty { text += " for " + who.joined(separator: ", ") }
        text += ". No language model was called.\n\n"

        let prompt = request.prompt
        let promptLines = prompt.split { $0 == "\n" || $0 == "\r\n" }.map { $0.trimmingWhitespace() }.filter {
            !$0.isEmpty
        }
        var lines = promptLines
        if lines.isEmpty {
            text += "(The prompt is empty.)\n"
        } else {
            if lines.count > 1, lines[0].hasSuffix(":") {
                text += lines.removeFirst() + "\n"
            }
            for line in lines.prefix(maxBullets) { text += "- " + bullet(line) + "\n" }
            if lines.count > maxBullets { text += "- … and \(count(lines.count - maxBullets, "more line"))\n" }
        }
        let words = prompt.split { $0.isWhitespace }.count
        text += "\nPrompt: \(count(promptLines.count, "line")), \(count(words, "word")), "
        text += "\(count(prompt.utf8.count, "byte"))."
        text += " Input fingerprint: \(fingerprint).\n"
        return text
    }

    private static func count(_ n: Int, _ noun: String) -> String { "\(n) \(noun)\(n == 1 ? "" : "s")" }

    /// A prompt line as a bullet: without its own list marker, cut to ``maxBulletLength``.
    private static func bullet(_ line: String) -> String {
        var item = Substring(line)
        for marker in ["- ", "* ", "+ ", "• "] where item.hasPrefix(marker) {
            item = item.dropFirst(marker.count)
            break
        }
        let trimmed = String(item).trimmingWhitespace()
        return trimmed.count > maxBulletLength ? String(trimmed.prefix(maxBulletLength - 1)) + "…" : trimmed
    }

    /// The longest prefix of `text` of at most `limit` UTF-8 bytes that ends on a character boundary.
    private static func prefix(_ text: String, utf8Bytes limit: Int) -> String {
        var result = ""
        var bytes = 0
        for character in text {
            let size = character.utf8.count
            if bytes + size > limit { break }
            result.append(character)
            bytes += size
        }
        return result
    }

    private static func linesKeepingTerminators(_ text: String) -> [String] {
        var lines: [String] = []
        var current = ""
        for character in text {
            current.append(character)
            if character == "\n" {
                lines.append(current)
                current = ""
            }
        }
        if !current.isEmpty { lines.append(current) }
        return lines
    }
}

extension StringProtocol {
    fileprivate func trimmingWhitespace() -> String {
        String(drop { $0.isWhitespace }.reversed().drop { $0.isWhitespace }.reversed())
    }
}
