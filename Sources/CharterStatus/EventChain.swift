import CharterGit
import CharterModel
import CharterStore
import Foundation

/// A break in the event chain: the first sequence number at which it fails.
public struct EventChainProblem: Error, Equatable, Sendable, CustomStringConvertible {
    /// The first sequence number that is missing, duplicated or does not verify.
    public var sequence: Int
    /// The events file holding that event, when there is one.
    public var path: String?
    /// What is wrong.
    public var message: String

    /// A break at `sequence`.
    public init(sequence: Int, path: String? = nil, message: String) {
        self.sequence = sequence
        self.path = path
        self.message = message
    }

    /// "event N (path): message".
    public var description: String { "event \(sequence)\(path.map { " (\($0))" } ?? ""): \(message)" }
}

/// Writes batches of chained events as immutable events files.
///
/// Continues a chain from its last event: new events get the next sequence numbers and hash-link to the
/// one before, exactly as the store's own event log does. `flush` turns everything pending into one file.
public struct EventLogWriter: Sendable {
    /// The sequence number of the last event written or pending (0 before the first).
    public private(set) var lastSequence: Int
    /// The hash of the last event written or pending (`Event.genesisHash` before the first).
    public private(set) var lastHash: String
    /// Events appended since the last `flush`.
    public private(set) var pending: [Event] = []

    /// A writer continuing after the event with `lastSequence` and `lastHash`; by default a new chain.
    public init(lastSequence: Int = 0, lastHash: String = Event.genesisHash) {
        self.lastSequence = lastSequence
        self.lastHash = lastHash
    }

    /// A writer continuing after `last`, or a new chain when nil.
    public init(after last: Event?) {
        self.init(lastSequence: last?.sequence ?? 0, lastHash: last?.hash ?? Event.genesisHash)
    }

    /// Creates the next event of the chain and adds it to the pending batch.
    @discardableResult
    public mutating func append(type: String, actor: String, time: Date, data: Value) -> Event {
        let event = Event.chained(
            sequence: lastSequence + 1, type: type, time: time, actor: actor, data: data, previousHash: lastHash)
        pending.append(event)
        lastSequence = event.sequence
        lastHash = event.hash
        return event
    }

    /// Adds events that are already chained (e.g. read from the store), after checking that they verify
    /// and continue this chain. Nothing is added when any event fails.
    public mutating func add(_ events: [Event]) throws(EventChainProblem) {
        var sequence = lastSequence
        var previous = lastHash
        for event in events {
            if let problem = EventChain.check(event, expectedSequence: sequence + 1, previousHash: previous) {
                throw problem
            }
            sequence = event.sequence
            previous = event.hash
        }
        pending.append(contentsOf: events)
        lastSequence = sequence
        lastHash = previous
    }

    /// The events file of the pending batch (its path and compressed bytes), or nil when nothing is
    /// pending; clears the batch.
    public mutating func flush() -> (path: String, bytes: [UInt8])? {
        guard !pending.isEmpty else { return nil }
        defer { pending = [] }
        return EventFile.file(for: pending)
    }
}

/// The events of a status branch, read from every events file and put in chain order.
public struct EventChain: Sendable {
    /// Every event, ordered by sequence number (then by path, for duplicates).
    public var events: [Event]
    /// The file each event came from, parallel to `events`.
    public var paths: [String]
    /// Files whose name disagrees with their contents (range in the name vs. events inside).
    public var misnamed: [EventChainProblem]

    /// Reads the events files among `files` (path → compressed bytes); other paths are ignored.
    public init(files: [String: [UInt8]], maxBytesPerFile: Int = Gzip.defaultMaxBytes) throws(EventFileError) {
        var loaded: [(path: String, events: [Event])] = []
        for (path, bytes) in files where EventFile.isEventFile(path) {
            loaded.append((path, try EventFile.read(bytes, path: path, maxBytes: maxBytesPerFile)))
        }
        self.init(loaded: loaded)
    }

