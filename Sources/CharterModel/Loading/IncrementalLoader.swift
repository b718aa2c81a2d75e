import CharterYAML

/// A loaded revision that can move to the next one by re-reading only the files that changed.
///
/// The controller keeps one of these per watched branch: after the first load, a new commit costs
/// parsing its changed files plus whole-revision validation, not a reload of every file.
/// ``Loader/load(_:cache:limits:)`` is the same merge done in one go, so both paths give the same
/// result for the same files (a test checks this).
public struct IncrementalLoader: Sendable {
    /// Where a resource is defined: a file, the document's position in it, and the resource's
    /// index in the file's parse (so finding it is not a scan of the file's resources).
    struct Definition: Sendable, Comparable {
        var path: String
        var document: Int
        var index: Int
        static func < (a: Definition, b: Definition) -> Bool {
            a.path != b.path ? a.path < b.path : a.document < b.document
        }
    }

    private var files: [String: ParsedFile] = [:]
    private var definitions: [ResourceID: [Definition]] = [:]
    /// Paths of the files with problems of their own.
    private var filesWithProblems: Set<String> = []
    private var duplicateDiagnostics: [ResourceID: [Diagnostic]] = [:]
    private var documents = 0
    private var state = OrgState.empty
    private let limits: YAMLLimits
    private let diagnosticLimits: DiagnosticLimits

    /// The current revision.
    public private(set) var result = LoadResult(state: .empty, diagnostics: [], fileCount: 0, documentCount: 0)

    public init(limits: YAMLLimits = .default, diagnosticLimits: DiagnosticLimits = .default) {
        self.limits = limits
        self.diagnosticLimits = diagnosticLimits
    }

    /// Loads a whole revision, replacing whatever was loaded before.
    @discardableResult
    public mutating func load(_ sourceFiles: [SourceFile]) -> LoadResult {
        self = IncrementalLoader(limits: limits, diagnosticLimits: diagnosticLimits)
        let config = sourceFiles.filter { ConfigPaths.isConfigFile($0.path) }
        if let refusal = RevisionLimits.default.refusal(config) {
            result = LoadResult(state: .empty, diagnostics: [refusal], fileCount: config.count, documentCount: 0)
            return result
        }
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
            filesWithProblems.remove(path)
            // Once per identity: a file may define one identity thousands of times.
            for id in Set(old.resources.map(\.id)) {
                affected.insert(id)
                definitions[id]?.removeAll { $0.path == path }
                if definitions[id]?.isEmpty == true { definitions[id] = nil }
            }
        }
        for (path, file) in parsed {
            files[path] = file
            documents += file.documents
            if !file.diagnostics.isEmpty || file.omittedDiagnostics > 0 { filesWithProblems.insert(path) }
            for (index, r) in file.resources.enumerated() {
                affected.insert(r.id)
                definitions[r.id, default: []].append(
                    Definition(path: path, document: r.source?.documentIndex ?? 0, index: index))
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
            let resources = defs.map { files[$0.path]!.resources[$0.index] }
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
        var collector = DiagnosticCollector(limits: diagnosticLimits)
        // An update can grow a revision past what a cold load of it would read.
        if let problem = RevisionLimits.default.problem(fileCount: files.count, bytes: 0) {
            collector.add(Diagnostic(code: "revision.too-large", file: "(repository)", message: problem))
        }
        var invalid: Set<ResourceID> = []
        var invalidKinds: Set<ResourceKind> = []
        for path in filesWithProblems {
            let file = files[path]!
            collector.add(contentsOf: file.diagnostics)
            collector.omit(file.omittedDiagnostics)
            invalid.formUnion(file.invalidResources)
            invalidKinds.formUnion(file.invalidKinds)
        }
        for ds in duplicateDiagnostics.values { collector.add(contentsOf: ds) }
        OrgValidator.validate(state, invalid: invalid, invalidKinds: invalidKinds, into: &collector)
        result = LoadResult(
            state: state, diagnostics: collector.listing, fileCount: files.count, documentCount: documents,
            errorCount: collector.count)
        return (result, affected)
    }
}
