import CharterGovernance
import CharterModel
import CharterPlan
import Foundation
import GRDB

/// What a rebuild replays: the status branch's events, the change sets their `changeSetBlob`s name,
/// and the proposals as written to `proposals/<id>/proposal.json`.
public struct RebuildInput: Sendable {
    /// Every event, in sequence order, chain already verified by the caller.
    public var events: [Event]
    /// Blob bytes by SHA-256 hex.
    public var blobs: [String: [UInt8]]
    /// The proposals.
    public var proposals: [Proposal]

    /// An input.
    public init(events: [Event], blobs: [String: [UInt8]], proposals: [Proposal]) {
        self.events = events
        self.blobs = blobs
        self.proposals = proposals
    }
}

/// What a rebuild recreated.
public struct RebuildSummary: Sendable, Equatable {
    /// Resources in the rebuilt state.
    public var resources: Int
    /// Applied revisions replayed.
    public var applies: Int
    /// Events copied.
    public var events: Int
    /// Proposals restored.
    public var proposals: Int
}

extension StateStore {
    /// Recreates this (empty) store from the status branch's record, in one transaction: events are
    /// copied verbatim (same sequence, id and hash), every `state.bootstrapped` / `state.applied` event
    /// replays the change set its `changeSetBlob` names — checked against the event's `changeSetHash`
    /// and applied with the same compare-and-swap as a live apply — and proposals are restored with
    /// their votes. Nothing is written unless all of it succeeds.
    @discardableResult
    public func rebuild(from input: RebuildInput) throws(StoreError) -> RebuildSummary {
        do {
            return try pool.write { db in
                let existing =
                    try Int.fetchOne(
                        db,
                        sql:
                            "SELECT (SELECT COUNT(*) FROM resource) + (SELECT COUNT(*) FROM event) + (SELECT COUNT(*) FROM proposal)"
                    ) ?? 0
                guard existing == 0 else {
                    throw StoreError(
                        operation: "rebuild", path: path,
                        message: "the store is not empty; rebuild into a new data directory (--into DIR)")
                }
                var applies = 0
                for event in input.events {
                    try db.execute(
                        sql: """
                            INSERT INTO event (sequence, id, type, time, actor, data, previous_hash, hash)
                            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                            """,
                        arguments: [
                            event.sequence, event.id, event.type, event.time.timeIntervalSince1970, event.actor,
                            CanonicalJSON.string(event.data), event.previousHash, event.hash,
                        ])
                    if event.type == "proposal.created", let hash = event.data["changeSetBlob"]?.string,
                        let bytes = input.blobs[hash]
                    {
                        try db.execute(
                            sql: "INSERT OR IGNORE INTO blob (hash, data) VALUES (?, ?)",
                            arguments: [hash, Data(bytes)])
                    }
                    guard event.type == "state.bootstrapped" || event.type == "state.applied" else { continue }
                    let changes = try Self.replayedChanges(of: event, blobs: input.blobs, path: path)
                    guard let revision = event.data["revision"]?.string else {
                        throw StoreError(
                            operation: "rebuild", path: path, message: "event \(event.sequence) names no revision")
                    }
                    try Self.write(changes, revision: revision, in: db, path: path)
                    try db.execute(
                        sql: "INSERT OR IGNORE INTO blob (hash, data) VALUES (?, ?)",
                        arguments: [event.data["changeSetBlob"]?.string, Data(Self.blobBytes(of: changes))])
                    let sequence = try Self.recordApplied(
                        changes, revision: revision,
                        method: event.type == "state.bootstrapped" ? .bootstrap : .governed, actor: event.actor,
                        source: event.data["source"]?.string ?? "", at: event.time, in: db)
                    if let expected = event.data["appliedSequence"]?.int, expected != sequence {
                        throw StoreError(
                            operation: "rebuild", path: path,
                            message: "event \(event.sequence) is applied revision \(expected), replayed as \(sequence)")
                    }
                    applies += 1
                }
                for proposal in input.proposals.sorted(by: { $0.id.number < $1.id.number }) {
                    let changes = try Self.proposalChanges(proposal, events: input.events, blobs: input.blobs)
                    try Self.restore(proposal, changes: changes, in: db)
                }
                let resources = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM resource") ?? 0
                return RebuildSummary(
                    resources: resources, applies: applies, events: input.events.count,
                    proposals: input.proposals.count)
            }
        } catch {
            throw StoreError("rebuild the store", path: path, error)
        }
    }

