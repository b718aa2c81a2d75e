import CharterYAML
import Dispatch
import Foundation

/// One file of a revision, as the loader receives it.
public struct SourceFile: Sendable {
    /// What the source could provide for the path.
    public enum Contents: Sendable {
        case bytes([UInt8])
        /// The file was not read, for the reason given (a symlink leaving the tree, for example).
        case refused(String)
        /// Not read because the loader's cache holds this file's parse under `cacheKey`
        /// (see ``LoaderCache/contains(path:cacheKey:)``): an incremental reload reads only changed blobs.
        case cached
    }
    /// Repository-relative path, `/`-separated.
    public var path: String
    public var contents: Contents
    /// An id of the contents (a git blob id) that lets the loader reuse an earlier parse.
    public var cacheKey: String?

    public init(path: String, contents: Contents, cacheKey: String? = nil) {
        self.path = path
        self.contents = contents
        self.cacheKey = cacheKey
    }
}

/// Which paths of a repository hold configuration.
public enum ConfigPaths {
    /// `*.yaml` and `*.yml` files, except under reserved paths: any file or directory whose name
    /// starts with `.` (`.git`, `.github`, `.charter`).
    public static func isConfigFile(_ path: String) -> Bool {
        guard path.hasSuffix(".yaml") || path.hasSuffix(".yml") else { return false }
        var atComponentStart = true
        for c in path.utf8 {
            if atComponentStart && c == UInt8(ascii: ".") { return false }
            atComponentStart = c == UInt8(ascii: "/")
        }
        return true
    }
}

/// The result of parsing one file: its resources, or what is wrong with it.
public struct ParsedFile: Sendable {
    public var resources: [Resource]
    /// At most ``DiagnosticLimits/perFile``, in the order found.
    public var diagnostics: [Diagnostic]
    public var documents: Int
    /// Problems found beyond ``diagnostics``, counted but not kept.
    public var omittedDiagnostics = 0
    /// Resources defined here with problems of their own: references to them are not reported
    /// again as missing.
    public var invalidResources: [ResourceID] = []
    /// Kinds of documents here with problems of their own whose name cannot be read (a `name`
    /// that is not a string, `metadata` that is not a mapping) — every kind for a file that could
    /// not be read or parsed at all: any resource of the kind may be the one meant, so no resource
    /// of it is reported again as missing.
    public var invalidKinds: [ResourceKind] = []

    /// The same parse for the same contents at another path (a blob a tree lists at several paths).
    func relocated(to path: String) -> ParsedFile {
        var copy = self
        copy.resources = resources.map { r in
            Resource(
                id: r.id, value: r.value,
                source: r.source.map {
                    SourceLocation(file: path, documentIndex: $0.documentIndex, line: $0.line, column: $0.column)
                }, node: r.node)
        }
        copy.diagnostics = diagnostics.map { d in
            var d = d
            d.file = path
            return d
        }
        return copy
    }
}

/// Parsed files by content id, so a reload parses only what changed.
public struct LoaderCache: Sendable {
    var files: [String: ParsedFile] = [:]
    public init() {}
    /// Number of cached files.
    public var count: Int { files.count }

    /// Whether the parse of the file at `path` with this content id is cached.
    public func contains(path: String, cacheKey: String) -> Bool { files["\(cacheKey):\(path)"] != nil }
}

/// A loaded revision: every resource, and its problems.
public struct LoadResult: Sendable {
    public var state: OrgState
    /// Sorted by file, line and column, at most ``DiagnosticLimits`` of them, then a summary
    /// (``Diagnostic/isSummary``) of the rest. Non-empty means the revision must not be planned or
    /// applied.
    public var diagnostics: [Diagnostic]
    public var fileCount: Int
    public var documentCount: Int
    /// Every problem found, including those ``diagnostics`` leaves out.
    public var errorCount: Int

