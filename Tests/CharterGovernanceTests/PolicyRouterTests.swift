import CharterGovernance
import CharterModel
import CharterPlan
import Testing

/// A small organization modelled on the example repository: boards `exec` (unanimous),
/// `change` (at least 2, veto) and `architecture` (the engineering team, majority), and a
/// change-control policy like the example's.
enum PolicyFixture {
    static let changeControl = """
        apiVersion: charter/v1
        kind: Policy
        metadata: {name: change-control}
        spec:
          changeRules:
            - name: keep-the-organization
              match: {kinds: [Organization], operations: [delete]}
              action: forbid
            - name: organization-settings
              match: {kinds: [Organization]}
              action: require
              boards: [exec, change]
            - name: governance
              match: {kinds: [Board, Policy]}
              action: require
              boards: [exec]
              allowGuards: [quorumBreak]
            - name: self-service-routine-toggle
              match:
                kinds: [Routine]
                labels: {self-service: "true"}
                fields: [/spec/enabled]
                operations: [update]
              action: autoApprove
            - name: people-and-teams
              match: {kinds: [Person, Team]}
              action: require
              boards: [change]
            - name: big-code-reviews
              match: {kinds: [Template], names: [code-review*]}
              action: require
              boards: [architecture, change]
            - name: default
              action: require
              boards: [change]
        """

    static func person(_ name: String, _ display: String, extra: String = "") -> String {
        """
        apiVersion: charter/v1
        kind: Person
        metadata: {name: \(name)}
        spec: {displayName: \(display), email: \(name)@acme.example\(extra)}
        """
    }

    static let base: [String: String] = [
        "organization.yaml": """
        apiVersion: charter/v1
        kind: Organization
        metadata: {name: acme}
        spec: {displayName: Acme}
        """,
        "capacity.yaml": """
        apiVersion: charter/v1
        kind: CapacitySource
        metadata: {name: offline}
        spec: {provider: offline, class: standard, model: offline, priority: 0}
        """,
        "roles/analyst.yaml": """
        apiVersion: charter/v1
        kind: Role
        metadata: {name: analyst}
        spec: {capacityClass: standard, systemPrompt: Research and summarize.}
        """,
        "people/maria.yaml": person("maria", "Maria Santos"),
        "people/jonas.yaml": person("jonas", "Jonas Weber"),
        "people/priya.yaml": person("priya", "Priya Raman"),
        "people/tomasz.yaml": person("tomasz", "Tomasz Nowak"),
        "people/lena.yaml": person("lena", "Lena Fischer"),
        "people/sam.yaml": person("sam", "Sam Okafor"),
        "people/atlas.yaml": """
        apiVersion: charter/v1
        kind: Person
        metadata: {name: atlas}
        spec: {displayName: Atlas, type: agent, role: analyst, email: atlas@agents.acme.example, manager: lena}
        """,
        "teams/leadership.yaml": """
        apiVersion: charter/v1
        kind: Team
        metadata: {name: leadership}
        spec: {displayName: Leadership, lead: maria, members: [maria, jonas, priya]}
        """,
        "teams/engineering.yaml": """
        apiVersion: charter/v1
        kind: Team
        metadata: {name: engineering}
        spec: {displayName: Engineering, parent: leadership, lead: jonas, members: [jonas, tomasz, lena]}
        """,
        "boards/exec.yaml": """
        apiVersion: charter/v1
        kind: Board
        metadata: {name: exec}
        spec:
          displayName: Executive Board
          members: [{person: maria}, {person: jonas}, {person: priya}]
          quorum: {rule: unanimous}
        """,
        "boards/change.yaml": """
        apiVersion: charter/v1
        kind: Board
        metadata: {name: change}
        spec:
          displayName: Change Board
          members: [{person: priya}, {person: jonas}, {person: tomasz}, {person: lena}]
          quorum: {rule: atLeast, count: 2, veto: true}
        """,
        "boards/architecture.yaml": """
        apiVersion: charter/v1
        kind: Board
        metadata: {name: architecture}
        spec:
          displayName: Architecture Board
          members: [{team: engineering}, {person: sam}]
          quorum: {rule: majority}
        """,
        "policies/change-control.yaml": changeControl,
        "templates/echo.yaml": """
        apiVersion: charter/v1
        kind: Template
        metadata: {name: echo}
        spec:
          steps:
            - {name: hello, type: shell, run: echo hello}
        """,
        "routines/nightly.yaml": """
        apiVersion: charter/v1
        kind: Routine
        metadata: {name: nightly, labels: {self-service: "true"}}
        spec: {schedule: "0 2 * * *", template: echo}
        """,
        "routines/weekly.yaml": """
        apiVersion: charter/v1
        kind: Routine
        metadata: {name: weekly}
        spec: {schedule: "0 9 * * MON", template: echo}
        """,
    ]

