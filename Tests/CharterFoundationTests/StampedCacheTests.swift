import CharterFoundation
import Testing

struct StampedCacheTests {
    @Test func aValueIsReturnedOnlyForTheStampItWasMadeAt() {
        let cache = StampedCache<String>(limit: 4)
        #expect(cache.get("P-1", stamp: "1") == nil)
        cache.set("P-1", stamp: "1", "first")
        #expect(cache.get("P-1", stamp: "1") == "first")
        #expect(cache.get("P-1", stamp: "2") == nil)
        #expect(cache.get("P-2", stamp: "1") == nil)
        cache.set("P-1", stamp: "2", "second")
        #expect(cache.get("P-1", stamp: "1") == nil)
        #expect(cache.get("P-1", stamp: "2") == "second")
    }

    @Test func itHoldsAtMostItsLimit() {
        let cache = StampedCache<Int>(limit: 3)
        for i in 0..<3 { cache.set("k\(i)", stamp: "s", i) }
        for i in 0..<3 { #expect(cache.get("k" + String(i), stamp: "s") == i) }
        // Replacing a held key keeps the rest; a fourth key takes the place of one of them.
        cache.set("k0", stamp: "t", 10)
        #expect(cache.get("k1", stamp: "s") == 1)
        cache.set("k3", stamp: "s", 3)
        #expect(cache.get("k3", stamp: "s") == 3)
        let held = [cache.get("k0", stamp: "t"), cache.get("k1", stamp: "s"), cache.get("k2", stamp: "s")]
        #expect(held.compactMap { $0 }.count == 2)
    }
}
