/// Bounds on a whole revision, checked before anything is parsed.
///
/// Git stores one blob once however many tree entries name it, so a push of a few kilobytes can
/// list a megabyte file at thousands of paths (or a tree inside itself many times over): a revision
/// is refused when it has more configuration files or bytes than any real organization, before
/// its files are parsed. ``RevisionSource`` applies the same limits while it lists a commit's
/// tree, before blobs are read.
public struct RevisionLimits: Sendable, Hashable {
    /// Most configuration files (`*.yaml`, `*.yml`).
    public var maxFiles: Int
    /// Most bytes of configuration files in all.
    public var maxBytes: Int

    public init(maxFiles: Int = 250_000, maxBytes: Int = 256 << 20) {
        self.maxFiles = maxFiles
        self.maxBytes = maxBytes
    }

    /// 250,000 files and 256 MiB: two and a half times the 100,000-resource benchmark organization.
    public static let `default` = RevisionLimits()

    /// Why a revision of `fileCount` files and `bytes` bytes is refused, or nil when it is not.
    public func problem(fileCount: Int, bytes: Int) -> String? {
        if fileCount > maxFiles {
            return "the revision has more than \(maxFiles) configuration files; Charter refuses it before reading them"
        }
        if bytes > maxBytes {
            return
                "the revision's configuration files hold more than \(maxBytes >> 20) MiB; Charter refuses it before parsing them"
        }
        return nil
    }

    /// A diagnostic refusing `files` as a whole, or nil when they are within the limits.
    func refusal(_ files: [SourceFile]) -> Diagnostic? {
        var bytes = 0
        for f in files {
            if case .bytes(let b) = f.contents { bytes += b.count }
        }
        return problem(fileCount: files.count, bytes: bytes).map {
            Diagnostic(
                code: "revision.too-large", file: "(repository)", message: $0,
                hint: "keep the organization's files in one repository of ordinary size")
        }
    }
}