    static func files(_ files: [String: String]) -> [SourceFile] {
        files.sorted { $0.key < $1.key }.map { SourceFile(path: $0.key, contents: .bytes(Array($0.value.utf8))) }
    }

    /// A valid state; fails on any diagnostic.
    static func state(_ files: [String: String]) throws -> OrgState {
        try Loader.load(Self.files(files)).get()
    }

    /// A state even if validation objects (a desired state a guard must catch may not be valid).
    static func lenient(_ files: [String: String]) -> OrgState {
        Loader.load(Self.files(files)).state
    }

    /// `base` with `edits` applied (nil deletes a file).
    static func edit(_ edits: [String: String?], from start: [String: String] = base) -> [String: String] {
        var out = start
        for (k, v) in edits { out[k] = v }
        return out
    }

    /// Routes the change from `actual` files to `desired` files.
    static func route(
        from actual: [String: String] = base, to desired: [String: String], validDesired: Bool = true
    ) throws -> (Routing, ChangeSet) {
        let a = try state(actual)
        let d = validDesired ? try state(desired) : lenient(desired)
        let plan = Planner.plan(desired: d, actual: a)
        return (PolicyRouter.route(plan, actual: a), plan)
    }
}

extension Routing {
    /// `policy/rule` of the decisions for `id`.
    func rules(_ kind: ResourceKind, _ name: String) -> [String] {
        change(ResourceID(kind, name))?.decisions.map(\.rule.description) ?? []
    }
}

@Suite struct PolicyRouterTests {
    typealias F = PolicyFixture

    @Test func fixtureIsValid() throws {
        let s = try F.state(F.base)
        #expect(s.policies.count == 1)
        #expect(Planner.plan(desired: s, actual: s).isEmpty)
        #expect(PolicyRouter.route(ChangeSet(changes: []), actual: s).isAutoApproved)
    }

    @Test func personChangeNeedsTheChangeBoardWithItsRosterFrozen() throws {
        let (r, plan) = try F.route(to: F.edit(["people/sam.yaml": F.person("sam", "Sam O.")]))
        #expect(plan.changes.map(\.id) == [ResourceID(.person, "sam")])
        #expect(r.rules(.person, "sam") == ["change-control/people-and-teams"])
        #expect(r.change(ResourceID(.person, "sam"))?.outcome == .require)
        #expect(r.boardNames == ["change"])
        let change = try #require(r.requirement(for: "change"))
        #expect(change.roster == ["priya", "jonas", "tomasz", "lena"])
        #expect(change.quorum == .atLeast(2))
        #expect(change.veto)
        #expect(change.requiredBy.map(\.description) == ["change-control/people-and-teams"])
        #expect(change.changes == [ResourceID(.person, "sam")])
        #expect(r.isRoutable && !r.isAutoApproved && !r.isForbidden)
        #expect(r.guardViolations.isEmpty)
    }

    @Test func firstMatchingRuleDecidesWithinAPolicy() throws {
        // An update of the Organization passes `keep-the-organization` (delete only) and stops at
        // `organization-settings`, never reaching `default`.
        let (r, _) = try F.route(
            to: F.edit([
                "organization.yaml": F.base["organization.yaml"]!.replacingOccurrences(
                    of: "displayName: Acme", with: "displayName: Acme Inc")
            ]))
        #expect(r.rules(.organization, "acme") == ["change-control/organization-settings"])
        #expect(r.boardNames == ["change", "exec"])
        #expect(r.requirement(for: "exec")?.roster == ["maria", "jonas", "priya"])
        #expect(r.requirement(for: "exec")?.quorum == .unanimous)
    }

