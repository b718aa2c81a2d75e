/// Values worth keeping between reads, by key, each with the stamp of the source it was made from
/// (a row's version, a revision): a value is returned only while its stamp still matches, so a
/// reader checks a cheap stamp and skips the expensive work (decoding, rendering) it stands for.
///
/// Bounded: a new key past `limit` takes the place of an arbitrary one, so a reader walking more
/// keys than fit still hits on most of them, and hot keys are rarely the one dropped.
public final class StampedCache<Value: Sendable>: Sendable {
    private let entries = Locked<[String: (stamp: String, value: Value)]>([:])
    /// The most keys held.
    public let limit: Int

    /// An empty cache holding at most `limit` keys.
    public init(limit: Int) { self.limit = limit }

    /// The value made for `key` at `stamp`, if there is one.
    public func get(_ key: String, stamp: String) -> Value? {
        entries.withLock { entries in
            guard let entry = entries[key], entry.stamp == stamp else { return nil }
            return entry.value
        }
    }

    /// Keeps `value`, made for `key` at `stamp`, in place of whatever was kept for `key`.
    public func set(_ key: String, stamp: String, _ value: Value) {
        entries.withLock { entries in
            if entries.count >= limit, entries[key] == nil { entries.remove(at: entries.startIndex) }
            entries[key] = (stamp, value)
        }
    }
}
