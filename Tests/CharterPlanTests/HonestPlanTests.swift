import CharterFoundation
import CharterModel
import CharterPlan
import CharterTestSupport
import Testing

/// What a board reads in a plan is what it approves: each display attack, as a value and as a
/// key, is printed so that it parses back to the exact value, on one line, with nothing hidden.
@Suite struct HonestPlanTests {
    static let attacks = DisplayAttacks.values.map(\.value)

    func plan(_ changes: [ResourceChange]) -> String {
        PlanRenderer(color: false).human(
            ChangeSet(changes: changes), context: PlanContext(source: "repo", desiredRevision: nil, actualRevision: nil)
        )
    }

    func team(_ spec: Value) -> Value {
        ["apiVersion": "charter/v1", "kind": "Team", "metadata": ["name": "core"], "spec": spec]
    }

    /// The value printed after `prefix` on the plan's lines, parsed back as JSON.
    func printedValues(_ text: String, after prefix: String) throws -> [Value] {
        try text.split(separator: "\n", omittingEmptySubsequences: false).compactMap { line -> Value? in
            guard let range = line.range(of: prefix) else { return nil }
            return try Value(json: String(line[range.upperBound...]))
        }
    }

    @Test(arguments: attacks)
    func aCreatedValueReadsBackExactly(_ attack: String) throws {
        let change = ResourceChange(
            id: ResourceID(.team, "core"), action: .create, old: nil, new: team(["displayName": .string(attack)]),
            fields: [], source: nil)
        let text = plan([change])
        #expect(text.unicodeScalars.allSatisfy { !Self.hides($0) }, "\(text.debugDescription)")
        #expect(try printedValues(text, after: "+ /spec/displayName: ") == [.string(attack)])
        #expect(text.split(separator: "\n").filter { $0.contains("+ /spec/") }.count == 1)
    }

    @Test(arguments: attacks)
    func anUpdatedValueAndAKeyReadBackExactly(_ attack: String) throws {
        let change = ResourceChange(
            id: ResourceID(.team, "core"), action: .update, old: team(["displayName": "Core"]),
            new: team(["displayName": .string(attack)]),
            fields: [
                FieldChange(
                    path: JSONPointer.root.appending("spec").appending("displayName"), old: "Core", new: .string(attack)
                ),
                FieldChange(path: JSONPointer.root.appending("spec").appending(attack), old: nil, new: "x"),
            ],
            source: nil)
        let text = plan([change])
        #expect(text.unicodeScalars.allSatisfy { !Self.hides($0) }, "\(text.debugDescription)")
        let updated = try #require(text.split(separator: "\n").first { $0.contains("~ /spec/displayName: ") })
        let after = try #require(updated.range(of: " → "))
        #expect(try Value(json: String(updated[after.upperBound...])) == .string(attack))
        // The added key's line: the escaped pointer reads back to the exact key.
        let added = try #require(text.split(separator: "\n").first { $0.contains("+ /spec/") })
        let shownPath = String(added.split(separator: "+ ", maxSplits: 1)[1].dropLast(#": "x""#.count))
        let pointer = try #require(DisplayText.unescaped(shownPath))
        #expect(pointer == JSONPointer.root.appending("spec").appending(attack).description)
    }

    @Test(arguments: DisplayAttacks.lookalikes)
    func aValueThatImitatesAnotherIsFlagged(_ attack: (label: String, value: String)) throws {
        let change = ResourceChange(
            id: ResourceID(.team, "core"), action: .create, old: nil, new: team(["displayName": .string(attack.value)]),
            fields: [], source: nil)
        let text = plan([change])
        #expect(text.contains("        ! /spec/displayName: "), "\(attack.label): \(text)")
        #expect(text.contains("Warning: 1 value holds characters that pass for others"))
        let json = PlanRenderer(color: false).jsonValue(
            ChangeSet(changes: [change]),
            context: PlanContext(source: "repo", desiredRevision: nil, actualRevision: nil))
        let warnings = json["changes"]?.array?.first?["warnings"]?.array
        #expect(warnings?.first?["path"] == "/spec/displayName")
        // The JSON keeps the exact value.
        #expect(json["changes"]?.array?.first?["after"]?["spec"]?["displayName"] == .string(attack.value))
    }

    @Test func theTrojanSourceExampleReadsAsWhatItIs() {
        let change = ResourceChange(
            id: ResourceID(.team, "core"), action: .update, old: team(["displayName": "Research Lab"]),
            new: team(["displayName": "Research \u{202E}baL\u{202C}"]),
            fields: [
                FieldChange(
                    path: JSONPointer.root.appending("spec").appending("displayName"), old: "Research Lab",
                    new: "Research \u{202E}baL\u{202C}")
            ],
            source: nil)
        #expect(plan([change]).contains(#"~ /spec/displayName: "Research Lab" → "Research \u202EbaL\u202C""#))
    }

    @Test func honestTextInOtherScriptsIsNeitherEscapedNorFlagged() {
        for text in DisplayAttacks.honestNonASCII {
            let change = ResourceChange(
                id: ResourceID(.team, "core"), action: .create, old: nil, new: team(["displayName": .string(text)]),
                fields: [], source: nil)
            let shown = plan([change])
            #expect(shown.contains(DisplayJSON.quoted(text)) && !shown.contains("Warning:"), "\(shown)")
            #expect(shown.contains(text), "\(text) was escaped: \(shown)")
        }
    }

    static func hides(_ scalar: Unicode.Scalar) -> Bool {
        DisplayAttacks.bidiControls.contains(scalar) || DisplayAttacks.invisible.contains(scalar)
            || DisplayAttacks.spaces.contains(scalar) || (DisplayAttacks.controls.contains(scalar) && scalar != "\n")
    }
}