    @Test func policiesAreTriedInNameOrder() throws {
        let early = """
            apiVersion: charter/v1
            kind: Policy
            metadata: {name: aa-teams}
            spec:
              changeRules:
                - {name: teams-to-exec, match: {kinds: [Team]}, action: require, boards: [exec]}
            """
        let late = """
            apiVersion: charter/v1
            kind: Policy
            metadata: {name: zz-everything}
            spec:
              changeRules:
                - {name: anything, action: autoApprove}
            """
        let actual = F.edit(["policies/aa.yaml": early, "policies/zz.yaml": late])
        let (r, _) = try F.route(
            from: actual,
            to: F.edit(
                [
                    "teams/leadership.yaml": F.base["teams/leadership.yaml"]!.replacingOccurrences(
                        of: "Leadership", with: "Leaders"),
                    "people/sam.yaml": F.person("sam", "Sam O."),
                ], from: actual))
        #expect(r.rules(.team, "leadership") == ["aa-teams/teams-to-exec"])
        #expect(r.rules(.person, "sam") == ["change-control/people-and-teams"])
        #expect(r.boardNames == ["change", "exec"])
        #expect(r.requirement(for: "exec")?.changes == [ResourceID(.team, "leadership")])
        #expect(r.requirement(for: "change")?.changes == [ResourceID(.person, "sam")])
    }

    @Test func kindsMatcher() throws {
        let (r, _) = try F.route(
            to: F.edit([
                "roles/analyst.yaml": F.base["roles/analyst.yaml"]!.replacingOccurrences(
                    of: "Research and summarize.", with: "Research carefully."),
                "boards/exec.yaml": F.base["boards/exec.yaml"]!.replacingOccurrences(
                    of: "Executive Board", with: "Executives"),
            ]))
        #expect(r.rules(.role, "analyst") == ["change-control/default"])
        #expect(r.rules(.board, "exec") == ["change-control/governance"])
        #expect(r.boardNames == ["change", "exec"])
    }

    @Test func namesMatchGlobs() throws {
        func template(_ name: String) -> String {
            F.base["templates/echo.yaml"]!.replacingOccurrences(of: "name: echo", with: "name: \(name)")
        }
        let (r, _) = try F.route(
            to: F.edit([
                "templates/a.yaml": template("code-review"),
                "templates/b.yaml": template("code-review-large"),
                "templates/c.yaml": template("pre-code-review"),
            ]))
        #expect(r.rules(.template, "code-review") == ["change-control/big-code-reviews"])
        #expect(r.rules(.template, "code-review-large") == ["change-control/big-code-reviews"])
        #expect(r.rules(.template, "pre-code-review") == ["change-control/default"])
        #expect(r.requirement(for: "architecture")?.roster == ["jonas", "tomasz", "lena", "sam"])
        #expect(r.requirement(for: "architecture")?.quorum == .majority)
    }

    @Test func globs() {
        #expect(PolicyRouter.glob("code-review*", matches: "code-review"))
        #expect(PolicyRouter.glob("*", matches: ""))
        #expect(PolicyRouter.glob("a*b*c", matches: "axxbyyc"))
        #expect(PolicyRouter.glob("a*b*c", matches: "abcbc"))
        #expect(!PolicyRouter.glob("a*b*c", matches: "abcb"))
        #expect(PolicyRouter.glob("*-bot", matches: "ci-bot"))
        #expect(!PolicyRouter.glob("*-bot", matches: "ci-bots"))
        #expect(!PolicyRouter.glob("exact", matches: "exactly"))
        #expect(PolicyRouter.glob("ex?ct", matches: "ex?ct"))
        #expect(!PolicyRouter.glob("ex?ct", matches: "exact"))
    }

    /// The rule-under-test policy sorts before `change-control`.
    static func withPolicy(_ rules: String, actual: [String: String] = PolicyFixture.base) -> [String: String] {
        PolicyFixture.edit(
            [
                "policies/aa.yaml": """
                apiVersion: charter/v1
                kind: Policy
                metadata: {name: aa}
                spec:
                  changeRules:
                \(rules)
                """
            ], from: actual)
    }