    init(state: OrgState, diagnostics: [Diagnostic], fileCount: Int, documentCount: Int, errorCount: Int? = nil) {
        self.state = state
        self.diagnostics = diagnostics
        self.fileCount = fileCount
        self.documentCount = documentCount
        self.errorCount = errorCount ?? diagnostics.count
    }

    /// Whether the revision loaded without problems.
    public var isValid: Bool { diagnostics.isEmpty }

    /// The state, or a ``ValidationFailure`` with the diagnostics.
    public func get() throws(ValidationFailure) -> OrgState {
        guard diagnostics.isEmpty else { throw ValidationFailure(diagnostics, errorCount: errorCount) }
        return state
    }
}

/// Turns the files of a revision into an ``OrgState`` and reports every problem at once.
public enum Loader {
    /// Loads `files`; reuses and refills `cache` by each file's cache key.
    public static func load(
        _ files: [SourceFile], cache: inout LoaderCache, limits: YAMLLimits = .default
    ) -> LoadResult {
        let config = separatingCollisions(files.filter { ConfigPaths.isConfigFile($0.path) })
        if let refusal = RevisionLimits.default.refusal(config) {
            return LoadResult(state: .empty, diagnostics: [refusal], fileCount: config.count, documentCount: 0)
        }
        let keys = config.map { f in f.cacheKey.map { "\($0):\(f.path)" } }
        var results = [ParsedFile?](repeating: nil, count: config.count)
        var misses: [Int] = []
        for i in config.indices {
            if let key = keys[i], let hit = cache.files[key] { results[i] = hit } else { misses.append(i) }
        }
        // Files parse independently, so a cold load uses every core.
        let parsedMisses = parseConcurrently(misses.map { config[$0] }, limits: limits)
        for (j, i) in misses.enumerated() { results[i] = parsedMisses[j] }
        var fresh: [String: ParsedFile] = [:]
        fresh.reserveCapacity(config.count)
        for i in config.indices {
            if let key = keys[i] { fresh[key] = results[i]! }
        }
        cache.files = fresh
        var merger = IncrementalLoader(limits: limits)
        return merger.apply(
            parsed: config.indices.map { (config[$0].path, results[$0]!) }, removed: [], previous: [:]
        ).result
    }

    /// `files` with every group of files whose paths read the same refused, each under a path of
    /// its own. Swift compares text by canonical equivalence, so `café` composed and decomposed —
    /// two names to git and the file system — are one path here: without this, one file would
    /// silently stand for both. Each is named with its non-ASCII characters as `\u{…}`, which tells
    /// them apart.
    static func separatingCollisions(_ files: [SourceFile]) -> [SourceFile] {
        var groups: [String: [Int]] = [:]
        for (i, f) in files.enumerated() { groups[f.path, default: []].append(i) }
        guard groups.count < files.count else { return files }
        var out = files
        for indices in groups.values where indices.count > 1 {
            var shown: [String] = []
            for i in indices {
                var path = files[i].path.unicodeScalars.map {
                    $0.isASCII ? String($0) : "\\u{\(String($0.value, radix: 16))}"
                }.joined()
                // Names equal even in that form (a name that is not UTF-8, shown escaped, and one
                // spelling its escape) are numbered.
                if shown.contains(path) { path += " (\(shown.count + 1))" }
                shown.append(path)
            }
            for (k, i) in indices.enumerated() {
                let others = shown.enumerated().filter { $0.offset != k }.map { "`\($0.element)`" }
                out[i] = SourceFile(
                    path: shown[k],
                    contents: .refused(
                        "another file has a name that reads the same (\(others.joined(separator: ", "))); names that differ only in Unicode normalization cannot be told apart — rename one"
                    ))
            }
        }
        return out
    }

    /// Loads `files` without a cache.
    public static func load(_ files: [SourceFile], limits: YAMLLimits = .default) -> LoadResult {
        var cache = LoaderCache()
        return load(files, cache: &cache, limits: limits)
    }

