/// How many diagnostics a load keeps and shows.
///
/// A hostile or badly broken repository can have a problem at every node of every file; listing
/// them all cost gigabytes of memory and output. A listing shows the first ``perFile`` of each
/// file and the first ``total`` in all (in sorted order), then one summary diagnostic saying how
/// many more there are. Fixing what is shown and validating again shows the next ones.
public struct DiagnosticLimits: Sendable, Hashable {
    /// Most diagnostics shown for one file.
    public var perFile: Int
    /// Most diagnostics shown in all (before the summary).
    public var total: Int

    public init(perFile: Int = 100, total: Int = 1000) {
        self.perFile = max(1, perFile)
        self.total = max(1, total)
    }

    /// 100 per file, 1,000 in all.
    public static let `default` = DiagnosticLimits()
}

/// Keeps, of the diagnostics added, exactly those a sorted listing capped by ``DiagnosticLimits``
/// shows — the smallest by file, line, column and message, at most `perFile` per file and `total`
/// in all — and counts every one added. Memory stays bounded however many are added, and the
/// result does not depend on the order they were added in.
///
/// ``admits(file:line:column:)`` tells a caller before it builds something expensive (a
/// "did you mean" suggestion) whether the diagnostic could still be shown. Once it says no for a
/// position it says no for every later call at that position, so whatever ends up shown was
/// admitted when it was added, whatever the order.
public struct DiagnosticCollector: Sendable {
    public let limits: DiagnosticLimits
    /// Kept diagnostics of each file, sorted, at most `perFile`.
    private var files: [String: [Diagnostic]] = [:]
    private var kept = 0
    /// Files from this name on can show nothing: the files before them fill the total.
    private var cutoff: String?
    /// Every diagnostic added or counted.
    public private(set) var count = 0

    public init(limits: DiagnosticLimits = .default) { self.limits = limits }

    /// Whether a diagnostic at this position could be shown; when not, ``omit()`` counts it.
    public func admits(file: String, line: Int, column: Int) -> Bool {
        if let cutoff, file >= cutoff { return false }
        guard let list = files[file], list.count >= limits.perFile, let last = list.last else { return true }
        return (line, column) <= (last.line, last.column)
    }

    /// Counts a diagnostic that ``admits(file:line:column:)`` refused, without building it.
    public mutating func omit(_ n: Int = 1) { count += n }

    /// Adds `d`; it is kept while it can be shown, with its message and hint cut to
    /// ``Excerpt/messageLimit``.
    public mutating func add(_ d: Diagnostic) {
        count += 1
        if let cutoff, d.file >= cutoff { return }
        var d = d
        d.message = Excerpt.cut(d.message, limit: Excerpt.messageLimit)
        d.hint = d.hint.map { Excerpt.cut($0, limit: Excerpt.messageLimit) }
        // Pointer tokens are keys from the file, which a `? key` entry can make megabytes long.
        if let path = d.path, path.tokens.contains(where: { $0.utf8.count > Excerpt.valueLimit }) {
            d.path = JSONPointer(tokens: path.tokens.map { Excerpt.cut($0) })
        }
        var list = files.removeValue(forKey: d.file) ?? []
        let at = list.partitionPoint { $0 < d }
        if at < limits.perFile {
            list.insert(d, at: at)
            kept += 1
            if list.count > limits.perFile {
                list.removeLast()
                kept -= 1
            }
        }
        files[d.file] = list
        // Prune whole files from the end once the kept ones are well over the total (amortized).
        if kept > 2 * limits.total + limits.perFile { prune() }
    }

    /// Adds every diagnostic of `ds`.
    public mutating func add(contentsOf ds: some Sequence<Diagnostic>) {
        for d in ds { add(d) }
    }

    /// Drops the files after those that fill the total by themselves.
    private mutating func prune() {
        var sum = 0
        for name in files.keys.sorted() {
            if sum >= limits.total {
                kept -= files.removeValue(forKey: name)!.count
                cutoff = min(cutoff ?? name, name)
            } else {
                sum += files[name]!.count
            }
        }
    }

    /// The diagnostics to show, sorted: at most `perFile` per file and `total` in all.
    public var shown: [Diagnostic] {
        Array(files.keys.sorted().lazy.flatMap { self.files[$0]! }.prefix(limits.total))
    }

    /// What ``shown`` leaves out.
    public var omitted: Int { count - shown.count }

    /// ``shown``, then a summary diagnostic when anything was left out.
    public var listing: [Diagnostic] {
        let shown = self.shown
        let omitted = count - shown.count
        guard omitted > 0 else { return shown }
        return shown + [Diagnostic.summary(omitted: omitted, total: count, limits: limits)]
    }
}

extension Diagnostic {
    /// The code of the diagnostic that closes a listing with more problems than it shows.
    public static let summaryCode = "diagnostics.truncated"

    /// "… and N more errors": the last diagnostic of a capped listing.
    static func summary(omitted: Int, total: Int, limits: DiagnosticLimits) -> Diagnostic {
        Diagnostic(
            code: summaryCode, file: "(repository)",
            message:
                "and \(omitted) more error\(omitted == 1 ? "" : "s") (\(total) in all); at most \(limits.perFile) are shown per file and \(limits.total) in all",
            hint: "fix these and validate again to see the next ones")
    }

    /// Whether this is the summary that closes a capped listing.
    public var isSummary: Bool { code == Self.summaryCode }
}

extension Array {
    /// The first index whose element does not satisfy `belongsBefore` (the array is partitioned):
    /// a binary search.
    func partitionPoint(_ belongsBefore: (Element) -> Bool) -> Int {
        var low = 0
        var high = count
        while low < high {
            let mid = (low + high) / 2
            if belongsBefore(self[mid]) { low = mid + 1 } else { high = mid }
        }
        return low
    }
}
