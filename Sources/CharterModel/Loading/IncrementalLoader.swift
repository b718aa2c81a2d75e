import CharterYAML

/// A loaded revision that can move to the next one by re-reading only the files that changed.
///
/// The controller keeps one of these per watched branch: after the first load, a new commit costs
/// parsing its changed files plus whole-revision validation, not a reload of every file.
/// ``Loader/load(_:cache:limits:)`` is the same merge done in one go, so both paths give the same
/// result for the same files (a test checks this).
public struct IncrementalLoader: Sendable {
    /// Where a resource is defined: a file and the document's position in it.
    struct Definition: Sendable, Comparable {
        var path: String
        var document: Int
        static func < (a: Definition, b: Definition) -> Bool {
            a.path != b.path ? a.path < b.path : a.document < b.document
        }
    }

    private var files: [String: ParsedFile] = [:]
    private var definitions: [ResourceID: [Definition]] = [:]
    private var fileDiagnostics: [String: [Diagnostic]] = [:]
    private var duplicateDiagnostics: [ResourceID: [Diagnostic]] = [:]
    private var documents = 0
    private var state = OrgState.empty
    private let limits: YAMLLimits

    /// The current revision.
    public private(set) var result = LoadResult(state: .empty, diagnostics: [], fileCount: 0, documentCount: 0)

    public init(limits: YAMLLimits = .default) { self.limits = limits }

    /// Loads a whole revision, replacing whatever was loaded before.
    @discardableResult
    public mutating func load(_ sourceFiles: [SourceFile]) -> LoadResult {
        self = IncrementalLoader(limits: limits)
        let config = sourceFiles.filter { ConfigPaths.isConfigFile($0.path) }
        let parsed = Loader.parseConcurrently(config, limits: limits)
        return apply(parsed: Array(zip(config.map(\.path), parsed)), removed: [], previous: [:]).result
    }

    /// Moves to a revision that differs from the current one in `changed` files (new contents,
    /// added or modified) and `removed` paths. Returns the new result and every resource identity
    /// whose desired document may differ: the ones a plan has to look at again.
    public mutating func update(
        changed: [SourceFile], removed: [String]
    ) -> (
        result: LoadResult, affected: Set<ResourceID>
    ) {
        let config = changed.filter { ConfigPaths.isConfigFile($0.path) }
        let parsed = Loader.parseConcurrently(config, limits: limits)
        let gone = removed.filter { ConfigPaths.isConfigFile($0) }
        return apply(parsed: Array(zip(config.map(\.path), parsed)), removed: gone, previous: files)
    }

    /// The merge shared by cold and incremental loads.
    mutating func apply(
        parsed: [(String, ParsedFile)], removed: [String], previous: [String: ParsedFile]
    ) -> (
        result: LoadResult, affected: Set<ResourceID>
    ) {
        var affected: Set<ResourceID> = []
        // Forget what the replaced and removed files defined.
        for path in removed + parsed.map(\.0) {
            guard let old = files.removeValue(forKey: path) else { continue }
            documents -= old.documents
            fileDiagnostics[path] = nil
            for r in old.resources {
                affected.insert(r.id)
                definitions[r.id]?.removeAll { $0.path == path }
                if definitions[r.id]?.isEmpty == true { definitions[r.id] = nil }
            }
        }
        for (path, file) in parsed {
            files[path] = file
            documents += file.documents
            if !file.diagnostics.isEmpty { fileDiagnostics[path] = file.diagnostics }
            for r in file.resources {
                affected.insert(r.id)
                definitions[r.id, default: []].append(Definition(path: path, document: r.source?.documentIndex ?? 0))
            }
        }
        // The first definition by path wins; the others are duplicates, reported where they are.
        var updates: [ResourceID: Resource?] = [:]
        for id in affected {
            duplicateDiagnostics[id] = nil
            guard var defs = definitions[id] else {
                updates[id] = .some(nil)
                continue
            }
            defs.sort()
            definitions[id] = defs
            let resources = defs.map { d in
                files[d.path]!.resources.first { $0.id == id && $0.source?.documentIndex == d.document }!
            }
            updates[id] = resources[0]
            if resources.count > 1 {
                let first = resources[0].source.map { "\($0.file):\($0.line):\($0.column)" } ?? "?"
                duplicateDiagnostics[id] = resources.dropFirst().map {
                    $0.diagnostic(
                        "identity.duplicate", at: .root, "\(id) is defined twice; the first definition is at \(first)",
                        hint: "rename or remove one of them")
                }
            }
        }
        if previous.isEmpty && removed.isEmpty {
            state = OrgState(resources: updates.compactMapValues { $0 })
        } else {
            state.update(updates)
        }
        var diagnostics = fileDiagnostics.values.flatMap { $0 } + duplicateDiagnostics.values.flatMap { $0 }
        let invalid = Set(fileDiagnostics.values.lazy.flatMap { $0 }.compactMap(\.resource))
        diagnostics += OrgValidator.validate(state, invalid: invalid)
        result = LoadResult(
            state: state, diagnostics: diagnostics.sorted(), fileCount: files.count, documentCount: documents)
        return (result, affected)
    }
}
