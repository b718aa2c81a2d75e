import CharterTestSupport
import Foundation
import Testing

/// What a board member reads through the CLI is what Charter applies (issue 14): hidden and
/// direction-changing characters are shown, look-alike letters flagged, keys cannot forge lines,
/// and the machine-readable outputs still carry the exact values.
@Suite struct HonestDisplayCLITests {
    static let trojan = "Research \u{202E}baL\u{202C}"

    @Test func aPlanShowsTheTrojanSourceOverrideAndFlagsLookAlikeLetters() throws {
        let repo = try exampleClone()
        let charter = CharterBinary()
        try charter.run(["apply", "--bootstrap", repo.root.path])
        let team = try repo.read("teams/research.yaml")
        try repo.write(
            "teams/research.yaml",
            team.replacingOccurrences(of: "displayName: Research", with: #"displayName: "Research \u202EbaL\u202C""#))
        let platform = try repo.read("teams/platform.yaml")
        try repo.write(
            "teams/platform.yaml",
            platform.replacingOccurrences(of: "displayName: Platform", with: "displayName: Pl\u{0430}tform"))
        let plan = try charter.run(["plan", repo.root.path])
        #expect(plan.status == 0, "\(plan.stderr)")
        #expect(!plan.stdout.unicodeScalars.contains("\u{202E}"), "\(plan.stdout)")
        #expect(
            plan.stdout.contains(#"~ /spec/displayName: "Research" → "Research \u202EbaL\u202C""#), "\(plan.stdout)")
        #expect(plan.stdout.contains("! /spec/displayName: mixes Cyrillic and Latin letters"), "\(plan.stdout)")
        #expect(plan.stdout.contains("U+0430 CYRILLIC SMALL LETTER A"))
        #expect(plan.stdout.contains("Warning: 1 value holds characters that pass for others"))

        // The JSON plan carries the exact values and the warning.
        let json = try charter.run(["plan", repo.root.path, "-o", "json"])
        let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        let changes = object?["changes"] as? [[String: Any]] ?? []
        let after = changes.compactMap { ($0["after"] as? [String: Any])?["spec"] as? [String: Any] }
        #expect(after.contains { $0["displayName"] as? String == Self.trojan })
        #expect(after.contains { $0["displayName"] as? String == "Pl\u{0430}tform" })
        let warnings = changes.flatMap { $0["warnings"] as? [[String: Any]] ?? [] }
        #expect(warnings.count == 1)
        #expect(!json.stdout.unicodeScalars.contains("\u{202E}"), "JSON escapes it as \\u202E")
    }

    @Test func aKeyWithANewlineCannotForgeADiagnosticLine() throws {
        let repo = try exampleClone()
        let team = try repo.read("teams/research.yaml")
        try repo.write(
            "teams/research.yaml",
            team + "  \"colour\\nteams/platform.yaml:1:1: error: forged\\u202E\": blue\n")
        let r = try CharterBinary().run(["validate", repo.root.path])
        #expect(r.status == 1)
        let lines = r.stderr.split(separator: "\n")
        #expect(lines.filter { $0.hasPrefix("teams/platform.yaml") }.isEmpty, "\(r.stderr)")
        let line = try #require(lines.first { $0.contains("colour") })
        #expect(line.contains(#"colour\nteams/platform.yaml:1:1: error: forged\u{202E}"#), "\(line)")
    }

    @Test func getShowsHiddenCharactersAndItsYAMLAndJSONReadBackExactly() throws {
        let repo = try exampleClone()
        let team = try repo.read("teams/research.yaml")
        try repo.write(
            "teams/research.yaml",
            team.replacingOccurrences(
                of: "displayName: Research", with: #"displayName: "Research \u202EbaL\u202C\u200B\U000E0041""#))
        _ = try repo.commitAll("hidden characters in a display name")
        let charter = CharterBinary()
        let applied = try charter.run(["apply", "--bootstrap", repo.root.path])
        #expect(applied.status == 0, "\(applied.stderr)")
        let exact = Self.trojan + "\u{200B}\u{E0041}"

        let yaml = try charter.run(["get", "team", "research", "-o", "yaml"])
        #expect(yaml.stdout.contains(#"displayName: "Research \u202EbaL\u202C\u200B\U000E0041""#), "\(yaml.stdout)")
        let json = try charter.run(["get", "team", "research", "-o", "json"])
        let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        #expect((object?["spec"] as? [String: Any])?["displayName"] as? String == exact)

        // The YAML, applied again, is the same state: nothing was lost to the escaping.
        let out = makeTemporaryDirectory("honest-roundtrip")
        for kind in [
            "organization", "person", "team", "role", "board", "policy", "template", "routine", "capacitysource",
            "notification",
            "toolserver",
        ] {
            let part = try charter.run(["get", kind, "-o", "yaml"])
            try part.stdout.write(to: out.appendingPathComponent("\(kind).yaml"), atomically: true, encoding: .utf8)
        }
        let plan = try charter.run(["plan", out.path, "--detailed-exitcode"])
        #expect(plan.status == 0, "\(plan.stdout)\(plan.stderr)")

        let table = try charter.run(["get", "teams"])
        #expect(!table.stdout.unicodeScalars.contains("\u{202E}") && !table.stdout.unicodeScalars.contains("\u{200B}"))
    }
}
