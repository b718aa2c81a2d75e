/// The finished children of every open collection, innermost last.
///
/// A hand-managed buffer rather than an `Array` so a closing collection can *move* its
/// children into their final array: no retain and release per node, no second pass to
/// destroy the originals. This is most of the difference between building a tree and only
/// reading events.
final class PendingNodes {
    private var base: UnsafeMutablePointer<YAMLNode>
    private var capacity: Int
    private(set) var count = 0

    init(capacity: Int = 256) {
        self.capacity = capacity
        base = .allocate(capacity: capacity)
    }

    deinit {
        // After an error the children of unfinished collections are still here.
        base.deinitialize(count: count)
        base.deallocate()
    }

    subscript(index: Int) -> YAMLNode {
        _read { yield base[index] }
    }

    func append(_ node: consuming YAMLNode) {
        if count == capacity { grow() }
        (base + count).initialize(to: node)
        count += 1
    }

    /// Moves the nodes from `start` on into a new array, leaving `start` nodes behind.
    func removeSequence(from start: Int) -> [YAMLNode] {
        let length = count - start
        let source = base + start
        count = start
        var items: [YAMLNode] = []
        items.reserveCapacity(length)
        for index in 0..<length { items.append((source + index).move()) }
        return items
    }

    /// Moves alternating keys and values from `start` on into pairs.
    func removePairs(from start: Int) -> [YAMLPair] {
        let length = (count - start) / 2
        let source = base + start
        count = start
        var pairs: [YAMLPair] = []
        pairs.reserveCapacity(length)
        for index in 0..<length {
            pairs.append(YAMLPair(key: (source + 2 * index).move(), value: (source + 2 * index + 1).move()))
        }
        return pairs
    }

    private func grow() {
        let larger = UnsafeMutablePointer<YAMLNode>.allocate(capacity: capacity * 2)
        larger.moveInitialize(from: base, count: count)
        base.deallocate()
        base = larger
        capacity *= 2
    }
}
