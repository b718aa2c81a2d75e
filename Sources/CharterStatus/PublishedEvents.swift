import CharterGit
import CharterStore
import Foundation

/// What the events files of a status branch hold, as far as they can be read: enough to tell which of
/// the store's events the branch lacks, and whether the branch's events are the store's at all.
///
/// Every events file is read (each one once per process with an ``EventFileCache``), so a damaged file
/// anywhere is found, and the events it held are written again in a new file rather than lost from the
/// record — a write-back never stops at a damaged file and never rewrites one.
public struct PublishedEvents: Sendable {
    /// Where a readable event is.
    public struct Entry: Sendable, Hashable {
        /// The event's hash.
        public var hash: String
        /// The events file holding it.
        public var path: String
    }

    /// Each readable event, by sequence number.
    public private(set) var events: [Int: Entry] = [:]
    /// Events files that cannot be read, sorted by path.
    public private(set) var damaged: [EventFileError] = []
    /// Every events file's path, readable or not: a new file never takes one of these names.
    public private(set) var paths: Set<String> = []
    /// Two readable files holding different events under one sequence number.
    public private(set) var conflict: EventChainProblem?

    /// A branch without events files.
    public init() {}

    /// Reads every events file of `tip`'s tree in `repository` (none when `tip` is nil).
    public static func read(
        from repository: GitRepository, at tip: ObjectID?, cache: EventFileCache? = nil
    ) async throws -> PublishedEvents {
        guard let tip else { return PublishedEvents() }
        let files = try await repository.listFiles(at: tip, where: { EventFile.isEventFile($0) })
        return await read(files, in: repository, cache: cache)
    }

    /// Reads the events files `files` of a tree in `repository`.
    public static func read(
        _ files: [TreeFile], in repository: GitRepository, cache: EventFileCache? = nil
    ) async -> PublishedEvents {
        var result = PublishedEvents()
        for file in files {
            result.paths.insert(file.path)
            let digests: Result<[EventFileCache.Digest], EventFileError>
            if let cached = cache?[file] {
                digests = cached
            } else {
                digests = await EventFile.read(file, in: repository).map { events in
                    events.map { EventFileCache.Digest(sequence: $0.sequence, hash: $0.hash) }
                }
                cache?[file] = digests
            }
            switch digests {
            case .failure(let error): result.damaged.append(error)
            case .success(let events): result.add(events, from: file.path)
            }
        }
        result.damaged.sort { $0.path < $1.path }
        return result
    }

    /// Adds the events of the readable file at `path`.
    public mutating func add(_ digests: [EventFileCache.Digest], from path: String) {
        paths.insert(path)
        for event in digests {
            if let other = events[event.sequence], other.hash != event.hash, conflict == nil {
                conflict = EventChainProblem(
                    sequence: event.sequence, path: path,
                    message: "differs from event \(event.sequence) in \(other.path)")
            }
            events[event.sequence] = Entry(hash: event.hash, path: path)
        }
    }

    /// Adds the events of the readable file at `path`.
    public mutating func add(_ events: [Event], from path: String) {
        add(events.map { EventFileCache.Digest(sequence: $0.sequence, hash: $0.hash) }, from: path)
    }

    /// The first event on the branch that is not `store`'s (all of the store's events, in order): one
    /// with another hash than the store's event of that number, or a number the store has not reached.
    /// Such a branch was written from another store, or edited; appending to it would fork the record.
    public func divergence(from store: [Event]) -> EventChainProblem? {
        if let conflict { return conflict }
        let last = store.last?.sequence ?? 0
        let first = store.first?.sequence ?? 1
        for sequence in events.keys.sorted() {
            let entry = events[sequence]!
            if sequence > last {
                return EventChainProblem(
                    sequence: sequence, path: entry.path,
                    message: "is on the status branch but not in the store, which ends at event \(last)")
            }
            if sequence >= first, store[sequence - first].hash != entry.hash {
                return EventChainProblem(
                    sequence: sequence, path: entry.path, message: "differs from event \(sequence) in the store")
            }
        }
        return nil
    }

    /// The events of `store` (consecutive, in order) that the branch lacks, as new events files: one
    /// per run of consecutive missing events, each under a path no file of the branch has. Empty when
    /// nothing is missing or when the branch diverges from `store` (see ``divergence(from:)``).
    public func missingFiles(from store: [Event]) -> [(path: String, bytes: [UInt8])] {
        guard divergence(from: store) == nil else { return [] }
        var taken = paths
        var files: [(path: String, bytes: [UInt8])] = []
        var run: [Event] = []
        func flush() {
            guard !run.isEmpty else { return }
            let path = EventFile.path(for: run, avoiding: taken)
            taken.insert(path)
            files.append((path, EventFile.contents(run)))
            run = []
        }
        for event in store {
            if events[event.sequence] == nil {
                run.append(event)
            } else {
                flush()
            }
        }
        flush()
        return files
    }

    /// Where the events of the damaged file `damaged` are on the branch too, by its name's range: the
    /// readable files that hold them all, or nil when some are nowhere else (or its name has no range).
    public func copies(of damaged: EventFileError) -> [String]? {
        guard let range = EventFile.sequenceRange(ofPath: damaged.path) else { return nil }
        var holders: Set<String> = []
        for sequence in range {
            guard let entry = events[sequence] else { return nil }
            holders.insert(entry.path)
        }
        return holders.sorted()
    }
}

/// Events files already read, by path and blob. A file's contents never change under one blob id, so
/// a long-running controller reads each events file once, not once per pass.
public final class EventFileCache: @unchecked Sendable {
    /// What the write-back needs of one event.
    public struct Digest: Sendable, Hashable {
        public var sequence: Int
        public var hash: String
    }

    // Guarded by `lock`: passes and write-backs may run on different threads.
    private let lock = NSLock()
    private var entries: [String: Result<[Digest], EventFileError>] = [:]

    /// An empty cache.
    public init() {}

    /// What reading `file` gave, if it was read before.
    subscript(file: TreeFile) -> Result<[Digest], EventFileError>? {
        get { lock.withLock { entries[Self.key(file)] } }
        set { lock.withLock { entries[Self.key(file)] = newValue } }
    }

    private static func key(_ file: TreeFile) -> String { "\(file.blob.hex) \(file.mode) \(file.path)" }
}
