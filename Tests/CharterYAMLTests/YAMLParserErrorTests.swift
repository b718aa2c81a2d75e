import CharterYAML
import Testing

@Suite("YAMLParser refusals")
struct YAMLParserErrorTests {
    /// Parses text that must fail and returns the error.
    func failure(_ text: String, limits: YAMLLimits = .default) -> YAMLError? {
        failure(Array(text.utf8), limits: limits)
    }

    func failure(_ bytes: [UInt8], limits: YAMLLimits = .default) -> YAMLError? {
        do {
            let documents = try YAMLParser.parse(bytes, limits: limits)
            Issue.record("expected an error, parsed \(documents.count) documents")
            return nil
        } catch {
            return error
        }
    }

    @Test func syntaxErrorCarriesProblemContextAndMark() {
        let error = failure("a:\n  b: 1\n c: 2\n")
        #expect(error?.kind == .syntax)
        #expect(error?.mark == Mark(line: 3, column: 2))
        #expect(error?.message == "did not find expected key while parsing a block mapping that started at 1:1")
        #expect(
            error?.description == "3:2: did not find expected key while parsing a block mapping that started at 1:1")
    }

    @Test func syntaxErrorsInFlowAndQuotedScalars() {
        let flow = failure("a: [1, 2\n")
        #expect(flow?.kind == .syntax)
        #expect(flow?.message == "did not find expected ',' or ']' while parsing a flow sequence that started at 1:4")
        let quoted = failure("a: \"unterminated\n")
        #expect(quoted?.mark == Mark(line: 2, column: 1))
        #expect(quoted?.message.hasPrefix("found unexpected end of stream while scanning a quoted scalar") == true)
    }

    @Test func tabIndentationGetsAHint() {
        let error = failure("a:\n\tb: 1\n")
        #expect(error?.kind == .syntax)
        #expect(error?.mark == Mark(line: 2, column: 1))
        #expect(error?.message.hasSuffix("(a tab: indent YAML with spaces)") == true)
    }

    @Test func syntaxErrorInALaterDocument() {
        let error = failure("a: 1\n---\nb: [\n")
        #expect(error?.kind == .syntax)
        #expect(error?.mark?.line == 4)
    }

    @Test func duplicateKeyNamesBothPositions() {
        let error = failure("kind: Team\nmetadata:\n  name: a\n  labels: {}\n  name: b\n")
        #expect(error?.kind == .duplicateKey)
        #expect(error?.mark == Mark(line: 5, column: 3))
        #expect(error?.message == "duplicate key 'name' (first at 3:3)")
    }

    @Test func duplicateKeysCompareTextNotStyle() {
        let error = failure("{\"a\": 1, a: 2}")
        #expect(error?.kind == .duplicateKey)
        #expect(error?.message == "duplicate key 'a' (first at 1:2)")
    }

    @Test func sameKeyInSiblingMappingsIsFine() throws {
        let documents = try YAMLParser.parse(Array("a: {name: 1}\nb: {name: 2}\nc: [{name: 3}, {name: 4}]\n".utf8))
        #expect(documents.count == 1)
    }

    @Test func collectionKeysAreRefused() {
        let sequenceKey = failure("? [a, b]\n: 1\n")
        #expect(sequenceKey?.kind == .syntax)
        #expect(sequenceKey?.mark == Mark(line: 1, column: 3))
        #expect(sequenceKey?.message == "mapping keys must be plain strings (found a sequence)")
        let mappingKey = failure("{{a: 1}: 2}\n")
        #expect(mappingKey?.message == "mapping keys must be plain strings (found a mapping)")
    }

    @Test func anchorIsRefusedAtItsMark() {
        let error = failure("base: &base {a: 1}\nother: *base\n")
        #expect(error?.kind == .alias)
        #expect(error?.mark == Mark(line: 1, column: 7))
        #expect(
            error?.message
                == "YAML anchors and aliases are not supported (found '&base'); write the value out in full"
        )
    }

    @Test func anchorOnScalarAndSequenceAreRefused() {
        #expect(failure("a: &x 1\n")?.kind == .alias)
        #expect(failure("a: &x [1]\n")?.kind == .alias)
    }

    @Test func aliasWithoutAnchorIsRefused() {
        let error = failure("a: *nowhere\n")
        #expect(error?.kind == .alias)
        #expect(error?.message.contains("'*nowhere'") == true)
        #expect(error?.mark == Mark(line: 1, column: 4))
    }

    @Test func nonStandardTagsAreRefused() {
        let custom = failure("x: !custom 1\n")
        #expect(custom?.kind == .tag)
        #expect(custom?.mark == Mark(line: 1, column: 4))
        #expect(custom?.message.hasPrefix("tag '!custom' is not supported") == true)
        #expect(failure("x: !!binary aGk=\n")?.kind == .tag)
        #expect(failure("x: !!timestamp 2024-01-01\n")?.kind == .tag)
        #expect(failure("x: !!set {a}\n")?.kind == .tag)
        #expect(failure("x: ! b\n")?.kind == .tag)
        #expect(failure("%TAG ! tag:example.com,2000:\n--- !foo 1\n")?.kind == .tag)
    }

    @Test func standardTagsMustFitTheirValue() {
        #expect(failure("x: !!int abc\n")?.message == "'abc' is not a valid !!int value")
        #expect(failure("x: !!bool yes\n")?.kind == .tag)
        #expect(failure("x: !!null 0\n")?.kind == .tag)
        #expect(failure("x: !!seq a\n")?.message == "tag !!seq cannot be used on a scalar")
        #expect(failure("x: !!str [a]\n")?.message == "tag !!str cannot be used on a sequence")
        #expect(failure("x: !!seq {a: 1}\n")?.kind == .tag)
    }

    @Test func oversizedInputIsRefusedBeforeParsing() {
        let limits = YAMLLimits(maxBytes: 10)
        let error = failure("a: 12345678901\n", limits: limits)
        #expect(error?.kind == .tooLarge)
        #expect(error?.mark == nil)
        #expect(error?.message == "the file is 15 bytes, more than the limit of 10 bytes")
        // Not even well-formed: the size check comes first.
        #expect(failure("[[[[[[[", limits: YAMLLimits(maxBytes: 3))?.kind == .tooLarge)
    }

    @Test func depthLimitAppliesAtTheCollectionThatExceedsIt() {
        let limits = YAMLLimits(maxDepth: 3)
        #expect((try? YAMLParser.parse(Array("a: {b: {c: 1}}\n".utf8), limits: limits)) != nil)
        let error = failure("a: {b: {c: [1]}}\n", limits: limits)
        #expect(error?.kind == .tooDeep)
        #expect(error?.mark == Mark(line: 1, column: 12))
        #expect(error?.message == "collections are nested more than 3 levels deep")
    }

    @Test func nodeLimitCountsEveryNodeOfTheStream() {
        let limits = YAMLLimits(maxNodes: 5)
        // mapping + 2 keys + 2 values = 5 nodes
        #expect((try? YAMLParser.parse(Array("a: 1\nb: 2\n".utf8), limits: limits)) != nil)
        let error = failure("a: 1\nb: 2\n---\nc\n", limits: limits)
        #expect(error?.kind == .tooManyNodes)
        #expect(error?.mark == Mark(line: 4, column: 1))
    }
}
