import CharterModel
import CharterStore
import Crypto
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A step's own durable record, for executors whose work has many parts (an agent's turns and
/// tool calls): events appended to the run's hash chain through the engine's group commit, and
/// content-addressed blobs beside the artifacts.
///
/// ``record(_:_:)`` returns once the event is committed, so an executor that records what it is
/// about to do before doing it (a tool call) finds it again after a crash. The step's history
/// spans its attempts: a resumed or retried step continues from it.
public struct StepJournal: Sendable {
    let append: @Sendable (_ events: [(type: String, data: Value)]) async throws -> Void
    let read: @Sendable () throws -> [Event]
    /// Where blobs live: `<dir>/<first two hex digits>/<sha256>`, shared with the artifacts.
    public let blobs: URL

    /// A journal over `append` and `read`; the engine makes these, tests of executors may too.
    public init(
        blobs: URL, append: @escaping @Sendable (_ events: [(type: String, data: Value)]) async throws -> Void,
        read: @escaping @Sendable () throws -> [Event]
    ) {
        self.blobs = blobs
        self.append = append
        self.read = read
    }

    /// Appends an event about this step; returns when it is committed.
    ///
    /// - Throws: when the attempt is no longer current (cancelled, timed out, the engine stopped):
    ///   the executor must stop, since nothing it does now will be recorded.
    public func record(_ type: String, _ data: Value) async throws { try await append([(type, data)]) }

    /// Appends `events` in order in one transaction: all are committed or none.
    public func record(_ events: [(type: String, data: Value)]) async throws {
        guard !events.isEmpty else { return }
        try await append(events)
    }

    /// The step's events so far, oldest first, over all its attempts.
    public func history() throws -> [Event] { try read() }

    /// Stores `data` content-addressed (once per content) and returns its SHA-256 in hex.
    ///
    /// Written to a temporary name and renamed into place, so a blob is whole or absent, but not
    /// fsynced: like the journal's transactions (WAL, `synchronous=NORMAL`) it survives a killed
    /// process, and a power loss takes the event that names it along with it. A sync per blob
    /// would be most of a tool call's cost (docs/PERFORMANCE.md).
    @discardableResult
    public func storeBlob(_ data: Data) throws -> String {
        let hash = SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
        let file = Self.url(of: hash, in: blobs)
        if FileManager.default.fileExists(atPath: file.path) { return hash }
        let folder = file.deletingLastPathComponent()
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let temporary = folder.appendingPathComponent(".\(hash).\(UUID().uuidString)")
        let fd = open(temporary.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw EngineError("cannot write the blob \(temporary.path)") }
        var written = 0
        let complete = data.withUnsafeBytes { buffer -> Bool in
            while written < buffer.count {
                let n = write(fd, buffer.baseAddress! + written, buffer.count - written)
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else { return false }
                written += n
            }
            return true
        }
        close(fd)
        guard complete else {
            unlink(temporary.path)
            throw EngineError("cannot write the blob \(temporary.path)")
        }
        guard rename(temporary.path, file.path) == 0 else {
            let code = errno
            unlink(temporary.path)
            throw EngineError("cannot store the blob \(file.path): \(String(cString: strerror(code)))")
        }
        return hash
    }

    /// The blob `sha256`.
    public func blob(_ sha256: String) throws -> Data {
        guard sha256.count == 64, sha256.allSatisfy(\.isHexDigit) else {
            throw EngineError("`\(sha256)` is not a blob hash")
        }
        return try Data(contentsOf: Self.url(of: sha256, in: blobs))
    }

    static func url(of sha256: String, in directory: URL) -> URL {
        directory.appendingPathComponent(String(sha256.prefix(2)), isDirectory: true).appendingPathComponent(sha256)
    }
}

extension StepJournal {
    /// A journal kept in memory, with blobs in a temporary directory: for executors run without an
    /// engine (tests, one-off calls). Nothing survives the process.
    public static func ephemeral() -> StepJournal {
        let events = EphemeralEvents()
        let blobs = FileManager.default.temporaryDirectory.appendingPathComponent(
            "charter-journal-\(UUID().uuidString)", isDirectory: true)
        return StepJournal(
            blobs: blobs, append: { batch in for (type, data) in batch { events.append(type, data) } },
            read: { events.all() })
    }
}

private final class EphemeralEvents: @unchecked Sendable {
    // Guards `events`.
    private let lock = NSLock()
    private var events: [Event] = []

    func append(_ type: String, _ data: Value) {
        lock.withLock {
            events.append(
                Event(
                    sequence: events.count + 1, id: "", type: type, time: Date(), actor: "charter", data: data,
                    previousHash: "", hash: ""))
        }
    }

    func all() -> [Event] { lock.withLock { events } }
}