    @Test func labelsUseOldLabelsForDeletesAndNewForCreates() throws {
        let actual = Self.withPolicy(
            """
              - {name: sandbox, match: {labels: {tier: sandbox}}, action: require, boards: [architecture]}
            """,
            actual: F.edit([
                "teams/lab.yaml": """
                apiVersion: charter/v1
                kind: Team
                metadata: {name: lab, labels: {tier: sandbox}}
                spec: {displayName: Lab, members: [sam]}
                """
            ]))
        let (r, _) = try F.route(
            from: actual,
            to: F.edit(
                [
                    "teams/lab.yaml": nil,
                    "teams/playground.yaml": """
                    apiVersion: charter/v1
                    kind: Team
                    metadata: {name: playground, labels: {tier: sandbox, owner: sam}}
                    spec: {displayName: Playground}
                    """,
                    "teams/ops.yaml": """
                    apiVersion: charter/v1
                    kind: Team
                    metadata: {name: ops, labels: {tier: production}}
                    spec: {displayName: Ops}
                    """,
                ], from: actual))
        #expect(r.rules(.team, "lab") == ["aa/sandbox"])
        #expect(r.rules(.team, "playground") == ["aa/sandbox"])
        #expect(r.rules(.team, "ops") == ["change-control/people-and-teams"])
        #expect(
            r.requirement(for: "architecture")?.changes == [ResourceID(.team, "lab"), ResourceID(.team, "playground")])
    }

    @Test func anUpdateThatChangesLabelsIsRoutedWithTheLabelsBeforeAndAfter() throws {
        // The autoApprove rule covers labelled routines; relabelling an unlabelled routine into it
        // must not auto-approve the edit riding along.
        let actual = Self.withPolicy(
            """
              - {name: sandbox-routines, match: {kinds: [Routine], labels: {tier: sandbox}}, action: autoApprove}
              - {name: prod-routines, match: {kinds: [Routine], labels: {tier: prod}}, action: require, boards: [exec]}
            """)
        let weekly = F.base["routines/weekly.yaml"]!
        let gain = try F.route(
            from: actual,
            to: F.edit(
                [
                    "routines/weekly.yaml": weekly.replacingOccurrences(
                        of: "{name: weekly}", with: "{name: weekly, labels: {tier: sandbox}}"
                    ).replacingOccurrences(of: "0 9", with: "0 10")
                ], from: actual)
        ).0
        #expect(gain.rules(.routine, "weekly") == ["change-control/default", "aa/sandbox-routines"])
        #expect(gain.change(ResourceID(.routine, "weekly"))?.outcome == .require)
        #expect(gain.boardNames == ["change"])

        // Either side matching a rule applies that rule: leaving the prod rule still needs exec.
        let labelled = F.edit(
            [
                "routines/weekly.yaml": weekly.replacingOccurrences(
                    of: "{name: weekly}", with: "{name: weekly, labels: {tier: prod}}")
            ], from: actual)
        let lose = try F.route(from: labelled, to: actual).0
        #expect(lose.rules(.routine, "weekly") == ["aa/prod-routines", "change-control/default"])
        #expect(lose.boardNames == ["change", "exec"])

        // Unchanged labels: one decision.
        let same = try F.route(
            from: labelled,
            to: F.edit(
                [
                    "routines/weekly.yaml": labelled["routines/weekly.yaml"]!.replacingOccurrences(
                        of: "0 9", with: "0 8")
                ],
                from: labelled)
        ).0
        #expect(same.rules(.routine, "weekly") == ["aa/prod-routines"])
    }

    static func toggled(_ routine: String = "nightly", extra: String = "") -> [String: String] {
        let file = "routines/\(routine).yaml"
        return PolicyFixture.edit([
            file: PolicyFixture.base[file]!.replacingOccurrences(
                of: "template: echo}", with: "template: echo, enabled: false\(extra)}")
        ])
    }

    @Test func autoApproveOnlyChangeSet() throws {
        let (r, plan) = try F.route(to: Self.toggled())
        #expect(plan.changes.first?.fields.map(\.path.description) == ["/spec/enabled"])
        #expect(r.rules(.routine, "nightly") == ["change-control/self-service-routine-toggle"])
        #expect(r.change(ResourceID(.routine, "nightly"))?.outcome == .autoApprove)
        #expect(r.isAutoApproved)
        #expect(r.requiredBoards.isEmpty)
        #expect(r.errors.isEmpty)
    }

    @Test func autoApproveFieldsMustCoverTheWholeChange() throws {
        // Toggling plus another edit is not a toggle: the first rule that matches is `default`.
        let (r, _) = try F.route(to: Self.toggled(extra: ", description: Rewritten"))
        #expect(r.rules(.routine, "nightly") == ["change-control/default"])
        #expect(!r.isAutoApproved)
        // The label is required: the same toggle on an unlabelled routine needs the change board.
        let (w, _) = try F.route(to: Self.toggled("weekly"))
        #expect(w.rules(.routine, "weekly") == ["change-control/default"])
        // And one auto-approved change does not carry a required one.
        var both = Self.toggled()
        both["people/sam.yaml"] = F.person("sam", "Sam O.")
        let (m, _) = try F.route(to: both)
        #expect(!m.isAutoApproved)
        #expect(m.boardNames == ["change"])
        #expect(m.requirement(for: "change")?.changes == [ResourceID(.person, "sam")])
    }

    @Test func fieldPatternsWithWildcardSegments() throws {
        let actual = Self.withPolicy(
            """
              - {name: team-seats, match: {kinds: [Board], fields: [/spec/members/*/team]}, action: require, boards: [architecture]}
              - {name: emails, match: {kinds: [Person], fields: [/spec/email], operations: [create, update]}, action: require, boards: [exec]}
            """)
        func board(_ members: String) -> String {
            F.base["boards/change.yaml"]!.replacingOccurrences(
                of: "[{person: priya}, {person: jonas}, {person: tomasz}, {person: lena}]", with: members)
        }
        // Same length: item by item, `/spec/members/3/person` removed, `/spec/members/3/team` added.
        let seat = try F.route(
            from: actual,
            to: F.edit(
                [
                    "boards/change.yaml": board(
                        "[{person: priya}, {person: jonas}, {person: tomasz}, {team: engineering}]")
                ],
                from: actual)
        ).0
        #expect(seat.rules(.board, "change") == ["aa/team-seats"])
        // A longer list is replaced whole (`/spec/members`); the pattern lies under it and a team seat changed.
        let longer = try F.route(
            from: actual,
            to: F.edit(
                [
                    "boards/change.yaml": board(
                        "[{person: priya}, {person: jonas}, {person: tomasz}, {person: lena}, {team: leadership}]")
                ],
                from: actual)
        ).0
        #expect(longer.rules(.board, "change") == ["aa/team-seats"])
        // A longer list whose team seats are the same is not a team-seat change.
        let people = try F.route(
            from: actual,
            to: F.edit(
                [
                    "boards/change.yaml": board(
                        "[{person: priya}, {person: jonas}, {person: tomasz}, {person: lena}, {person: sam}]")
                ],
                from: actual)
        ).0
        #expect(people.rules(.board, "change") == ["change-control/governance"])

        // Creates count every field present; deletes are not listed operations here.
        let created = try F.route(
            from: actual,
            to: F.edit(
                [
                    "people/ada.yaml": F.person("ada", "Ada"),
                    "people/bo.yaml": """
                    apiVersion: charter/v1
                    kind: Person
                    metadata: {name: bo}
                    spec: {displayName: Bo}
                    """,
                    "people/atlas.yaml": nil,
                    "people/maria.yaml": F.person("maria", "Maria S."),
                    "people/lena.yaml": F.person("lena", "Lena Fischer").replacingOccurrences(
                        of: "lena@acme.example", with: "lena@lab.example"),
                ], from: actual)
        ).0
        #expect(created.rules(.person, "ada") == ["aa/emails"])
        #expect(created.rules(.person, "bo") == ["change-control/people-and-teams"])
        #expect(created.rules(.person, "atlas") == ["change-control/people-and-teams"])
        #expect(created.rules(.person, "maria") == ["change-control/people-and-teams"])
        #expect(created.rules(.person, "lena") == ["aa/emails"])
    }

    @Test func operationsMatcherAndForbid() throws {
        let (r, _) = try F.route(to: F.edit(["organization.yaml": nil]), validDesired: false)
        #expect(r.rules(.organization, "acme") == ["change-control/keep-the-organization"])
        #expect(r.change(ResourceID(.organization, "acme"))?.outcome == .forbid)
        #expect(r.isForbidden && !r.isRoutable && !r.isAutoApproved)
        let rule = try #require(r.forbidden.first { if case .forbiddenByRule = $0.cause { true } else { false } })
        #expect(
            rule.cause
                == .forbiddenByRule(RuleReference(policy: "change-control", rule: "keep-the-organization", index: 0)))
        #expect(rule.changes == [ResourceID(.organization, "acme")])
        #expect(
            rule.message == "delete of Organization/acme is forbidden by rule `change-control/keep-the-organization`")
        #expect(r.errors.contains(rule.message))
    }

    @Test func forbidInOneChangeForbidsTheWholeProposal() throws {
        let actual = Self.withPolicy(
            """
              - {name: no-agents, match: {kinds: [Person], names: ["*-bot"], operations: [create]}, action: forbid}
            """)
        let (r, _) = try F.route(
            from: actual,
            to: F.edit(
                [
                    "people/ci-bot.yaml": F.person("ci-bot", "CI"),
                    "people/sam.yaml": F.person("sam", "Sam O."),
                ], from: actual))
        #expect(r.isForbidden)
        #expect(r.forbidden.map(\.message) == ["create of Person/ci-bot is forbidden by rule `aa/no-agents`"])
        #expect(r.rules(.person, "sam") == ["change-control/people-and-teams"])
    }

    @Test func changesNoRuleMatchesAreUnrouted() throws {
        let noDefault = F.edit([
            "policies/change-control.yaml": F.changeControl.components(separatedBy: "    - name: default")[0]
        ])
        let (r, _) = try F.route(
            from: noDefault,
            to: F.edit(
                [
                    "roles/analyst.yaml": F.base["roles/analyst.yaml"]!.replacingOccurrences(
                        of: "Research and summarize.", with: "Research."),
                    "people/sam.yaml": F.person("sam", "Sam O."),
                ], from: noDefault))
        #expect(r.unrouted == [ResourceID(.role, "analyst")])
        #expect(r.change(ResourceID(.role, "analyst"))?.isUnrouted == true)
        #expect(r.change(ResourceID(.role, "analyst"))?.outcome == nil)
        #expect(!r.isRoutable && !r.isAutoApproved && !r.isForbidden)
        #expect(
            r.errors == [
                "Role/analyst: no policy rule matches this change; add a default rule (an empty match) to a policy"
            ])
        #expect(r.boardNames == ["change"])
    }

    @Test func anEmptyAppliedStateRoutesNothing() throws {
        let desired = try F.state(F.base)
        let plan = Planner.plan(desired: desired, actual: .empty)
        let r = PolicyRouter.route(plan, actual: .empty)
        #expect(r.unrouted.count == plan.changes.count)
        #expect(!r.isRoutable)
        #expect(r.requiredBoards.isEmpty)
    }

    @Test func aPendingChangeCannotGrantItselfRights() throws {
        // The change makes every rule auto-approve, adds sam to the exec board and edits a team in
        // the same push: routing still uses the applied policy and rosters.
        let desired = F.edit([
            "policies/change-control.yaml": """
            apiVersion: charter/v1
            kind: Policy
            metadata: {name: change-control}
            spec:
              changeRules:
                - {name: anything-goes, action: autoApprove}
            """,
            "boards/exec.yaml": F.base["boards/exec.yaml"]!.replacingOccurrences(
                of: "{person: priya}]", with: "{person: priya}, {person: sam}]"),
            "teams/leadership.yaml": F.base["teams/leadership.yaml"]!.replacingOccurrences(
                of: "[maria, jonas, priya]", with: "[maria, jonas, priya, sam]"),
        ])
        let (r, _) = try F.route(to: desired)
        #expect(!r.isAutoApproved)
        #expect(r.rules(.policy, "change-control") == ["change-control/governance"])
        #expect(r.rules(.board, "exec") == ["change-control/governance"])
        #expect(r.rules(.team, "leadership") == ["change-control/people-and-teams"])
        #expect(r.boardNames == ["change", "exec"])
        #expect(r.requirement(for: "exec")?.roster == ["maria", "jonas", "priya"])

        // A new policy sorting first cannot route its own creation either.
        let sneaky = F.edit([
            "policies/aaa.yaml": """
            apiVersion: charter/v1
            kind: Policy
            metadata: {name: aaa}
            spec:
              changeRules:
                - {name: anything-goes, action: autoApprove}
            """
        ])
        let (s, _) = try F.route(to: sneaky)
        #expect(s.rules(.policy, "aaa") == ["change-control/governance"])
        #expect(s.boardNames == ["exec"])
    }

    @Test func aRuleNamingAMissingBoardRefuses() throws {
        // The applied state is validated, so this needs a hand-made one.
        let actual = F.lenient(
            Self.withPolicy(
                """
                  - {name: ghosts, match: {kinds: [Team]}, action: require, boards: [ghost]}
                """))
        let desired = F.lenient(
            F.edit([
                "teams/leadership.yaml": F.base["teams/leadership.yaml"]!.replacingOccurrences(
                    of: "Leadership", with: "Leads")
            ]))
        let r = PolicyRouter.route(Planner.plan(desired: desired, actual: actual), actual: actual)
        #expect(r.isForbidden)
        #expect(
            r.forbidden.first?.message
                == "rule `aa/ghosts` requires board `ghost`, which does not exist in the applied state")
    }

    @Test func authorsAndAgentsOnTheirOwnRoleCannotVote() throws {
        let actual = try F.state(F.base)
        let desired = try F.state(
            F.edit([
                "roles/analyst.yaml": F.base["roles/analyst.yaml"]!.replacingOccurrences(
                    of: "Research and summarize.", with: "Research without limits.")
            ]))
        let plan = Planner.plan(desired: desired, actual: actual)
        let out = PolicyRouter.ineligibleVoters(
            for: plan, authorNames: ["Lena Fischer", "jonas"], authorEmails: ["MARIA@acme.example", "x@y.example"],
            actual: actual)
        #expect(Set(out.keys) == ["lena", "jonas", "maria", "atlas"])
        #expect(out["maria"] == "authored a commit in this change (as maria@acme.example)")
        #expect(out["lena"] == "authored a commit in this change")
        #expect(out["atlas"] == "an agent cannot approve changes to its own role `analyst`")

        // Without role changes, the agent may vote; changing its own role assignment, it may not.
        let unrelated = Planner.plan(
            desired: try F.state(F.edit(["people/sam.yaml": F.person("sam", "Sam O.")])), actual: actual)
        #expect(
            PolicyRouter.ineligibleVoters(for: unrelated, authorNames: [], authorEmails: [], actual: actual).isEmpty)
        let reassigned = Planner.plan(
            desired: try F.state(
                F.edit([
                    "people/atlas.yaml": F.base["people/atlas.yaml"]!.replacingOccurrences(
                        of: "manager: lena", with: "manager: sam")
                ])), actual: actual)
        #expect(
            PolicyRouter.ineligibleVoters(for: reassigned, authorNames: [], authorEmails: [], actual: actual).isEmpty)
        let scribe = """
            apiVersion: charter/v1
            kind: Role
            metadata: {name: scribe}
            spec: {capacityClass: standard, systemPrompt: Write notes.}
            """
        let withScribe = F.edit(["roles/scribe.yaml": scribe])
        let moved = Planner.plan(
            desired: try F.state(
                F.edit(
                    [
                        "people/atlas.yaml": F.base["people/atlas.yaml"]!.replacingOccurrences(
                            of: "role: analyst", with: "role: scribe")
                    ], from: withScribe)), actual: try F.state(withScribe))
        #expect(
            PolicyRouter.ineligibleVoters(
                for: moved, authorNames: [], authorEmails: [], actual: try F.state(withScribe))
                == ["atlas": "an agent cannot approve a change of its own role assignment"])
    }
}
