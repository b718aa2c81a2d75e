import Foundation

/// Requests and tokens of one source over a sliding window (60 s or 86,400 s).
///
/// Every call is an entry stamped with its admission time `t`. At time `now` an entry counts iff
/// `now − t < length` (it stops counting at exactly `t + length`) **or** it is still in flight:
/// while in flight it weighs its reservation (estimated input + `maxOutputTokens`), once settled
/// its real usage. An in-flight entry older than the window keeps counting until it settles, because
/// its real usage is not known yet; when it settles it drops out at once.
///
/// Totals are kept as running sums and entries leave in admission order, so admission costs O(1)
/// amortized whatever the traffic.
struct SlidingWindow {
    struct Entry {
        var tokens: Int
        var settled: Bool
        /// Older than the window but still in flight: counted until settlement, then dropped.
        var expired: Bool
    }

    /// The window's length in seconds.
    let length: TimeInterval
    /// Requests currently counted.
    private(set) var requests = 0
    /// Tokens currently counted (reservations and settled usage).
    private(set) var tokens = 0
    private var order: [(id: UInt64, time: Date)] = []
    private var head = 0
    private var entries: [UInt64: Entry] = [:]

    init(length: TimeInterval) { self.length = length }

    /// Drops entries that left the window by `now`.
    mutating func advance(to now: Date) {
        let horizon = now.addingTimeInterval(-length)
        while head < order.count, order[head].time <= horizon {
            let id = order[head].id
            head += 1
            guard var entry = entries[id] else { continue }
            if entry.settled {
                entries[id] = nil
                requests -= 1
                tokens -= entry.tokens
            } else {
                entry.expired = true
                entries[id] = entry
            }
        }
        // Compact now and then so the array does not grow without bound.
        if head > 1024, head * 2 > order.count {
            order.removeFirst(head)
            head = 0
        }
    }

    /// Counts a new in-flight call reserving `tokens`, admitted at `time` (not before the last entry).
    mutating func add(id: UInt64, time: Date, tokens reserved: Int) {
        order.append((id, time))
        entries[id] = Entry(tokens: reserved, settled: false, expired: false)
        requests += 1
        tokens += reserved
    }

    /// Counts an already-settled call from before a restart.
    mutating func addSettled(time: Date, tokens used: Int, id: UInt64) {
        order.append((id, time))
        entries[id] = Entry(tokens: used, settled: true, expired: false)
        requests += 1
        tokens += used
    }

    /// Replaces the reservation of `id` with the `used` tokens; the difference is released (or
    /// charged) at once.
    mutating func settle(id: UInt64, tokens used: Int) {
        guard var entry = entries[id], !entry.settled else { return }
        if entry.expired {
            entries[id] = nil
            requests -= 1
            tokens -= entry.tokens
            return
        }
        tokens += used - entry.tokens
        entry.tokens = used
        entry.settled = true
        entries[id] = entry
    }

    /// When the oldest entry still inside the window leaves it: the next instant capacity may free.
    var nextExpiry: Date? {
        var i = head
        while i < order.count {
            if entries[order[i].id] != nil { return order[i].time.addingTimeInterval(length) }
            i += 1
        }
        return nil
    }
}
