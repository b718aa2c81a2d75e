import CharterFoundation
import CharterModel
import Foundation
import GRDB

/// One event: canonical JSON, chained to the one before by hash so tampering shows.
public struct Event: Sendable, Hashable {
    public var sequence: Int
    /// Deterministic: the hash of the event's content without its id.
    public var id: String
    public var type: String
    public var time: Date
    public var actor: String
    public var data: Value
    public var previousHash: String
    public var hash: String

    /// An event with every field given.
    public init(
        sequence: Int, id: String, type: String, time: Date, actor: String, data: Value, previousHash: String,
        hash: String
    ) {
        self.sequence = sequence
        self.id = id
        self.type = type
        self.time = time
        self.actor = actor
        self.data = data
        self.previousHash = previousHash
        self.hash = hash
    }

    /// The event as a canonical JSON value (one line of an events file).
    public var value: Value {
        [
            "seq": .int(sequence), "id": .string(id), "type": .string(type), "time": .string(Event.timestamp(time)),
            "actor": .string(actor), "data": data, "prev": .string(previousHash), "hash": .string(hash),
        ]
    }
}

/// The hash-chained event log inside the store.
enum EventLog {
    static let genesis = String(repeating: "0", count: 64)

    /// The hash of an event: SHA-256 over the previous hash and the canonical event without hash and id.
    static func hash(sequence: Int, type: String, time: Date, actor: String, data: Value, previous: String) -> String {
        let body: Value = [
            "seq": .int(sequence), "type": .string(type), "time": .string(Event.timestamp(time)),
            "actor": .string(actor),
            "data": data, "prev": .string(previous),
        ]
        return CanonicalJSON.sha256(body)
    }

    static func append(_ db: Database, type: String, actor: String, time: Date, data: Value) throws {
        let last = try Row.fetchOne(db, sql: "SELECT sequence, hash FROM event ORDER BY sequence DESC LIMIT 1")
        let sequence = (last?["sequence"] as Int? ?? 0) + 1
        let previous = last?["hash"] as String? ?? genesis
        let h = hash(sequence: sequence, type: type, time: time, actor: actor, data: data, previous: previous)
        try db.execute(
            sql:
                "INSERT INTO event (sequence, id, type, time, actor, data, previous_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            arguments: [
                sequence, "ev-" + String(h.prefix(24)), type, time.timeIntervalSince1970, actor,
                CanonicalJSON.string(data),
                previous, h,
            ])
    }

    static func all(_ db: Database) throws -> [Event] {
        try page(db, after: 0, limit: Int.max)
    }

    static func page(_ db: Database, after sequence: Int, limit: Int) throws -> [Event] {
        try Row.fetchAll(
            db, sql: "SELECT * FROM event WHERE sequence > ? ORDER BY sequence LIMIT ?", arguments: [sequence, limit]
        ).map { row in
            Event(
                sequence: row["sequence"], id: row["id"], type: row["type"],
                time: Date(timeIntervalSince1970: row["time"]),
                actor: row["actor"], data: try Value(json: row["data"] as String), previousHash: row["previous_hash"],
                hash: row["hash"])
        }
    }
}

extension Event {
    /// Whether every event's hash matches its content and links to the one before.
    public static func verifyChain(_ events: [Event]) -> Bool {
        var previous = EventLog.genesis
        for e in events {
            guard e.previousHash == previous,
                e.hash
                    == EventLog.hash(
                        sequence: e.sequence, type: e.type, time: e.time, actor: e.actor, data: e.data,
                        previous: previous)
            else { return false }
            previous = e.hash
        }
        return true
    }
}
