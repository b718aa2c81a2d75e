import CharterYAML
import Testing

@Suite("YAMLParser on hostile input")
struct YAMLHostileInputTests {
    func failure(_ bytes: [UInt8], limits: YAMLLimits = .default) -> YAMLError? {
        do {
            _ = try YAMLParser.parse(bytes, limits: limits)
            Issue.record("expected an error")
            return nil
        } catch {
            return error
        }
    }

    @Test func billionLaughsIsRefusedFast() {
        var text = "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n"
        let names = ["a", "b", "c", "d", "e", "f", "g", "h", "i"]
        for (previous, name) in zip(names, names.dropFirst()) {
            let aliases = Array(repeating: "*\(previous)", count: 9).joined(separator: ",")
            text += "\(name): &\(name) [\(aliases)]\n"
        }
        let bytes = Array(text.utf8)
        #expect(bytes.count < 1_000)
        let clock = ContinuousClock()
        var error: YAMLError?
        let elapsed = clock.measure { error = failure(bytes) }
        #expect(error?.kind == .alias)
        #expect(error?.mark == Mark(line: 1, column: 4))
        #expect(error?.message.contains("'&a'") == true)
        // A generous bound: the refusal is at the first anchor, microseconds in practice.
        #expect(elapsed < .milliseconds(100))
    }

    @Test func deepFlowNestingIsRefusedWithoutCrashing() {
        let depth = 10_000
        let bytes =
            Array(repeating: UInt8(ascii: "["), count: depth) + Array(repeating: UInt8(ascii: "]"), count: depth)
        let error = failure(bytes)
        #expect(error?.kind == .tooDeep)
        #expect(error?.mark == Mark(line: 1, column: 65))
    }

    @Test func deepBlockNestingIsRefused() {
        var text = ""
        for level in 0..<200 { text += String(repeating: " ", count: level) + "k:\n" }
        let error = failure(Array(text.utf8))
        #expect(error?.kind == .tooDeep)
        #expect(error?.mark == Mark(line: 65, column: 65))
    }

    @Test func unclosedDeepNestingIsStillTooDeep() {
        // Truncated input: the depth check fires before libyaml reaches the missing brackets.
        let error = failure(Array(repeating: UInt8(ascii: "["), count: 100_000))
        #expect(error?.kind == .tooDeep)
    }

    @Test func invalidUTF8IsReportedAtItsPosition() {
        let bytes = Array("key: value\nother: x\nname: é".utf8) + [0xFF] + Array("x\n".utf8)
        let error = failure(bytes)
        #expect(error?.kind == .encoding)
        #expect(error?.mark == Mark(line: 3, column: 8))
        #expect(
            error?.message
                == "invalid UTF-8 at byte offset 28 (line 3, column 8) (invalid leading UTF-8 octet); save the file as UTF-8"
        )
    }

    @Test func truncatedUTF8SequenceAtEndOfInput() {
        let error = failure(Array("a: b".utf8) + [0xE2, 0x82])
        #expect(error?.kind == .encoding)
        #expect(error?.mark == Mark(line: 1, column: 5))
    }

    @Test func encodedSurrogateIsRefused() {
        // U+D800 encoded as UTF-8 (CESU-style) is not valid UTF-8.
        let error = failure(Array("a: ".utf8) + [0xED, 0xA0, 0x80])
        #expect(error?.kind == .encoding)
    }

    @Test func utf16IsRefused() {
        let bigEndian = failure([0xFE, 0xFF, 0x00, 0x61, 0x00, 0x3A])
        #expect(bigEndian?.kind == .encoding)
        #expect(bigEndian?.message.contains("UTF-16") == true)
        let littleEndian = failure([0xFF, 0xFE, 0x61, 0x00, 0x3A, 0x00])
        #expect(littleEndian?.kind == .encoding)
        let withoutMark = failure([0x61, 0x00, 0x3A, 0x00])
        #expect(withoutMark?.kind == .encoding)
    }

    @Test func controlCharactersAreRefused() {
        let error = failure(Array("a: b\nc: d".utf8) + [0x07] + Array("\n".utf8))
        #expect(error?.kind == .encoding)
        #expect(error?.mark == Mark(line: 2, column: 5))
        #expect(error?.message == "control character U+0007 at byte offset 9 (line 2, column 5) is not allowed in YAML")
    }

    @Test func manyDocumentsStayWithinTheNodeLimit() {
        let text = String(repeating: "---\n[1, 2, 3, 4, 5, 6, 7, 8, 9]\n", count: 100)
        let error = failure(Array(text.utf8), limits: YAMLLimits(maxNodes: 500))
        #expect(error?.kind == .tooManyNodes)
    }

    @Test func longScalarsAndKeysSurvive() throws {
        let long = String(repeating: "x", count: 100_000)
        // libyaml limits implicit keys to 1,024 characters; values are unbounded.
        let key = String(repeating: "k", count: 1_000)
        let documents = try YAMLParser.parse(Array("\(key): \(long)\n".utf8))
        guard case .mapping(let pairs)? = documents.first?.root?.content else {
            Issue.record("not a mapping")
            return
        }
        #expect(pairs.first?.value.scalarText?.count == 100_000)
        let duplicate = failure(Array("\(key): 1\n\(key): 2\n".utf8))
        #expect(duplicate?.kind == .duplicateKey)
        #expect((duplicate?.message.count ?? .max) < 200)
    }
}
