import CharterGovernance
import CharterModel
import CharterPlan
import Testing

@Suite struct ChangeGuardsTests {
    typealias F = PolicyFixture

    static func team(_ name: String) -> String {
        """
        apiVersion: charter/v1
        kind: Team
        metadata: {name: \(name)}
        spec: {displayName: \(name)}
        """
    }

    /// The base plus six teams t1…t6: eight Teams in all.
    static let eightTeams: [String: String] = PolicyFixture.edit(
        Dictionary(uniqueKeysWithValues: (1...6).map { ("teams/t\($0).yaml", Optional(team("t\($0)"))) }))

    static func deleting(_ n: Int, from files: [String: String] = eightTeams) -> [String: String] {
        PolicyFixture.edit(
            Dictionary(uniqueKeysWithValues: (1...n).map { ("teams/t\($0).yaml", String?.none) }), from: files)
    }

    @Test func exactlyTheAllowedShareMayBeRemoved() throws {
        // 2 of 8 is 25%: allowed.
        let (r, plan) = try F.route(from: Self.eightTeams, to: Self.deleting(2))
        #expect(plan.count(.delete) == 2)
        #expect(r.guardViolations.isEmpty)
        #expect(r.isRoutable)
        #expect(r.boardNames == ["change"])
    }

    @Test func removingMoreThanTheShareIsForbidden() throws {
        let (r, _) = try F.route(from: Self.eightTeams, to: Self.deleting(3))
        let v = try #require(r.guardViolations.first)
        #expect(r.guardViolations.count == 1)
        #expect(v.kind == .massRemoval)
        #expect(v.subject == "Team")
        #expect(v.changes == (1...3).map { ResourceID(.team, "t\($0)") })
        #expect(v.message == "deletes 3 of 8 Teams (37%), more than the 25% allowed")
        #expect(r.isForbidden)
        #expect(
            r.forbidden.map(\.message) == [
                "guard `massRemoval`: deletes 3 of 8 Teams (37%), more than the 25% allowed; refused because rule "
                    + "`change-control/people-and-teams`, which decides Team/t1, does not allow `massRemoval` with a board"
            ])
        #expect(r.forbidden.first?.cause == .guardViolated(.massRemoval))
    }

    @Test func aRuleListingTheGuardLiftsItWithItsBoards() throws {
        let actual = PolicyRouterTests.withPolicy(
            """
              - name: team-cleanup
                match: {kinds: [Team], operations: [delete]}
                action: require
                boards: [exec]
                allowGuards: [massRemoval]
            """, actual: Self.eightTeams)
        let (r, _) = try F.route(from: actual, to: Self.deleting(3, from: actual))
        #expect(r.guardViolations.map(\.kind) == [.massRemoval])
        #expect(r.isRoutable && !r.isForbidden)
        #expect(r.boardNames == ["exec"])
        let exec = try #require(r.requirement(for: "exec"))
        #expect(exec.liftedGuards == [.massRemoval])
        #expect(exec.requiredBy.map(\.description) == ["aa/team-cleanup"])
        #expect(exec.changes.count == 3)
    }

    @Test func anAutoApproveRuleCannotLiftAGuardWithoutABoard() throws {
        // Validation refuses such a rule; the router does not rely on it.
        let files = PolicyRouterTests.withPolicy(
            """
              - {name: sloppy, match: {kinds: [Team], operations: [delete]}, action: autoApprove, allowGuards: [massRemoval]}
            """, actual: Self.eightTeams)
        let actual = F.lenient(files)
        #expect(actual.policies["aa"]?.changeRules.first?.allowGuards == ["massRemoval"])
        func route(_ n: Int) throws -> Routing {
            PolicyRouter.route(
                Planner.plan(desired: F.lenient(Self.deleting(n, from: files)), actual: actual), actual: actual)
        }
        #expect(try route(2).isAutoApproved)
        let three = try route(3)
        #expect(three.isForbidden)
        #expect(!three.isAutoApproved)
    }

    @Test func everyOffendingChangeMustBeAllowed() throws {
        // t1 matches the lifting rule, t2 and t3 fall through to people-and-teams: still forbidden.
        let actual = PolicyRouterTests.withPolicy(
            """
              - {name: t1-only, match: {kinds: [Team], names: [t1]}, action: require, boards: [exec], allowGuards: [massRemoval]}
            """, actual: Self.eightTeams)
        let (r, _) = try F.route(from: actual, to: Self.deleting(3, from: actual))
        #expect(r.isForbidden)
        #expect(r.forbidden.first?.message.contains("Team/t2") == true)
    }

    @Test func theAppliedPercentageCountsNotTheDesiredOne() throws {
        let org = F.base["organization.yaml"]!
        let loose = F.edit(
            [
                "organization.yaml": org.replacingOccurrences(
                    of: "{displayName: Acme}", with: "{displayName: Acme, governance: {massRemovalPercent: 50}}")
            ],
            from: Self.eightTeams)
        // 4 of 8 = 50%: allowed under the applied 50, even though the change lowers it to 10.
        var tightened = Self.deleting(4, from: loose)
        tightened["organization.yaml"] = org.replacingOccurrences(
            of: "{displayName: Acme}", with: "{displayName: Acme, governance: {massRemovalPercent: 10}}")
        let (r, _) = try F.route(from: loose, to: tightened)
        #expect(!r.guardViolations.contains { $0.kind == .massRemoval })
        // And raising it in the same change does not allow more.
        var raised = Self.deleting(3)
        raised["organization.yaml"] = loose["organization.yaml"]
        let (s, _) = try F.route(from: Self.eightTeams, to: raised)
        #expect(s.guardViolations.map(\.message) == ["deletes 3 of 8 Teams (37%), more than the 25% allowed"])
    }

    @Test func percentagesInMessages() throws {
        // Deleting the only Organization: 1 of 1.
        let (r, _) = try F.route(to: F.edit(["organization.yaml": nil]), validDesired: false)
        #expect(r.guardViolations.map(\.message) == ["deletes 1 of 1 Organization (100%), more than the 25% allowed"])
        // Rounding down would read "25%, more than the 25% allowed".
        var files: [String: String] = F.base
        for i in 1...97 { files["people/p\(i).yaml"] = F.person("p\(i)", "P \(i)") }
        let actual = try F.state(files)
        #expect(actual.count(of: .person) == 104)
        var gone = files
        for i in 1...27 { gone["people/p\(i).yaml"] = nil }
        let plan = Planner.plan(desired: try F.state(gone), actual: actual)
        #expect(
            ChangeGuards.massRemovals(plan, actual: actual).map(\.message) == [
                "deletes 27 of 104 People (25.9%), more than the 25% allowed"
            ])
        gone["people/p27.yaml"] = files["people/p27.yaml"]
        let plan26 = Planner.plan(desired: try F.state(gone), actual: actual)
        #expect(ChangeGuards.massRemovals(plan26, actual: actual).isEmpty)
    }

    static let soloBoard: [String: String] = PolicyFixture.edit([
        "teams/ops.yaml": """
        apiVersion: charter/v1
        kind: Team
        metadata: {name: ops}
        spec: {displayName: Ops, members: [sam]}
        """,
        "boards/ops.yaml": """
        apiVersion: charter/v1
        kind: Board
        metadata: {name: ops}
        spec:
          displayName: Ops Board
          members: [{team: ops}]
          quorum: {rule: majority}
        """,
    ])

    @Test func removingTheLastMemberFromTheOnlySeatedTeam() throws {
        let desired = F.edit(
            [
                "teams/ops.yaml": Self.soloBoard["teams/ops.yaml"]!.replacingOccurrences(
                    of: ", members: [sam]", with: "")
            ],
            from: Self.soloBoard)
        let (r, _) = try F.route(from: Self.soloBoard, to: desired, validDesired: false)
        #expect(
            r.guardViolations == [
                GuardViolation(
                    kind: .lastBoardMember, subject: "Board/ops", changes: [ResourceID(.team, "ops")],
                    message: "leaves Board/ops with no members (it has 1: sam)")
            ])
        #expect(r.isForbidden)
        #expect(r.forbidden.first?.cause == .guardViolated(.lastBoardMember))
    }

    @Test func deletingTheLastMembersPerson() throws {
        let (r, _) = try F.route(
            from: Self.soloBoard, to: F.edit(["people/sam.yaml": nil], from: Self.soloBoard), validDesired: false)
        let v = try #require(r.guardViolations.first { $0.kind == .lastBoardMember })
        #expect(v.changes == [ResourceID(.person, "sam")])
        #expect(r.isForbidden)

        // Allowed by a rule naming the guard and a board: that board must approve.
        let allowing = PolicyRouterTests.withPolicy(
            """
              - name: offboarding
                match: {kinds: [Person], operations: [delete]}
                action: require
                boards: [exec]
                allowGuards: [lastBoardMember]
            """, actual: Self.soloBoard)
        let (a, _) = try F.route(
            from: allowing, to: F.edit(["people/sam.yaml": nil], from: allowing), validDesired: false)
        #expect(a.isRoutable)
        #expect(a.requirement(for: "exec")?.liftedGuards == [.lastBoardMember])
    }

    @Test func theGovernanceRuleLiftsQuorumBreakButNotLastBoardMember() throws {
        // change: atLeast 2 of 4. Raising the count to 5 breaks quorum; `governance` allows that with exec.
        let raised = F.edit([
            "boards/change.yaml": F.base["boards/change.yaml"]!.replacingOccurrences(of: "count: 2", with: "count: 5")
        ])
        let (r, _) = try F.route(to: raised, validDesired: false)
        #expect(
            r.guardViolations.map(\.description) == [
                "quorumBreak: leaves Board/change with 4 members, fewer than the 5 approvals its quorum needs"
            ])
        #expect(r.guardViolations.first?.changes == [ResourceID(.board, "change")])
        #expect(r.isRoutable)
        #expect(r.boardNames == ["exec"])
        #expect(r.requirement(for: "exec")?.liftedGuards == [.quorumBreak])

        // Emptying the board is `lastBoardMember`, which `governance` does not lift. (The schema refuses an
        // empty member list, so the desired state is made by hand.)
        let actual = try F.state(F.base)
        let exec = ResourceID(.board, "exec")
        var desired = actual
        desired.update([
            exec: Resource(id: exec, value: Self.setting(actual[exec]!.value, ["spec", "members"], to: []))
        ])
        let e = PolicyRouter.route(Planner.plan(desired: desired, actual: actual), actual: actual)
        #expect(e.guardViolations.map(\.kind) == [.lastBoardMember])
        #expect(e.guardViolations.first?.message == "leaves Board/exec with no members (it has 3: jonas, maria, priya)")
        #expect(e.rules(.board, "exec") == ["change-control/governance"])
        #expect(e.isForbidden)
        #expect(
            e.forbidden.map(\.message) == [
                "guard `lastBoardMember`: leaves Board/exec with no members (it has 3: jonas, maria, priya); refused "
                    + "because rule `change-control/governance`, which decides Board/exec, does not allow "
                    + "`lastBoardMember` with a board"
            ])
    }

    /// `value` with the member at `path` replaced.
    static func setting(_ value: Value, _ path: [String], to new: Value) -> Value {
        guard let key = path.first, case .object(var o) = value else { return new }
        o[key] = setting(o[key] ?? .object([:]), Array(path.dropFirst()), to: new)
        return .object(o)
    }

    @Test func peopleLeavingBreakQuorum() throws {
        let pair = F.edit([
            "boards/pair.yaml": """
            apiVersion: charter/v1
            kind: Board
            metadata: {name: pair}
            spec:
              displayName: Pair
              members: [{person: tomasz}, {person: sam}]
              quorum: {rule: atLeast, count: 2}
            """
        ])
        let (r, _) = try F.route(from: pair, to: F.edit(["people/sam.yaml": nil], from: pair), validDesired: false)
        #expect(
            r.guardViolations == [
                GuardViolation(
                    kind: .quorumBreak, subject: "Board/pair", changes: [ResourceID(.person, "sam")],
                    message: "leaves Board/pair with 1 member, fewer than the 2 approvals its quorum needs")
            ])
        #expect(r.isForbidden)
        #expect(r.forbidden.map(\.message).contains { $0.hasPrefix("guard `quorumBreak`: leaves Board/pair") })
    }

    @Test func aNewBoardWithoutMembersBreaksQuorum() throws {
        let actual = try F.state(F.base)
        let exec = actual[ResourceID(.board, "exec")]!.value
        let empty = ResourceID(.board, "empty")
        var value = Self.setting(exec, ["spec", "members"], to: [])
        value = Self.setting(value, ["metadata", "name"], to: "empty")
        var desired = actual
        desired.update([empty: Resource(id: empty, value: value)])
        let plan = Planner.plan(desired: desired, actual: actual)
        #expect(plan.changes.map(\.id) == [empty])
        let r = PolicyRouter.route(plan, actual: actual)
        #expect(
            r.guardViolations.map(\.description) == [
                "quorumBreak: leaves Board/empty with no members, so it can never reach quorum"
            ])
        // `governance` lists quorumBreak: exec must approve.
        #expect(r.isRoutable)
        #expect(r.requirement(for: "exec")?.liftedGuards == [.quorumBreak])
    }

    @Test func unrelatedChangesViolateNothing() throws {
        let actual = try F.state(F.base)
        let desired = try F.state(
            F.edit([
                "people/priya.yaml": F.person("priya", "Priya R."),
                "teams/leadership.yaml": F.base["teams/leadership.yaml"]!.replacingOccurrences(
                    of: "Leadership", with: "Leads"),
            ]))
        let plan = Planner.plan(desired: desired, actual: actual)
        #expect(ChangeGuards.check(plan, actual: actual).isEmpty)
        #expect(ChangeGuards.check(plan, actual: actual, desired: desired).isEmpty)
        // The desired state the guards derive equals the loaded one.
        let derived = ChangeGuards.desired(applying: plan, to: actual)
        #expect(Planner.plan(desired: derived, actual: desired).isEmpty)
    }
}