    /// A digest of everything the store holds that the status branch records: resources with their
    /// hashes and revisions, applied revisions, the event chain's length and head, and proposals with
    /// their votes. A rebuilt store must have the live store's digest.
    public func stateHash() throws(StoreError) -> String {
        do {
            return try pool.read { db in
                let resources = try Row.fetchAll(
                    db, sql: "SELECT kind, name, hash, revision FROM resource ORDER BY kind, name"
                ).map { row -> Value in
                    [.string(row["kind"]), .string(row["name"]), .string(row["hash"]), .string(row["revision"])]
                }
                let applied = try Row.fetchAll(db, sql: "SELECT * FROM applied_revision ORDER BY sequence").map {
                    row -> Value in
                    [
                        .int(row["sequence"]), .string(row["revision"]), .string(row["method"]),
                        .string(row["actor"]), .string(row["source"]), .string(row["change_set_hash"]),
                        .int(row["change_count"]),
                    ]
                }
                let head = try Row.fetchOne(db, sql: "SELECT sequence, hash FROM event ORDER BY sequence DESC LIMIT 1")
                let proposals = try String.fetchAll(db, sql: "SELECT document FROM proposal ORDER BY number").map {
                    Value.string($0)
                }
                let value: Value = [
                    "resources": .array(resources), "applied": .array(applied),
                    "events": [.int(head?["sequence"] ?? 0), .string(head?["hash"] ?? Event.genesisHash)],
                    "proposals": .array(proposals),
                ]
                return "sha256:" + CanonicalJSON.sha256(value)
            }
        } catch {
            throw StoreError("hash the state", path: path, error)
        }
    }

    static func replayedChanges(of event: Event, blobs: [String: [UInt8]], path: String) throws -> ChangeSet {
        guard let hash = event.data["changeSetBlob"]?.string else {
            throw StoreError(
                operation: "rebuild", path: path,
                message:
                    "event \(event.sequence) (\(event.type)) names no changeSetBlob: it was written by an older charter, so this store cannot be rebuilt from git"
            )
        }
        guard let bytes = blobs[hash] else {
            throw StoreError(
                operation: "rebuild", path: path,
                message: "event \(event.sequence) needs blobs/\(hash.prefix(2))/\(hash), which the status branch lacks")
        }
        let changes = try changeSet(fromBlob: bytes)
        guard changes.hash == event.data["changeSetHash"]?.string else {
            throw StoreError(
                operation: "rebuild", path: path,
                message:
                    "the change set in blob \(hash.prefix(12)) does not hash to event \(event.sequence)'s changeSetHash"
            )
        }
        return changes
    }

    /// A proposal's full change set, from the blob its `proposal.created` event names; an empty one
    /// when the branch does not hold it (the proposal itself is still restored).
    static func proposalChanges(_ p: Proposal, events: [Event], blobs: [String: [UInt8]]) throws -> ChangeSet {
        let created = events.first { $0.type == "proposal.created" && $0.data["proposal"]?.string == p.id.description }
        guard let hash = created?.data["changeSetBlob"]?.string, let bytes = blobs[hash] else {
            return ChangeSet(changes: [])
        }
        return try changeSet(fromBlob: bytes)
    }
}

extension StateStore {
    /// What SQLite's `quick_check` finds wrong with the file, or nil when it finds nothing.
    public func damage() throws(StoreError) -> String? {
        do {
            let lines = try pool.read { db in try String.fetchAll(db, sql: "PRAGMA quick_check") }
            return lines == ["ok"] ? nil : lines.prefix(5).joined(separator: "; ")
        } catch {
            throw StoreError("check the state database", path: path, error)
        }
    }

    /// Copies everything in the write-ahead log into the database file and empties the log, so
    /// the file alone holds the store (what `charter rebuild --replace` sets aside).
    public func checkpoint() throws(StoreError) {
        do {
            try pool.writeWithoutTransaction { db in _ = try db.checkpoint(.truncate) }
        } catch {
            throw StoreError("checkpoint the state database", path: path, error)
        }
    }
}
