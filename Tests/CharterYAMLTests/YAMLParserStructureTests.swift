import CharterYAML
import Testing

@Suite("YAMLParser structure and marks")
struct YAMLParserStructureTests {
    static let stream = """
        apiVersion: charter/v1
        kind: Team
        metadata:
          name: platform
          labels: {tier: core, "quoted key": 'single'}
        spec:
          members:
            - alice
            - "bob"
          note: |
            line one
            line two
        ---
        # a comment before the second document
        kind: Person
        metadata: {name: zoë, tags: [a, b]}
        ---
        ...
        """

    func parse(_ text: String, limits: YAMLLimits = .default) throws(YAMLError) -> [YAMLDocument] {
        try YAMLParser.parse(Array(text.utf8), limits: limits)
    }

    func value(_ node: YAMLNode?, _ key: String) -> YAMLNode? {
        guard case .mapping(let pairs)? = node?.content else { return nil }
        return pairs.first { $0.key.scalarText == key }?.value
    }

    @Test func documentsAndIndexes() throws {
        let documents = try parse(Self.stream)
        #expect(documents.count == 3)
        #expect(documents.map(\.index) == [0, 1, 2])
        #expect(documents[0].mark == Mark(line: 1, column: 1))
        #expect(documents[1].mark == Mark(line: 13, column: 1))
        #expect(documents[2].root == nil)
        #expect(documents[2].mark == Mark(line: 17, column: 1))
    }

    @Test func firstDocumentStructure() throws {
        let root = try #require(try parse(Self.stream).first?.root)
        guard case .mapping(let pairs) = root.content else {
            Issue.record("root is not a mapping")
            return
        }
        #expect(pairs.map { $0.key.scalarText } == ["apiVersion", "kind", "metadata", "spec"])
        #expect(pairs[0].key.mark == Mark(line: 1, column: 1))
        #expect(pairs[0].value.mark == Mark(line: 1, column: 13))
        #expect(root.mark == Mark(line: 1, column: 1))

        let metadata = value(root, "metadata")
        #expect(metadata?.mark == Mark(line: 4, column: 3))
        let name = value(metadata, "name")
        #expect(name?.scalarText == "platform")
        #expect(name?.mark == Mark(line: 4, column: 9))

        let labels = value(metadata, "labels")
        #expect(labels?.mark == Mark(line: 5, column: 11))
        if case .scalar(let text, let style)? = value(labels, "quoted key")?.content {
            #expect(text == "single")
            #expect(style == .singleQuoted)
        } else {
            Issue.record("missing quoted key")
        }

        let members = value(value(root, "spec"), "members")
        guard case .sequence(let items)? = members?.content else {
            Issue.record("members is not a sequence")
            return
        }
        #expect(items.map(\.scalarText) == ["alice", "bob"])
        #expect(items.map(\.mark) == [Mark(line: 8, column: 7), Mark(line: 9, column: 7)])
        if case .scalar(_, let style) = items[1].content { #expect(style == .doubleQuoted) }

        if case .scalar(let text, let style)? = value(value(root, "spec"), "note")?.content {
            #expect(text == "line one\nline two\n")
            #expect(style == .literal)
        } else {
            Issue.record("missing note")
        }
    }

    @Test func columnsCountUnicodeScalars() throws {
        let documents = try parse(Self.stream)
        let metadata = value(documents[1].root, "metadata")
        #expect(value(metadata, "name")?.scalarText == "zoë")
        // "zoë" is 4 bytes but 3 scalars: in bytes the sequence would start at column 30.
        #expect(value(metadata, "tags")?.mark == Mark(line: 16, column: 29))
    }

    @Test func markDescriptionAndOrder() {
        #expect(Mark(line: 3, column: 9).description == "3:9")
        #expect(Mark(line: 2, column: 40) < Mark(line: 3, column: 1))
        #expect(Mark(line: 3, column: 1) < Mark(line: 3, column: 2))
    }

    @Test func emptyInputsHaveNoDocuments() throws {
        #expect(try parse("").isEmpty)
        #expect(try parse("# only a comment\n").isEmpty)
        let bare = try parse("---\n")
        #expect(bare.count == 1)
        #expect(bare[0].root == nil)
    }

    @Test func utf8ByteOrderMarkIsAccepted() throws {
        let documents = try YAMLParser.parse([0xEF, 0xBB, 0xBF] + Array("a: 1\n".utf8))
        #expect(documents.count == 1)
        #expect(value(documents[0].root, "a")?.mark == Mark(line: 1, column: 4))
    }

    @Test func standardTagsAreKept() throws {
        let root = try parse("a: !!str 12\nb: !!int \"7\"\nc: !!map {x: 1}\nd: !!float 3\n").first?.root
        #expect(value(root, "a")?.tag == "tag:yaml.org,2002:str")
        #expect(value(root, "a")?.plainResolution == .string("12"))
        #expect(value(root, "b")?.plainResolution == .int(7))
        #expect(value(root, "c")?.tag == "tag:yaml.org,2002:map")
        #expect(value(root, "d")?.plainResolution == .float(3))
        #expect(value(root, "a")?.tag != nil && root?.tag == nil)
    }

    @Test func countEventsCountsLibYAMLEvents() throws {
        // stream start, document start, mapping start, 2 scalars, mapping end, document end, stream end
        #expect(try YAMLParser.countEvents(Array("a: 1\n".utf8)) == 8)
        #expect(try YAMLParser.countEvents([]) == 2)
    }

    @Test func mappingsWithManyKeysStillFindDuplicates() throws {
        let keys = (0..<40).map { "k\($0): \($0)\n" }.joined()
        #expect(try parse(keys).count == 1)
        #expect(throws: YAMLError.self) { try parse(keys + "k3: again\n") }
        do {
            _ = try parse(keys + "k39: again\n")
        } catch {
            #expect(error.kind == .duplicateKey)
            #expect(error.message == "duplicate key 'k39' (first at 40:1)")
            #expect(error.mark == Mark(line: 41, column: 1))
        }
    }
}
