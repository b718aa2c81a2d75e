import CharterModel
import Foundation
import GRDB

/// What the controller remembers of one notification: a delivery of one event, about one subject,
/// to one recipient through one route (its ``key``).
public struct NotificationDelivery: Sendable, Hashable {
    /// Where a delivery stands.
    public enum State: String, Sendable {
        /// Delivered; sent again only when ``version`` changes or the reminder is due.
        case sent
        /// A try failed for a reason that may pass; tried again from ``nextAttempt``.
        case retrying
        /// Given up on (a permanent refusal, or every try failed); tried again only when
        /// ``version`` changes.
        case failed
    }

    /// `route|event|subject|recipient`: one delivery.
    public var key: String
    /// What the event said when it was delivered (a proposal's head, a reason): a new version is
    /// a new event.
    public var version: String
    public var state: State
    /// Tries of this version so far.
    public var attempts: Int
    /// When the next try is due, for ``State/retrying``.
    public var nextAttempt: Date?
    /// When it was last delivered.
    public var sentAt: Date?

    /// A delivery with every field given.
    public init(
        key: String, version: String, state: State, attempts: Int, nextAttempt: Date? = nil, sentAt: Date? = nil
    ) {
        self.key = key
        self.version = version
        self.state = state
        self.attempts = attempts
        self.nextAttempt = nextAttempt
        self.sentAt = sentAt
    }
}

extension StateStore {
    static func createNotificationTables(_ db: Database) throws {
        try db.create(table: "notification_delivery") { t in
            t.primaryKey("key", .text)
            t.column("version", .text).notNull()
            t.column("state", .text).notNull()
            t.column("attempts", .integer).notNull()
            t.column("next_attempt", .double)
            t.column("sent_at", .double)
        }
        // When each route was first seen: events that are facts (a failed run) before then are
        // history, not news.
        try db.create(table: "notification_route") { t in
            t.primaryKey("name", .text)
            t.column("since", .double).notNull()
        }
    }

    /// Every delivery remembered, by key.
    public func notificationDeliveries() throws(StoreError) -> [String: NotificationDelivery] {
        do {
            return try pool.read { db in
                var result: [String: NotificationDelivery] = [:]
                for row in try Row.fetchAll(db, sql: "SELECT * FROM notification_delivery") {
                    let d = NotificationDelivery(
                        key: row["key"], version: row["version"],
                        state: NotificationDelivery.State(rawValue: row["state"]) ?? .failed, attempts: row["attempts"],
                        nextAttempt: (row["next_attempt"] as Double?).map(Date.init(timeIntervalSince1970:)),
                        sentAt: (row["sent_at"] as Double?).map(Date.init(timeIntervalSince1970:)))
                    result[d.key] = d
                }
                return result
            }
        } catch {
            throw StoreError("read notification deliveries", path: path, error)
        }
    }

    /// Records a try: the delivery's new standing and its event (`notification.sent`,
    /// `notification.retrying`, `notification.failed`) in one transaction, so the log and what the
    /// controller remembers never disagree. `data` must hold no secret.
    public func recordNotification(
        _ delivery: NotificationDelivery, event type: String, data: Value, actor: String, time: Date
    ) throws(StoreError) {
        do {
            try pool.write { db in
                try db.execute(
                    sql: """
                        INSERT OR REPLACE INTO notification_delivery (key, version, state, attempts, next_attempt, sent_at)
                        VALUES (?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [
                        delivery.key, delivery.version, delivery.state.rawValue, delivery.attempts,
                        delivery.nextAttempt?.timeIntervalSince1970, delivery.sentAt?.timeIntervalSince1970,
                    ])
                try EventLog.append(db, type: type, actor: actor, time: time, data: data)
            }
        } catch {
            throw StoreError("record a notification", path: path, error)
        }
    }

    /// Forgets deliveries whose event no longer holds (votes cast, the controller ready again), so
    /// the next time it holds is news.
    public func forgetNotifications(_ keys: [String]) throws(StoreError) {
        guard !keys.isEmpty else { return }
        do {
            try pool.write { db in
                for key in keys {
                    try db.execute(sql: "DELETE FROM notification_delivery WHERE key = ?", arguments: [key])
                }
            }
        } catch {
            throw StoreError("forget notifications", path: path, error)
        }
    }

    /// When each route was first seen, recording `now` for the routes in `names` not seen before;
    /// routes no longer applied are forgotten.
    public func notificationRoutes(_ names: Set<String>, now: Date) throws(StoreError) -> [String: Date] {
        do {
            return try pool.write { db in
                var known: [String: Date] = [:]
                for row in try Row.fetchAll(db, sql: "SELECT name, since FROM notification_route") {
                    known[row["name"]] = Date(timeIntervalSince1970: row["since"])
                }
                for name in known.keys where !names.contains(name) {
                    try db.execute(sql: "DELETE FROM notification_route WHERE name = ?", arguments: [name])
                    known[name] = nil
                }
                for name in names where known[name] == nil {
                    try db.execute(
                        sql: "INSERT INTO notification_route (name, since) VALUES (?, ?)",
                        arguments: [name, now.timeIntervalSince1970])
                    known[name] = now
                }
                return known
            }
        } catch {
            throw StoreError("read notification routes", path: path, error)
        }
    }
}
