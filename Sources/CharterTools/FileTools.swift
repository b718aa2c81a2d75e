import CharterFoundation
import CharterModel
import Foundation

/// `files.list`: the entries of a workspace directory, one per line, directories ending in `/`.
public struct FilesListTool: AgentTool {
    public let name = "files.list"
    public let summary =
        "List a directory of the run's workspace: one entry per line, directories end with `/`, symbolic links with `@`. With recursive, the whole tree below it (at most 2,000 entries)."
    public let parameters: Value = [
        "type": "object", "additionalProperties": false,
        "properties": [
            "path": ["type": "string", "description": "Directory, relative to the workspace (default `.`)."],
            "recursive": ["type": "boolean", "description": "List the whole tree below it."],
        ],
    ]
    public let effect = ToolEffect.readOnly
    /// The most entries listed.
    public static let maxEntries = 2000

    /// The tool.
    public init() {}

    public func call(_ arguments: [String: Value], context: ToolCallContext) async throws -> ToolOutput {
        let directory = try WorkspacePath.argument(arguments, rules: context.rules)
        let recursive = arguments["recursive"]?.bool ?? false
        var lines: [String] = []
        let prefix = directory.components.joined(separator: "/")
        let cut = try context.files.walk(directory.components, limit: Self.maxEntries) { path, entry in
            guard context.rules.allowsPath(WorkspacePath.root + "/" + path) else { return false }
            var shown = prefix.isEmpty ? path : String(path.dropFirst(prefix.count + 1))
            switch entry.kind {
            case .directory: shown += "/"
            case .link: shown += "@"
            default: break
            }
            lines.append(shown)
            return recursive
        }
        if cut { lines.append("… [more than \(Self.maxEntries) entries; list a subdirectory]") }
        let text = lines.isEmpty ? "(empty directory)" : lines.joined(separator: "\n")
        return ToolOutput(ToolText.capped(text, limit: context.resultLimit), details: ["entries": .int(lines.count)])
    }
}

/// `files.read`: a text file of the workspace, whole or a range of lines.
public struct FilesReadTool: AgentTool {
    public let name = "files.read"
    public let summary =
        "Read a text file of the run's workspace. Optionally from line `offset` (1-based), `limit` lines."
    public let parameters: Value = [
        "type": "object", "additionalProperties": false, "required": ["path"],
        "properties": [
            "path": ["type": "string", "description": "File, relative to the workspace."],
            "offset": ["type": "integer", "minimum": 1, "description": "First line to return (1-based)."],
            "limit": ["type": "integer", "minimum": 1, "description": "How many lines to return."],
        ],
    ]
    public let effect = ToolEffect.readOnly
    /// The most bytes read from a file.
    public static let maxBytes = 4 << 20

    /// The tool.
    public init() {}

    public func call(_ arguments: [String: Value], context: ToolCallContext) async throws -> ToolOutput {
        let file = try WorkspacePath.argument(arguments, rules: context.rules)
        let (data, size) = try context.files.read(file.components, limit: Self.maxBytes)
        guard ToolText.isText(data) else {
            throw ToolFailure("`\(file.relative)` is not a UTF-8 text file (\(size) bytes)")
        }
        var text = String(decoding: data, as: UTF8.self)
        if let offset = arguments["offset"]?.int ?? arguments["limit"].map({ _ in 1 }) {
            let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
            let start = min(max(0, offset - 1), lines.count)
            let end = min(lines.count, start + (arguments["limit"]?.int ?? lines.count))
            text = lines[start..<end].joined(separator: "\n")
        }
        if size > data.count { text += "\n… [file is \(size) bytes; only the first \(data.count) were read]" }
        return ToolOutput(ToolText.capped(text, limit: context.resultLimit), details: ["bytes": .int(size)])
    }
}

/// `files.search`: lines of workspace text files containing a string.
public struct FilesSearchTool: AgentTool {
    public let name = "files.search"
    public let summary =
        "Search the run's workspace for lines containing `query` (plain text, not a pattern). Answers `path:line: text`, at most 200 matches."
    public let parameters: Value = [
        "type": "object", "additionalProperties": false, "required": ["query"],
        "properties": [
            "query": ["type": "string", "minLength": 1, "maxLength": 1000, "description": "Text to look for."],
            "path": ["type": "string", "description": "Directory to search below (default `.`)."],
            "ignoreCase": ["type": "boolean", "description": "Match regardless of letter case."],
        ],
    ]
    public let effect = ToolEffect.readOnly
    /// The most matching lines returned.
    public static let maxMatches = 200
    /// The most files looked at, and the largest file read.
    public static let maxFiles = 5000
    public static let maxFileBytes = 1 << 20

    /// The tool.
    public init() {}

