import CharterModel
import Crypto
import Foundation

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
///
/// When the request offers tools it rehearses an agent loop: it lists the files (a tool whose name
/// ends in `files__list` or `files_list`), then reads one (`files__read`/`files_read`, README first), then answers as above with
/// the tools it used and the size of their results. See ``plannedCall(_:)``.
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
                for call in response.toolCalls { continuation.yield(.toolCall(call)) }
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
        // The checks the HTTP providers make, so a rehearsal fails where the real run would.
        try request.validate()
        let model = request.model ?? self.model
        let input = Self.renderedInput(request)
        if let call = Self.plannedCall(request) {
            // Counted like the assistant message it becomes in the next request's input.
            let output = Self.estimateTokens(Self.renderedCall(call))
            if output <= request.maxOutputTokens {
                return CompletionResponse(
                    text: "", model: model, finishReason: .toolCall,
                    usage: TokenUsage(input: Self.estimateTokens(input), output: output), toolCalls: [call])
            }
        }
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
    /// system text, `offered tool NAME: DESCRIPTION PARAMETERS\n` for each tool offered (the
    /// parameters' schema as canonical JSON), then for each message `ROLE: CONTENT\n` (`user`,
    /// `assistant`) followed by `call ID NAME: ARGUMENTS\n` for each tool it called, or for a tool
    /// result `result ID: CONTENT\n` (`error result ID: …` for a failed call). Without tools it is
    /// what it always was; with them, schemas, calls and results are counted, as providers bill them.
    public static func renderedInput(_ request: CompletionRequest) -> String {
        var input = request.system.map { "system: \($0)\n" } ?? ""
        for tool in request.tools {
            input += "offered tool \(tool.name): \(tool.description) \(CanonicalJSON.string(tool.parameters))\n"
        }
        for message in request.messages {
            switch message.role {
            case .tool:
                input +=
                    "\(message.isError ? "error result" : "result") \(message.toolCallID ?? ""): \(message.content)\n"
            case .user, .assistant:
                input += "\(message.role.rawValue): \(message.content)\n"
            }
            for call in message.toolCalls { input += renderedCall(call) }
        }
        return input
    }

    /// A tool call as ``renderedInput(_:)`` shows it: `call ID NAME: ARGUMENTS\n`.
    static func renderedCall(_ call: ToolCall) -> String { "call \(call.id) \(call.name): \(call.arguments)\n" }

    /// The tool call the offline provider makes next, rehearsing a loop that looks at a workspace.
    /// A *list* tool is one whose name ends in `files__list` (Charter's wire name for
    /// `files.list`) or `files_list`; a *read* tool likewise ends in `files__read` or `files_read`.
    ///
    /// 1. No tool result in the conversation yet, and a list tool is offered: call it with
    ///    `{"path":"."}`.
    /// 2. Else, when the results after the last assistant message include a successful result of a
    ///    list call, a read tool is offered and none was called yet: call it with `{"path":…}` of a
    ///    regular file from that listing (one path a line, directories ending in `/`, relative to
    ///    the listed directory): the first `README.md`, else the first `README` (in any case, in
    ///    any directory), else the first file. A listing with no file but a directory is followed
    ///    into its first directory instead (at most three listings in all).
    /// 3. Otherwise none: the provider answers in text.
    ///
    /// The first offered tool with the suffix is called; its id is `offline-call-N`, N counting the
    /// calls in the conversation and this one. `nil` when the request offers no tools.
    public static func plannedCall(_ request: CompletionRequest) -> ToolCall? {
        guard !request.tools.isEmpty else { return nil }
        let calls = request.messages.flatMap(\.toolCalls)
        func isTool(_ name: String, _ verb: String) -> Bool {
            name.hasSuffix("files__\(verb)") || name.hasSuffix("files_\(verb)")
        }
        func call(_ verb: String, path: String) -> ToolCall? {
            guard let tool = request.tools.first(where: { isTool($0.name, verb) }) else { return nil }
            return ToolCall(
                id: "offline-call-\(calls.count + 1)", name: tool.name,
                arguments: CanonicalJSON.string(.object(["path": .string(path)])))
        }
        guard request.messages.contains(where: { $0.role == .tool }) else { return call("list", path: ".") }
        guard !calls.contains(where: { isTool($0.name, "read") }) else { return nil }
        let lastAssistant = request.messages.lastIndex { $0.role == .assistant } ?? -1
        for result in request.messages[(lastAssistant + 1)...] where result.role == .tool && !result.isError {
            guard let listing = calls.first(where: { $0.id == result.toolCallID && isTool($0.name, "list") })
            else { continue }
            let base = (try? Value(json: listing.arguments))?["path"]?.string ?? "."
            func joined(_ name: String) -> String { base == "." || base.isEmpty ? name : base + "/" + name }
            if let file = chosenFile(result.content) { return call("read", path: joined(file)) }
            let listings = calls.filter { isTool($0.name, "list") }.count
            if listings < 3, let directory = firstDirectory(result.content) {
                return call("list", path: joined(directory))
            }
        }
        return nil
    }

    /// The first directory of a listing, without its `/`.
    private static func firstDirectory(_ listing: String) -> String? {
        listing.split { $0 == "\n" || $0 == "\r\n" }.map { $0.trimmingWhitespace() }
            .first { $0.hasSuffix("/") && $0.count > 1 }.map { String($0.dropLast()) }
    }

    /// The file a rehearsal reads from a listing: a README if there is one, else the first file.
    private static func chosenFile(_ listing: String) -> String? {
        let files = listing.split { $0 == "\n" || $0 == "\r\n" }.map { $0.trimmingWhitespace() }.filter {
            !$0.isEmpty && !$0.hasSuffix("/")
        }
        func named(_ name: String) -> String? {
            files.first { ($0.split(separator: "/").last ?? "").lowercased() == name }
        }
        return named("readme.md") ?? named("readme") ?? files.first
    }

    /// `Tools offered: …` and `Tools used: …` lines for a text answer to a request with tools.
    private static func toolSummary(_ request: CompletionRequest) -> String {
        var used: [String] = []
        for call in request.messages.flatMap(\.toolCalls) {
            var entry = call.name
            if case .object(let arguments)? = try? JSONDecoder().decode(Value.self, from: Data(call.arguments.utf8)),
                case .string(let path)? = arguments["path"], path != "."
            {
                entry += " " + path
            }
            if let result = request.messages.first(where: { $0.role == .tool && $0.toolCallID == call.id }) {
                entry += " (\(result.isError ? "error, " : "")\(count(lineCount(result.content), "line")))"
            } else {
                entry += " (no result)"
            }
            used.append(entry)
        }
        return "Tools offered: \(request.tools.map(\.name).joined(separator: ", ")).\n"
            + "Tools used: \(used.isEmpty ? "none" : used.joined(separator: ", ")).\n"
    }

    /// Lines in `text`, a last line without a newline included: 0 for empty text.
    private static func lineCount(_ text: String) -> Int {
        let newlines = text.utf8.count { $0 == UInt8(ascii: "\n") }
        return newlines + (text.utf8.last.map { $0 == UInt8(ascii: "\n") ? 0 : 1 } ?? 0)
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
        if !request.tools.isEmpty { text += "\n" + toolSummary(request) }
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
