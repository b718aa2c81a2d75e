import CharterModel
import CharterTools
import Foundation
import MCP

/// What the model reads of a `tools/call` result: text blocks as they are, other blocks described
/// in one line, the whole cut to the call's result limit.
enum ToolResultText {
    /// The output of `result` for a call allowed `limit` bytes of text.
    static func output(_ result: CallTool.Result, limit: Int) -> ToolOutput {
        var parts = result.content.map(describe)
        if parts.isEmpty, let structured = result.structuredContent {
            parts = [CanonicalJSON.string(CharterModel.Value(structured))]
        }
        let text = parts.joined(separator: "\n")
        let bytes = text.utf8.count
        return ToolOutput(
            capped(text, limit: limit), isError: result.isError ?? false,
            details: [
                "contentBlocks": .int(result.content.count), "bytes": .int(bytes), "truncated": .bool(bytes > limit),
            ])
    }

    /// One content block as text.
    static func describe(_ block: Tool.Content) -> String {
        switch block {
        case .text(let text, _, _):
            return text
        case .image(let data, let mimeType, _, _):
            return "[image, \(Quote.excerpt(mimeType.utf8, limit: 64)), \(size(ofBase64: data))]"
        case .audio(let data, let mimeType, _, _):
            return "[audio, \(Quote.excerpt(mimeType.utf8, limit: 64)), \(size(ofBase64: data))]"
        case .resource(let resource, _, _):
            let uri = Quote.excerpt(resource.uri.utf8, limit: 200)
            if let text = resource.text { return "[resource \(uri)]\n\(text)" }
            let type = resource.mimeType.map { ", \(Quote.excerpt($0.utf8, limit: 64))" } ?? ""
            return "[resource \(uri)\(type), \(size(ofBase64: resource.blob ?? ""))]"
        case .resourceLink(let uri, let name, _, _, _, _):
            return "[resource link \(Quote.excerpt(name.utf8, limit: 200)): \(Quote.excerpt(uri.utf8, limit: 200))]"
        }
    }

    /// The decoded size of base64 text, in words: `12 KB`.
    static func size(ofBase64 text: String) -> String {
        let bytes = text.utf8.count / 4 * 3
        if bytes < 1024 { return "\(bytes) bytes" }
        if bytes < 1024 * 1024 { return "\(bytes / 1024) KB" }
        return "\(bytes / (1024 * 1024)) MB"
    }

    /// `text` cut to `limit` UTF-8 bytes on a character boundary, with a note of what was left out
    /// (as the built-in tools write it).
    static func capped(_ text: String, limit: Int) -> String {
        guard text.utf8.count > limit else { return text }
        var kept = Substring(text).utf8.prefix(max(0, limit))
        while String(kept) == nil { kept = kept.dropLast() }
        return String(kept)! + "\n… [cut: \(text.utf8.count - kept.count) more bytes]"
    }
}
