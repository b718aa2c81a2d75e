/// A pattern of `runRules.paths`: which paths a step (and, later, an agent's file tools) may see.
///
/// Paths are the ones inside the sandbox, where the run's workspace is `/workspace` and is the step's
/// home. Three forms, with gitignore's meaning for the last two:
/// - `/usr/share/**`, `/opt/toolchain` — absolute;
/// - `~/.ssh/**`, `~` — inside the workspace (`~` is the step's home);
/// - `.env`, `*.pem`, `**/secrets/*.json`, `build/out` — inside the workspace: a pattern without
///   `/` matches a name at any depth, one with `/` is anchored at the workspace.
///
/// Within a segment `*` matches any run of characters and `?` one character; a segment `**`
/// matches any number of segments, none included, so `/usr/**` matches `/usr` itself. `..` and
/// `.` segments, empty segments and bracket or brace expressions are refused rather than given
/// a meaning nobody expects.
public struct PathPattern: Sendable, Hashable, CustomStringConvertible {
    /// The pattern as written.
    public let text: String
    /// The anchored segments, starting below `/`.
    let segments: [Segment]

    enum Segment: Sendable, Hashable {
        case literal(String)
        case glob(String)
        case anyDepth
    }

    /// The longest pattern accepted, in characters.
    public static let maxLength = 1024
    /// The most segments a pattern may have.
    public static let maxSegments = 64

    /// The pattern `text`.
    ///
    /// - Throws: ``PathPatternError`` saying what is wrong and how to write it.
    public init(_ text: String, workspace: String = "/workspace") throws(PathPatternError) {
        guard !text.isEmpty else {
            throw PathPatternError("the pattern is empty", hint: "write a path such as `~/.ssh/**`")
        }
        guard text.count <= Self.maxLength else {
            throw PathPatternError("the pattern is longer than \(Self.maxLength) characters")
        }
        if let bad = text.unicodeScalars.first(where: { $0.value < 0x20 || $0.value == 0x7F }) {
            throw PathPatternError(
                "the pattern holds the control character U+\(String(bad.value, radix: 16, uppercase: true))")
        }
        for special in ["[", "]", "{", "}", "\\"] where text.contains(special) {
            throw PathPatternError(
                "`\(special)` has no meaning in a path pattern", hint: "only `*`, `?` and `**` are wildcards")
        }
        var raw: [Substring]
        var prefix: [Segment]
        if text.hasPrefix("/") {
            raw = text.dropFirst().split(separator: "/", omittingEmptySubsequences: false)
            prefix = []
            if text == "/" { raw = [] }
        } else if text == "~" || text.hasPrefix("~/") {
            raw = text == "~" ? [] : text.dropFirst(2).split(separator: "/", omittingEmptySubsequences: false)
            prefix = Self.literalSegments(workspace)
        } else {
            raw = text.split(separator: "/", omittingEmptySubsequences: false)
            // gitignore: a pattern with no `/` matches a name at any depth.
            prefix = Self.literalSegments(workspace) + (raw.count == 1 ? [.anyDepth] : [])
        }
        var parsed = prefix
        for (index, part) in raw.enumerated() {
            if part.isEmpty {
                // A trailing slash (`build/`) is harmless; an empty segment elsewhere is a typo.
                if index == raw.count - 1 && index > 0 { continue }
                throw PathPatternError("the pattern has an empty segment (`//`)", hint: "remove the extra `/`")
            }
            if part == "." || part == ".." {
                throw PathPatternError(
                    "`\(part)` segments are not allowed in a path pattern", hint: "write the path without `\(part)`")
            }
            if part == "~" {
                throw PathPatternError("`~` may only start a pattern", hint: "write `~/…` for a path in the workspace")
            }
            if part == "**" {
                if parsed.last != .anyDepth { parsed.append(.anyDepth) }
            } else if part.contains("**") {
                throw PathPatternError("`**` must be a whole segment", hint: "write `**/*.ext` rather than `**.ext`")
            } else if part.contains("*") || part.contains("?") {
                parsed.append(.glob(String(part)))
            } else {
                parsed.append(.literal(String(part)))
            }
        }
        guard parsed.count <= Self.maxSegments else {
            throw PathPatternError("the pattern has more than \(Self.maxSegments) segments")
        }
        self.text = text
        segments = parsed
    }

    private static func literalSegments(_ path: String) -> [Segment] {
        path.split(separator: "/").map { .literal(String($0)) }
    }

    public var description: String { text }

    /// The absolute directory every match lies in: the segments before the first wildcard
    /// (`/usr/share` for `/usr/share/*/secret`, `/workspace` for `*.pem`).
    public var literalPrefix: String {
        var parts: [String] = []
        for segment in segments {
            guard case .literal(let name) = segment else { break }
            parts.append(name)
        }
        return "/" + parts.joined(separator: "/")
    }

    /// The names of `path` between `/` bytes, as the kernel reads it (`String.split` would not cut
    /// a `/` followed by a combining mark, and a denied directory's entry could slip past).
    static func segments(of path: String) -> [String] {
        path.utf8.split(separator: UInt8(ascii: "/")).map { String(decoding: $0, as: UTF8.self) }
    }

    /// Whether `path`, an absolute path inside the sandbox, matches.
    public func matches(_ path: String) -> Bool {
        let parts = Self.segments(of: path)
        // Dynamic programming over (pattern segment, path segment): linear in their product, so no
        // crafted pattern or path makes it backtrack exponentially.
        var reachable = [Bool](repeating: false, count: parts.count + 1)
        reachable[0] = true
        for segment in segments {
            var next = [Bool](repeating: false, count: parts.count + 1)
            switch segment {
            case .anyDepth:
                var seen = false
                for i in 0...parts.count {
                    seen = seen || reachable[i]
                    next[i] = seen
                }
            case .literal(let name):
                for i in 0..<parts.count where reachable[i] && parts[i] == name { next[i + 1] = true }
            case .glob(let glob):
                for i in 0..<parts.count where reachable[i] && Self.globMatches(glob, parts[i]) { next[i + 1] = true }
            }
            reachable = next
        }
        return reachable[parts.count]
    }

    /// Whether something below `directory` might match: false lets a walk skip the directory.
    public func mayMatchBelow(_ directory: String) -> Bool {
        let parts = Self.segments(of: directory)
        var reachable = [Bool](repeating: false, count: parts.count + 1)
        reachable[0] = true
        for segment in segments {
            if reachable[parts.count] { return true }
            var next = [Bool](repeating: false, count: parts.count + 1)
            switch segment {
            case .anyDepth:
                return reachable.contains(true)
            case .literal(let name):
                for i in 0..<parts.count where reachable[i] && parts[i] == name { next[i + 1] = true }
            case .glob(let glob):
                for i in 0..<parts.count where reachable[i] && Self.globMatches(glob, parts[i]) { next[i + 1] = true }
            }
            reachable = next
        }
        return false
    }

    static func globMatches(_ glob: String, _ name: String) -> Bool {
        Glob.matches(glob, name, questionMark: true)
    }
}

/// Why a path pattern was refused.
public struct PathPatternError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What is wrong.
    public var message: String
    /// How to write it instead.
    public var hint: String?

    /// An error with `message` and an optional `hint`.
    public init(_ message: String, hint: String? = nil) {
        self.message = message
        self.hint = hint
    }

    public var description: String { hint.map { "\(message) — \($0)" } ?? message }
}
