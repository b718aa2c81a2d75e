import CharterModel
import CharterStatus
import CharterStore
import Foundation
import Testing

@Suite struct EventFileTests {
    /// 2026-11-21T06:05:00.123Z
    static let start = Date(timeIntervalSince1970: 1_795_241_100.123)

    /// `base` with `count` more events, a minute apart from `time`.
    static func writer(count: Int, from base: EventLogWriter = .init(), at time: Date = start) -> EventLogWriter {
        var writer = base
        for i in 0..<count {
            writer.append(
                type: i % 2 == 0 ? "applied" : "vote", actor: "alice",
                time: time.addingTimeInterval(Double(i) * 61.001),
                data: ["n": .int(writer.lastSequence + 1), "note": "caf\u{e9} \u{2028} \"q\"", "ok": true])
        }
        return writer
    }

    @Test func timestampsRoundTripExactly() throws {
        for ms in [Int64(0), 1, 999, 1_795_241_100_123, 1_795_241_100_999, 4_102_444_799_999] {
            let text = Event.timestamp(Date(timeIntervalSince1970: Double(ms) / 1000 + 0.0004))
            let date = try #require(Event.date(fromTimestamp: text))
            #expect(Event.timestamp(date) == text)
        }
        // Every millisecond of a second round-trips (ms / 1000 through Date sometimes lands below it).
        for ms in 0..<1000 {
            for second in ["1970-01-01T00:00:00", "2026-11-21T06:05:07", "2099-12-31T23:59:59"] {
                let text = second + String(format: ".%03dZ", ms)
                #expect(Event.date(fromTimestamp: text).map(Event.timestamp) == text)
            }
        }
        #expect(Event.date(fromTimestamp: "2026-02-30T00:00:00.000Z") == nil)
        #expect(Event.date(fromTimestamp: "2026-11-21T06:05:00Z") == nil)
        #expect(Event.date(fromTimestamp: "2026-11-21 06:05:00.000Z") == nil)
    }

    @Test func writerChainsLikeTheStore() {
        let w = Self.writer(count: 5)
        #expect(w.pending.map(\.sequence) == [1, 2, 3, 4, 5])
        #expect(w.pending[0].previousHash == Event.genesisHash)
        #expect(w.pending[0].id == "ev-" + w.pending[0].hash.prefix(24))
        // CharterStore's own verifier accepts what the writer made.
        #expect(Event.verifyChain(w.pending))
    }

    @Test func fileShapeAndPath() throws {
        var w = Self.writer(count: 3)
        let events = w.pending
        let file = try flush(&w)
        #expect(w.pending.isEmpty)
        let none = w.flush()
        #expect(none == nil)
        #expect(file.path == "events/2026/11/21/000000000001-000000000003.jsonl.gz")
        #expect(EventFile.sequenceRange(ofPath: file.path) == 1...3)
        let text = try Gzip.decompress(file.bytes)
        #expect(text.last == UInt8(ascii: "\n"))
        let lines = text.split(separator: UInt8(ascii: "\n"))
        #expect(lines.count == 3)
        // Each line is the canonical JSON of the store's event value, with every field.
        #expect(Array(lines[0]) == CanonicalJSON.encode(events[0].value))
        let first = try Value(json: Array(lines[0]))
        #expect(first.object.map { Set($0.keys) } == ["seq", "id", "type", "time", "actor", "data", "prev", "hash"])
        #expect(first.object?["time"] == "2026-11-21T06:05:00.123Z")
        // Deterministic: the same events give the same bytes.
        #expect(EventFile.contents(events) == file.bytes)
        // Read back: the same events, times to the millisecond (as written and hashed).
        let read = try EventFile.read(file.bytes, path: file.path)
        #expect(read.map(\.value) == events.map(\.value))
        #expect(zip(read, events).allSatisfy { abs($0.time.timeIntervalSince($1.time)) < 0.001 })
    }

