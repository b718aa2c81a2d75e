import CharterFoundation
import CharterModel

/// A path inside the run's workspace, as a tool's `path` argument names it, checked against the
/// applied Policies' `runRules.paths` before anything is touched.
///
/// The model may write `src/main.swift`, `./src/main.swift` or `/workspace/src/main.swift` (what a
/// shell step sees); `..` and every other absolute path are refused.
public struct WorkspacePath: Sendable, Hashable {
    /// The components below the workspace root.
    var components: [String]

    /// The path as the sandbox and `runRules.paths` see it: `/workspace/src/main.swift`.
    var sandboxPath: String { components.isEmpty ? Self.root : Self.root + "/" + components.joined(separator: "/") }
    /// The path relative to the workspace, `.` for the root.
    var relative: String { components.isEmpty ? "." : components.joined(separator: "/") }

    static let root = "/workspace"

    /// The `path` argument, parsed; ``ToolFailure`` when it leaves the workspace or the rules deny it.
    init(_ raw: String, rules: RunRules) throws(ToolFailure) {
        var text = raw
        if text == Self.root {
            text = "."
        } else if text.hasPrefix(Self.root + "/") {
            text = String(text.dropFirst(Self.root.count + 1))
        }
        do {
            components = try ConfinedDirectory.components(text)
        } catch {
            throw ToolFailure("\(error.message) (paths are relative to the workspace, /workspace)")
        }
        guard rules.allowsPath(sandboxPath) else {
            throw ToolFailure("`\(relative)` is not allowed by the Policies' runRules.paths")
        }
    }

    /// The sandbox path (`/workspace/…`) of a `path` argument, or nil when it leaves the
    /// workspace: what approval rules' `exceptPaths` are matched against.
    public static func sandboxPath(of raw: String) -> String? {
        try? WorkspacePath(raw, rules: RunRules(policies: [])).sandboxPath
    }

    /// The path of the argument named `name`, required.
    static func argument(
        _ arguments: [String: Value], _ name: String = "path", rules: RunRules
    ) throws(ToolFailure)
        -> WorkspacePath
    {
        try WorkspacePath(arguments[name]?.string ?? ".", rules: rules)
    }
}

extension ToolCallContext {
    /// The workspace, for confined reads and writes.
    var files: ConfinedDirectory { ConfinedDirectory(workspace.path) }
}

/// Shared text helpers of the built-in tools (also those built outside this module).
public enum ToolText {
    /// `text` cut to `limit` UTF-8 bytes on a character boundary, with a note of what was left out.
    public static func capped(_ text: String, limit: Int) -> String {
        guard text.utf8.count > limit else { return text }
        var kept = Substring(text).utf8.prefix(limit)
        while String(kept) == nil { kept = kept.dropLast() }
        return String(kept)! + "\n… [cut: \(text.utf8.count - kept.count) more bytes]"
    }

    /// Whether `data` looks like text rather than a binary file: valid UTF-8 without NUL bytes.
    public static func isText(_ bytes: some Collection<UInt8>) -> Bool {
        !bytes.contains(0) && String(validating: Array(bytes), as: UTF8.self) != nil
    }
}
