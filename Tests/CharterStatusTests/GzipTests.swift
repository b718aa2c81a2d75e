import CharterStatus
import CharterTestSupport
import Foundation
import Testing

@Suite struct GzipTests {
    static let sample = Array((0..<2000).map { "line \($0): {\"seq\":\($0),\"type\":\"applied\"}\n" }.joined().utf8)

    @Test func roundTripsAndIsDeterministic() throws {
        let first = Gzip.compress(Self.sample)
        let second = Gzip.compress(Self.sample)
        #expect(first == second)
        #expect(first.count < Self.sample.count / 4)
        #expect(try Gzip.decompress(first) == Self.sample)
        #expect(try Gzip.decompress(Gzip.compress([])) == [])
    }

    @Test func writesNoNameAndZeroMTime() {
        let bytes = Gzip.compress(Array("hello".utf8))
        #expect(Array(bytes[0..<3]) == [0x1f, 0x8b, 8])  // magic, deflate
        #expect(bytes[3] == 0)  // FLG: no name, comment, extra or header CRC
        #expect(Array(bytes[4..<8]) == [0, 0, 0, 0])  // MTIME
        #expect(bytes[8] == 2)  // XFL: maximum compression (level 9)
    }

    @Test func gzipCLIDecodesIt() throws {
        let directory = makeTemporaryDirectory("gzip")
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("sample.gz")
        try Data(Gzip.compress(Self.sample)).write(to: file)
        #expect(try runCapturingBytes("/bin/gzip", ["-dc", file.path]) == Self.sample)
        // And gzip -n output decodes here.
        let plain = directory.appendingPathComponent("plain.txt")
        try Data(Self.sample).write(to: plain)
        let cli = try runCapturingBytes("/bin/gzip", ["-n", "-c", plain.path])
        #expect(try Gzip.decompress(cli) == Self.sample)
    }

    @Test func readsEveryMemberOfAMultiMemberStream() throws {
        let a = Array("first member\n".utf8)
        let b = Array(repeating: UInt8(ascii: "b"), count: 200_000)
        let c = Array("third\n".utf8)
        let joined = Gzip.compress(a) + Gzip.compress(b) + Gzip.compress(c)
        #expect(try Gzip.decompress(joined) == a + b + c)
        // Same as `cat x.gz y.gz z.gz | gzip -dc`.
        let directory = makeTemporaryDirectory("gzip")
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("joined.gz")
        try Data(joined).write(to: file)
        #expect(try runCapturingBytes("/bin/gzip", ["-dc", file.path]) == a + b + c)
        // An empty member in the middle is fine too.
        #expect(try Gzip.decompress(Gzip.compress(a) + Gzip.compress([]) + Gzip.compress(c)) == a + c)
    }

    @Test func refusesABomb() throws {
        // 64 MiB of zeros compresses to about 64 KiB.
        let bomb = Gzip.compress([UInt8](repeating: 0, count: 64 << 20))
        #expect(bomb.count < 100_000)
        let error = try #require(throws: GzipError.self) { try Gzip.decompress(bomb, maxBytes: 1 << 20) }
        #expect(error.kind == .tooLarge)
        #expect(error.description.contains("1048576"))
        // The cap counts every member together.
        let half = Gzip.compress([UInt8](repeating: 7, count: 600_000))
        #expect(throws: GzipError.self) { try Gzip.decompress(half + half, maxBytes: 1_000_000) }
        // Exactly at the cap is allowed.
        #expect(try Gzip.decompress(half, maxBytes: 600_000).count == 600_000)
    }

    @Test func reportsCorruptInputClearly() throws {
        let good = Gzip.compress(Self.sample)

        let notGzip = try #require(throws: GzipError.self) { try Gzip.decompress(Array("plain text".utf8)) }
        #expect(notGzip.kind == .notGzip)
        #expect(notGzip.description.hasPrefix("gzip: "))

        var flipped = good
        flipped[good.count / 2] ^= 0xFF
        let corrupt = try #require(throws: GzipError.self) { try Gzip.decompress(flipped) }
        #expect(corrupt.kind == .corrupt)

        var badCRC = good
        badCRC[good.count - 6] ^= 0x01
        let crc = try #require(throws: GzipError.self) { try Gzip.decompress(badCRC) }
        #expect(crc.kind == .corrupt)
        #expect(crc.message.contains("check"))

        let truncated = try #require(throws: GzipError.self) { try Gzip.decompress(Array(good.dropLast(10))) }
        #expect(truncated.kind == .truncated)
        #expect(try #require(throws: GzipError.self) { try Gzip.decompress([]) }.kind == .truncated)

        // Garbage after a complete member is an error, not silently ignored.
        let trailing = try #require(throws: GzipError.self) { try Gzip.decompress(good + [0, 0, 0, 0]) }
        #expect(trailing.kind == .corrupt || trailing.kind == .truncated)
    }
}