    @Test func readsAcrossFilesAndVerifiesTheChain() throws {
        var w = Self.writer(count: 3)
        let a = try flush(&w)
        w = Self.writer(count: 4, from: w, at: Self.start.addingTimeInterval(86_400 * 40))
        let b = try flush(&w)
        w = Self.writer(count: 1, from: w)
        let c = try flush(&w)
        #expect(b.path == "events/2026/12/31/000000000004-000000000007.jsonl.gz")
        let files = [a.path: a.bytes, b.path: b.bytes, c.path: c.bytes, "STATUS.md": Array("# status".utf8)]
        let chain = try EventChain(files: files)
        #expect(chain.events.map(\.sequence) == Array(1...8))
        #expect(chain.verify() == nil)
        #expect(Event.verifyChain(chain.events))
        #expect(chain.last?.hash == w.lastHash)

        // A writer continuing from what was read links on.
        var next = EventLogWriter(after: chain.last)
        next.append(type: "x", actor: "bob", time: Self.start, data: .null)
        let d = try flush(&next)
        var all = files
        all[d.path] = d.bytes
        #expect(try EventChain(files: all).verify() == nil)

        // A missing file shows as the first missing sequence number.
        var gap = files
        gap[b.path] = nil
        let missing = try #require(try EventChain(files: gap).verify())
        #expect(missing.sequence == 4)
        #expect(missing.description.contains("missing"))
    }

    @Test func reportsTheFirstBrokenEvent() throws {
        var w = Self.writer(count: 3)
        let a = try flush(&w)
        w = Self.writer(count: 3, from: w)
        var events = w.pending
        // Tamper with event 5's data but keep its hash: 5 fails, though 6 still links to 5's hash.
        events[1].data = ["n": 5, "note": "forged"]
        let path = EventFile.path(for: events)
        let files = [a.path: a.bytes, path: EventFile.contents(events)]
        let problem = try #require(try EventChain(files: files).verify())
        #expect(problem.sequence == 5)
        #expect(problem.path == path)
        #expect(problem.message.contains("hash does not match"))

        // Re-hashing the forged event breaks the link from event 6 instead.
        let rehashed = Event.chained(
            sequence: 5, type: events[1].type, time: events[1].time, actor: "mallory", data: events[1].data,
            previousHash: events[1].previousHash)
        events[1] = rehashed
        let relinked = try #require(
            try EventChain(files: [a.path: a.bytes, path: EventFile.contents(events)]).verify())
        #expect(relinked.sequence == 6)
        #expect(relinked.message.contains("prev"))

        // A wrong id is caught too.
        var wrongID = w.pending
        wrongID[0].id = "ev-000000000000000000000000"
        let idProblem = try #require(
            try EventChain(files: [a.path: a.bytes, path: EventFile.contents(wrongID)]).verify())
        #expect(idProblem.sequence == 4)

        // The same events in two files: a duplicate.
        let dup = try #require(
            try EventChain(files: [a.path: a.bytes, a.path.replacingOccurrences(of: "/21/", with: "/22/"): a.bytes])
                .verify())
        #expect(dup.sequence == 1)
        #expect(dup.message.contains("duplicate"))

        // A file whose name disagrees with its contents.
        let misnamed = try #require(
            try EventChain(files: ["events/2026/11/21/000000000001-000000000009.jsonl.gz": a.bytes]).verify())
        #expect(misnamed.message.contains("file name"))
    }

    @Test func writerRefusesEventsThatDoNotContinueTheChain() throws {
        let w = Self.writer(count: 4)
        var fresh = EventLogWriter()
        #expect(throws: EventChainProblem.self) { try fresh.add(Array(w.pending.dropFirst())) }
        #expect(fresh.pending.isEmpty)
        try fresh.add(Array(w.pending.prefix(2)))
        try fresh.add(Array(w.pending.dropFirst(2)))
        #expect(fresh.lastHash == w.lastHash)
        let file = fresh.flush()
        #expect(file?.path == "events/2026/11/21/000000000001-000000000004.jsonl.gz")
    }

    @Test func rejectsMalformedFiles() throws {
        func problem(_ text: String) throws -> EventFileError {
            try #require(throws: EventFileError.self) {
                try EventFile.read(Gzip.compress(Array(text.utf8)), path: "events/x.jsonl.gz")
            }
        }
        let line = String(decoding: EventFile.line(Self.writer(count: 1).pending[0]), as: UTF8.self)
        #expect(try EventFile.parse(Array((line + "\r\n").utf8)).count == 1)
        #expect(try problem(line).message.contains("newline"))
        #expect(try problem(line + "\n\n" + line + "\n").line == 2)
        #expect(try problem("{\"seq\":1}\n").message.contains("field"))
        #expect(try problem("[1]\n").message.contains("object"))
        #expect(try problem("{nope\n").line == 1)
        #expect(try problem("").message.contains("no events"))
        let extra = try problem(String(line.dropLast()) + ",\"zz\":1}\n")
        #expect(extra.message.contains("zz"))
        let notGzip = try #require(throws: EventFileError.self) {
            try EventFile.read(Array(line.utf8), path: "events/y.jsonl.gz")
        }
        #expect(notGzip.description.hasPrefix("events/y.jsonl.gz: gzip:"))
    }
}
