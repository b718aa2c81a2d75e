import CharterModel
import CharterPlan
import Foundation
import Testing

/// Plan output is an interface: people read the text and tools parse the JSON. These golden files
/// pin both; regenerate them with `CHARTER_UPDATE_GOLDEN=1 swift test --filter GoldenTests` and
/// review the diff.
@Suite struct GoldenTests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden")

    func check(_ actual: String, _ name: String) throws {
        let url = Self.directory.appendingPathComponent(name)
        if ProcessInfo.processInfo.environment["CHARTER_UPDATE_GOLDEN"] == "1" {
            try actual.write(to: url, atomically: true, encoding: .utf8)
        }
        let expected = try String(contentsOf: url, encoding: .utf8)
        #expect(
            actual == expected, "golden \(name) differs; run with CHARTER_UPDATE_GOLDEN=1 to see and review the change")
    }

    var planned: (ChangeSet, PlanContext) {
        get throws {
            var next = base
            next["team.yaml"] = """
                apiVersion: charter/v1
                kind: Team
                metadata: {name: core}
                spec:
                  displayName: Core Team
                  lead: bob
                  members: [ada, bob]
                """
            next["people.yaml"] =
                base["people.yaml"]! + """

                    ---
                    apiVersion: charter/v1
                    kind: Person
                    metadata: {name: cy}
                    spec: {displayName: Cy, type: human, teams: [core]}
                    """
            next["org.yaml"] = nil
            let plan = Planner.plan(desired: lenientState(next), actual: try state(base))
            let context = PlanContext(
                source: "org", desiredRevision: "0123456789abcdef0123456789abcdef01234567",
                actualRevision: "fedcba9876543210fedcba9876543210fedcba98")
            return (plan, context)
        }
    }

    @Test func humanPlan() throws {
        let (plan, context) = try planned
        try check(PlanRenderer(color: false).human(plan, context: context), "plan.txt")
    }

    @Test func coloredPlanUsesAnsiOnlyWhenAsked() throws {
        let (plan, context) = try planned
        #expect(PlanRenderer(color: true).human(plan, context: context).contains("\u{1B}[32m+ Person/cy\u{1B}[0m"))
        #expect(!PlanRenderer(color: false).human(plan, context: context).contains("\u{1B}"))
    }

    @Test func jsonPlan() throws {
        let (plan, context) = try planned
        try check(PrettyJSON.string(PlanRenderer(color: false).jsonValue(plan, context: context)), "plan.json")
    }

    @Test func noChanges() throws {
        let s = try state(base)
        let context = PlanContext(
            source: "org", desiredRevision: nil, includesUncommitted: true, actualRevision: "fedcba98")
        #expect(
            PlanRenderer(color: false).human(Planner.plan(desired: s, actual: s), context: context)
                == "No changes. The applied state matches org (including uncommitted changes).\n")
    }
}

/// The resources of files whose cross-resource checks fail: golden plans delete the Organization,
/// which a real load refuses.
func lenientState(_ files: [String: String]) -> OrgState {
    Loader.load(
        files.sorted { $0.key < $1.key }.map { SourceFile(path: $0.key, contents: .bytes(Array($0.value.utf8))) }
    )
    .state
}
