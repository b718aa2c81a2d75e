import CharterModel
import CharterPlan
import Foundation
import Testing

/// Loads an organization from YAML texts keyed by path.
func state(_ files: [String: String]) throws -> OrgState {
    try Loader.load(
        files.sorted { $0.key < $1.key }.map { SourceFile(path: $0.key, contents: .bytes(Array($0.value.utf8))) }
    )
    .get()
}

let base: [String: String] = [
    "org.yaml": """
    apiVersion: charter/v1
    kind: Organization
    metadata: {name: acme}
    spec: {displayName: Acme}
    """,
    "people.yaml": """
    apiVersion: charter/v1
    kind: Person
    metadata: {name: ada}
    spec: {displayName: Ada, email: ada@acme.example}
    ---
    apiVersion: charter/v1
    kind: Person
    metadata: {name: bob}
    spec: {displayName: Bob}
    """,
    "team.yaml": """
    apiVersion: charter/v1
    kind: Team
    metadata: {name: core, labels: {tier: "1"}}
    spec:
      displayName: Core
      lead: ada
      members: [ada]
    """,
]

@Suite struct PlannerTests {
    @Test func identicalStatesHaveNoChanges() throws {
        let s = try state(base)
        let plan = Planner.plan(desired: s, actual: s)
        #expect(plan.isEmpty)
        #expect(plan.hash == Planner.plan(desired: .empty, actual: .empty).hash)
    }

    @Test func defaultsNeverShowAsChanges() throws {
        var explicit = base
        explicit["team.yaml"] = base["team.yaml"]! + "\n  # defaults spelled out\n"
        explicit["org.yaml"] = """
            apiVersion: charter/v1
            kind: Organization
            metadata: {name: acme, labels: {}, annotations: {}}
            spec:
              displayName: Acme
              timeZone: UTC
              controller: {branch: main, pollInterval: 1m}
              governance: {requireSignedVotes: true}
            """
        #expect(Planner.plan(desired: try state(explicit), actual: try state(base)).isEmpty)
    }

    @Test func createUpdateDeleteWithFieldPaths() throws {
        var next = base
        next["team.yaml"] = """
            apiVersion: charter/v1
            kind: Team
            metadata: {name: core, labels: {tier: "2"}}
            spec:
              displayName: Core Team
              lead: ada
              members: [ada, cy]
              description: The core.
            """
        next["people.yaml"] = """
            apiVersion: charter/v1
            kind: Person
            metadata: {name: ada}
            spec: {displayName: Ada, email: ada@acme.example}
            ---
            apiVersion: charter/v1
            kind: Person
            metadata: {name: cy}
            spec: {displayName: Cy}
            """
        let plan = Planner.plan(desired: try state(next), actual: try state(base))
        #expect(plan.changes.map { "\($0.action.symbol)\($0.id)" } == ["-Person/bob", "+Person/cy", "~Team/core"])
        let team = plan.changes[2]
        #expect(
            team.fields.map { "\($0.operation) \($0.path)" } == [
                "replace /metadata/labels/tier", "add /spec/description", "replace /spec/displayName",
                "replace /spec/members",
            ])
        #expect(team.fields[3].old == ["ada"])
        #expect(team.fields[3].new == ["ada", "cy"])
        #expect(team.source?.file == "team.yaml")
    }

    @Test func hashIdentifiesExactlyTheChange() throws {
        var a = base
        a["team.yaml"] = base["team.yaml"]!.replacingOccurrences(of: "Core", with: "Core A")
        var b = base
        b["team.yaml"] = base["team.yaml"]!.replacingOccurrences(of: "Core", with: "Core B")
        let actual = try state(base)
        let planA = Planner.plan(desired: try state(a), actual: actual)
        let planA2 = Planner.plan(desired: try state(a), actual: actual)
        let planB = Planner.plan(desired: try state(b), actual: actual)
        #expect(planA.hash == planA2.hash)
        #expect(planA.hash != planB.hash)
        #expect(planA.hash.hasPrefix("sha256:") && planA.hash.count == 71)
        // The same edit from another base is another change.
        let otherBase = Planner.plan(desired: try state(a), actual: try state(b))
        #expect(otherBase.hash != planA.hash)
    }

    @Test func reversedPlanUndoes() throws {
        var next = base
        next["team.yaml"] = nil
        let forward = Planner.plan(desired: try state(next), actual: try state(base))
        let back = forward.reversed
        #expect(back.changes.map(\.action) == [.create])
        #expect(back.changes[0].new == (try state(base))[ResourceID(.team, "core")]?.value)
    }

    @Test func valuesSurviveCanonicalJSONRoundTrip() throws {
        for r in try state(base).resources.values {
            let text = CanonicalJSON.string(r.value)
            let back = try Value(json: text)
            #expect(back == r.value)
            #expect(CanonicalJSON.string(back) == text)
        }
        #expect(Value.double(2.0) == Value.int(2))
        #expect(
            CanonicalJSON.string(["b": 1.5, "a": "\u{1}é\"", "c": [true, nil]])
                == "{\"a\":\"\\u0001é\\\"\",\"b\":1.5,\"c\":[true,null]}")
    }
}