    /// Reads every events file of `commit`'s tree in `repository`.
    public static func read(
        from repository: GitRepository, at commit: ObjectID, maxBytesPerFile: Int = Gzip.defaultMaxBytes
    ) async throws -> EventChain {
        let files = try await repository.listFiles(at: commit) { EventFile.isEventFile($0) }
        var loaded: [(path: String, events: [Event])] = []
        for file in files {
            let bytes = try await repository.blobData(file.blob)
            loaded.append((file.path, try EventFile.read(bytes, path: file.path, maxBytes: maxBytesPerFile)))
        }
        return EventChain(loaded: loaded)
    }

    /// Reads every events file of `commit`'s tree that can be read; the others are returned, sorted by
    /// path, instead of thrown, so one damaged file does not hide the rest of the chain.
    public static func readReadable(
        from repository: GitRepository, at commit: ObjectID, maxBytesPerFile: Int = Gzip.defaultMaxBytes
    ) async throws -> (chain: EventChain, unreadable: [EventFileError]) {
        let files = try await repository.listFiles(at: commit) { EventFile.isEventFile($0) }
        var loaded: [(path: String, events: [Event])] = []
        var unreadable: [EventFileError] = []
        for file in files {
            switch await EventFile.read(file, in: repository, maxBytes: maxBytesPerFile) {
            case .success(let events): loaded.append((file.path, events))
            case .failure(let error): unreadable.append(error)
            }
        }
        return (EventChain(loaded: loaded), unreadable.sorted { $0.path < $1.path })
    }

    private init(loaded: [(path: String, events: [Event])]) {
        var misnamed: [EventChainProblem] = []
        var pairs: [(event: Event, path: String)] = []
        for (path, events) in loaded {
            pairs.append(contentsOf: events.map { ($0, path) })
            let range = EventFile.sequenceRange(ofPath: path)
            let first = events.first?.sequence ?? 0
            if range?.lowerBound != first || range?.upperBound != events.last?.sequence
                || range?.count != events.count
            {
                misnamed.append(
                    EventChainProblem(
                        sequence: first, path: path,
                        message: "file name does not match its events \(first)...\(events.last?.sequence ?? 0)"))
            }
        }
        pairs.sort { ($0.event.sequence, $0.path) < ($1.event.sequence, $1.path) }
        events = pairs.map(\.event)
        paths = pairs.map(\.path)
        self.misnamed = misnamed.sorted { ($0.sequence, $0.path ?? "") < ($1.sequence, $1.path ?? "") }
    }

    /// The last event, if any.
    public var last: Event? { events.last }

    /// The first break in the chain, or nil when every event verifies: sequence numbers run 1, 2, 3…
    /// without gaps or duplicates, each `prev` is the hash before it, each hash matches its event's
    /// content and each id matches its hash; and every file's name matches its events.
    public func verify() -> EventChainProblem? {
        var previous = Event.genesisHash
        for (index, event) in events.enumerated() {
            if let problem = Self.check(event, expectedSequence: index + 1, previousHash: previous) {
                return EventChainProblem(sequence: problem.sequence, path: paths[index], message: problem.message)
            }
            previous = event.hash
        }
        return misnamed.first
    }

    /// Why `event` does not follow the event with hash `previousHash` as number `expectedSequence`.
    static func check(_ event: Event, expectedSequence: Int, previousHash: String) -> EventChainProblem? {
        if event.sequence < expectedSequence {
            return EventChainProblem(sequence: event.sequence, message: "duplicate sequence number")
        }
        if event.sequence > expectedSequence {
            return EventChainProblem(
                sequence: expectedSequence, message: "missing (the next event is \(event.sequence))")
        }
        if event.previousHash != previousHash {
            return EventChainProblem(sequence: event.sequence, message: "prev does not match the previous event's hash")
        }
        let hash = Event.chainHash(
            sequence: event.sequence, type: event.type, timestamp: Event.timestamp(event.time), actor: event.actor,
            data: event.data, previousHash: previousHash)
        if event.hash != hash {
            return EventChainProblem(sequence: event.sequence, message: "hash does not match the event's content")
        }
        if event.id != Event.identifier(forHash: hash) {
            return EventChainProblem(sequence: event.sequence, message: "id does not match the event's hash")
        }
        return nil
    }
}