    /// Parses `files` on all cores; results are in the order of `files`. Contents listed at several
    /// paths (one blob in many tree entries) are parsed once.
    static func parseConcurrently(_ files: [SourceFile], limits: YAMLLimits) -> [ParsedFile] {
        var first: [String: Int] = [:]
        var unique: [Int] = []
        var copyOf = [Int?](repeating: nil, count: files.count)
        for (i, f) in files.enumerated() {
            if let key = f.cacheKey, case .bytes = f.contents {
                if let j = first[key] {
                    copyOf[i] = j
                    continue
                }
                first[key] = i
            }
            unique.append(i)
        }
        guard unique.count < files.count else { return parseAll(files, limits: limits) }
        let parsed = parseAll(unique.map { files[$0] }, limits: limits)
        var byIndex = [ParsedFile?](repeating: nil, count: files.count)
        for (k, i) in unique.enumerated() { byIndex[i] = parsed[k] }
        return files.indices.map { i in
            if let j = copyOf[i] { return byIndex[j]!.relocated(to: files[i].path) }
            return byIndex[i]!
        }
    }

    private static func parseAll(_ files: [SourceFile], limits: YAMLLimits) -> [ParsedFile] {
        guard files.count > 64 else { return files.map { parse($0, limits: limits) } }
        let results = UnsafeMutableBufferPointer<ParsedFile>.allocate(capacity: files.count)
        defer { results.deallocate() }
        let chunks = max(1, min(files.count / 32, ProcessInfo.processInfo.activeProcessorCount * 4))
        let base = UInt(bitPattern: results.baseAddress)
        DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
            // Each chunk writes only its own slots.
            let out = UnsafeMutablePointer<ParsedFile>(bitPattern: base)!
            var i = chunk
            while i < files.count {
                (out + i).initialize(to: parse(files[i], limits: limits))
                i += chunks
            }
        }
        let array = Array(results)
        _ = results.deinitialize()
        return array
    }

    /// Parses and schema-checks one file on its own, without looking at other resources.
    public static func parse(_ file: SourceFile, limits: YAMLLimits = .default) -> ParsedFile {
        let bytes: [UInt8]
        switch file.contents {
        case .refused(let reason):
            var parsed = ParsedFile(
                resources: [], diagnostics: [Diagnostic(code: "file.refused", file: file.path, message: reason)],
                documents: 0)
            parsed.invalidKinds = ResourceKind.allCases
            return parsed
        case .bytes(let b): bytes = b
        case .cached:
            // Only reachable when a caller marks a file cached that the cache no longer holds.
            return ParsedFile(
                resources: [],
                diagnostics: [
                    Diagnostic(
                        code: "file.cache", file: file.path,
                        message:
                            "internal error: the file was not read and no earlier parse is cached; run the command again"
                    )
                ], documents: 0)
        }
        let docs: [YAMLDocument]
        do {
            docs = try YAMLParser.parse(bytes, limits: limits)
        } catch {
            var parsed = ParsedFile(
                resources: [],
                diagnostics: [
                    Diagnostic(
                        code: "yaml.\(error.kind)", file: file.path, line: error.mark?.line ?? 0,
                        column: error.mark?.column ?? 0, message: error.message)
                ], documents: 0)
            // A file that cannot be read may define anything: what it would define is not missing too.
            parsed.invalidKinds = ResourceKind.allCases
            return parsed
        }
        var resources: [Resource] = []
        var diagnostics: [Diagnostic] = []
        var omitted = 0
        var invalid: [ResourceID] = []
        var invalidKinds: [ResourceKind] = []
        var count = 0
        let perFile = DiagnosticLimits.default.perFile
        for doc in docs {
            guard let root = doc.root else { continue }
            count += 1
            // Each document may report what the file's share has left; the rest is only counted.
            let (result, more, id) = document(
                root, index: doc.index, file: file.path, limit: perFile - min(diagnostics.count, perFile))
            omitted += more
            switch result {
            case .success(let r): resources.append(r)
            case .failure(let d):
                diagnostics.append(contentsOf: d.diagnostics)
                if let id {
                    invalid.append(id)
                } else if let kind = declaredKind(root) {
                    invalidKinds.append(kind)
                }
            }
        }
        var parsed = ParsedFile(resources: resources, diagnostics: diagnostics, documents: count)
        parsed.omittedDiagnostics = omitted
        parsed.invalidResources = invalid
        parsed.invalidKinds = invalidKinds
        return parsed
    }

    /// The kind a document declares, when its `kind` is one.
    static func declaredKind(_ root: YAMLNode) -> ResourceKind? {
        guard case .mapping(let pairs) = root.content,
            let node = pairs.first(where: { if case .scalar("kind", _) = $0.key.content { true } else { false } })?
                .value,
            case .scalar(let text, _) = node.content
        else { return nil }
        return ResourceKind(rawValue: text)
    }

    /// One document as a resource, or its problems: at most `limit` of them, how many more, and
    /// the identity it declares when it has one.
    static func document(
        _ root: YAMLNode, index: Int, file: String, limit: Int = .max
    ) -> (Result<Resource, ValidationFailure>, omitted: Int, id: ResourceID?) {
        var omitted = 0
        var id: ResourceID?
        let result = document(root, index: index, file: file, limit: limit, omitted: &omitted, id: &id)
        // The validator keeps to the limit; a document refused before it ran has one diagnostic.
        if case .failure(let f) = result, f.diagnostics.count > limit {
            omitted += f.diagnostics.count - limit
            return (.failure(ValidationFailure(Array(f.diagnostics.prefix(limit)))), omitted, id)
        }
        return (result, omitted, id)
    }

    private static func document(
        _ root: YAMLNode, index: Int, file: String, limit: Int, omitted: inout Int, id declared: inout ResourceID?
    ) -> Result<Resource, ValidationFailure> {
        func fail(
            _ code: String, _ node: YAMLNode, _ message: String, hint: String? = nil
        ) -> Result<Resource, ValidationFailure> {
            .failure(
                ValidationFailure([
                    Diagnostic(
                        code: code, file: file, line: node.mark.line, column: node.mark.column, message: message,
                        hint: hint)
                ]))
        }
        guard case .mapping(let pairs) = root.content else {
            return fail(
                "schema.type", root, "a document must be a mapping with apiVersion, kind, metadata and spec")
        }
        func field(_ name: String) -> YAMLNode? {
            pairs.first { if case .scalar(name, _) = $0.key.content { true } else { false } }?.value
        }
        guard let kindNode = field("kind") else {
            return fail(
                "schema.required", root, "missing required field `kind`",
                hint: "add `kind:` with one of \(ResourceKind.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        guard case .scalar(let kindText, _) = kindNode.content, let kind = ResourceKind(rawValue: kindText) else {
            var text = ""
            if case .scalar(let t, _) = kindNode.content { text = t }
            let names = ResourceKind.allCases.map(\.rawValue)
            let suggestion = Suggestion.closest(to: text, in: names)
            return fail(
                "schema.enum", kindNode,
                "unknown kind `\(text)`" + (suggestion.map { "; did you mean `\($0)`?" } ?? ""),
                hint: suggestion == nil ? "kinds are \(names.joined(separator: ", "))" : nil)
        }
        var id: ResourceID?
        if case .mapping(let meta)? = field("metadata")?.content,
            let nameNode = meta.first(where: { if case .scalar("name", _) = $0.key.content { true } else { false } })?
                .value,
            case .scalar(let name, _) = nameNode.content
        {
            id = ResourceID(kind, name)
        }
        declared = id
        var validator = SchemaValidator(file: file, resource: id)
        validator.limit = limit
        let value = validator.validate(root, .object(KindSchemas.document(kind)), at: .root)
        omitted = validator.omitted
        guard let value, validator.diagnostics.isEmpty, validator.omitted == 0, let id else {
            return .failure(ValidationFailure(validator.diagnostics))
        }
        return .success(
            Resource(
                id: id, value: value,
                source: SourceLocation(
                    file: file, documentIndex: index, line: root.mark.line, column: root.mark.column),
                node: root))
    }
}