    public func call(_ arguments: [String: Value], context: ToolCallContext) async throws -> ToolOutput {
        let directory = try WorkspacePath.argument(arguments, rules: context.rules)
        let ignoreCase = arguments["ignoreCase"]?.bool ?? false
        let query = arguments["query"]?.string ?? ""
        let needle = ignoreCase ? query.lowercased() : query
        var files: [String] = []
        let cut = try context.files.walk(directory.components, limit: Self.maxFiles) { path, entry in
            guard context.rules.allowsPath(WorkspacePath.root + "/" + path) else { return false }
            if entry.kind == .file && entry.size <= Self.maxFileBytes { files.append(path) }
            return entry.kind == .directory && entry.name != ".git"
        }
        var matches: [String] = []
        search: for path in files {
            try Task.checkCancellation()
            let components = path.split(separator: "/").map(String.init)
            guard let (data, _) = try? context.files.read(components, limit: Self.maxFileBytes),
                ToolText.isText(data)
            else { continue }
            for (number, line) in String(decoding: data, as: UTF8.self).split(
                separator: "\n", omittingEmptySubsequences: false
            ).enumerated() where (ignoreCase ? line.lowercased() : String(line)).contains(needle) {
                matches.append("\(path):\(number + 1): \(line.prefix(300))")
                if matches.count == Self.maxMatches { break search }
            }
        }
        var text = matches.isEmpty ? "no matches" : matches.joined(separator: "\n")
        if matches.count == Self.maxMatches { text += "\n… [stopped at \(Self.maxMatches) matches]" }
        if cut { text += "\n… [searched the first \(Self.maxFiles) entries only]" }
        return ToolOutput(ToolText.capped(text, limit: context.resultLimit), details: ["matches": .int(matches.count)])
    }
}

/// `files.write`: creates or replaces a workspace file with the given text.
public struct FilesWriteTool: AgentTool {
    public let name = "files.write"
    public let summary =
        "Create or replace a file of the run's workspace with `content` (parent directories are created)."
    public let parameters: Value = [
        "type": "object", "additionalProperties": false, "required": ["path", "content"],
        "properties": [
            "path": ["type": "string", "description": "File, relative to the workspace."],
            "content": ["type": "string", "maxLength": 4_194_304, "description": "The whole new text of the file."],
        ],
    ]
    /// Writing the same text twice leaves the same file.
    public let effect = ToolEffect.idempotent

    /// The tool.
    public init() {}

    public func call(_ arguments: [String: Value], context: ToolCallContext) async throws -> ToolOutput {
        let file = try WorkspacePath.argument(arguments, rules: context.rules)
        let content = arguments["content"]?.string ?? ""
        try context.files.write(file.components, Data(content.utf8))
        return ToolOutput(
            "wrote \(content.utf8.count) bytes to \(file.relative)", details: ["bytes": .int(content.utf8.count)])
    }
}

/// `files.edit`: replaces one exact occurrence of a text in a workspace file.
public struct FilesEditTool: AgentTool {
    public let name = "files.edit"
    public let summary =
        "Edit a text file of the run's workspace: replace the one occurrence of `old` with `new` (`old` must occur exactly once; include surrounding lines to make it unique)."
    public let parameters: Value = [
        "type": "object", "additionalProperties": false, "required": ["path", "old", "new"],
        "properties": [
            "path": ["type": "string", "description": "File, relative to the workspace."],
            "old": ["type": "string", "minLength": 1, "description": "The exact text to replace."],
            "new": ["type": "string", "description": "The text to put in its place."],
        ],
    ]
    /// A repeat would find `old` gone (or replace a second occurrence).
    public let effect = ToolEffect.sideEffecting

    /// The tool.
    public init() {}

    public func call(_ arguments: [String: Value], context: ToolCallContext) async throws -> ToolOutput {
        let file = try WorkspacePath.argument(arguments, rules: context.rules)
        let old = arguments["old"]?.string ?? ""
        let new = arguments["new"]?.string ?? ""
        let (data, size) = try context.files.read(file.components, limit: FilesReadTool.maxBytes)
        guard size == data.count, ToolText.isText(data) else {
            throw ToolFailure("`\(file.relative)` is not a UTF-8 text file of at most \(FilesReadTool.maxBytes) bytes")
        }
        let text = String(decoding: data, as: UTF8.self)
        let ranges = text.ranges(of: old)
        guard ranges.count == 1, let range = ranges.first else {
            throw ToolFailure(
                ranges.isEmpty
                    ? "`old` does not occur in \(file.relative); read the file and copy the text exactly"
                    : "`old` occurs \(ranges.count) times in \(file.relative); include more surrounding text")
        }
        let edited = text.replacingCharacters(in: range, with: new)
        try context.files.write(file.components, Data(edited.utf8))
        return ToolOutput("edited \(file.relative)", details: ["bytes": .int(edited.utf8.count)])
    }
}
