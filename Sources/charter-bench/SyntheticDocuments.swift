/// The YAML text of each kind, written the way people write these files: a schema comment, flow
/// lists for names, block scalars for prompts and commands, comments here and there.
extension SyntheticOrg {
    private func header(_ schema: String, depth: Int) -> String {
        let up = String(repeating: "../", count: depth)
        return "# yaml-language-server: $schema=\(up)schemas/\(schema).schema.json\napiVersion: charter/v1\n"
    }

    func organizationDocument() -> String {
        header("organization", depth: 0) + """
            kind: Organization
            metadata:
              name: synthetic-corp
            spec:
              displayName: Synthetic Corp
              description: A generated organization of \(shape.total) resources for benchmarks.
              # routines without their own timeZone fire on this zone's wall clock
              timeZone: Europe/Berlin
              controller:
                branch: main
                statusBranch: charter/status
                proposalBranchPrefix: proposals/
                pollInterval: 1m
              governance:
                requireSignedVotes: true
                massRemovalPercent: 25

            """
    }

    func capacitySourceDocuments() -> [(String, String)] {
        let openai = """
            kind: CapacitySource
            metadata:
              name: openai-standard
            spec:
              provider: openai
              class: standard
              endpoint: https://api.openai.com/v1
              model: gpt-4o
              # a reference to where the key lives, never the key itself
              credential:
                env: OPENAI_API_KEY
              limits:
                requestsPerMinute: 500
                tokensPerMinute: 300000
                concurrentRequests: 8
              priority: 10
              pricing:
                inputPerMillion: 2.50
                outputPerMillion: 10.00
                cachedInputPerMillion: 1.25

            """
        let anthropic = """
            kind: CapacitySource
            metadata:
              name: anthropic-fast
            spec:
              provider: anthropic
              class: fast
              endpoint: https://api.anthropic.com/v1
              model: claude-haiku
              credential:
                file: /run/secrets/anthropic-key
              limits:
                requestsPerMinute: 1000
              priority: 10

            """
        func offline(_ name: String, _ cls: String) -> String {
            "kind: CapacitySource\nmetadata:\n  name: \(name)\nspec:\n  provider: offline\n  class: \(cls)\n  priority: 0\n"
        }
        let h = header("capacity-source", depth: 1)
        return [
            ("openai-standard", h + openai), ("anthropic-fast", h + anthropic),
            ("offline-standard", h + offline("offline-standard", "standard")),
            ("offline-fast", h + offline("offline-fast", "fast")),
        ]
    }

    func policyDocument(_ k: Int) -> String {
        let b = (0..<4).map { boardName((k * 4 + $0) % shape.boards) }
        return header("policy", depth: 1) + """
            kind: Policy
            metadata:
              name: \(policyName(k))
            spec:
              description: Who must approve which change, and what runs may touch.
              # the FIRST matching rule decides, so specific rules go first
              changeRules:
                - name: keep-the-organization
                  match:
                    kinds: [Organization]
                    operations: [delete]
                  action: forbid
                - name: governance
                  match:
                    kinds: [Board, Policy]
                  action: require
                  boards: [\(b[1])]
                  allowGuards: [quorumBreak]
                - name: self-service-routine-toggle
                  match:
                    kinds: [Routine]
                    labels:
                      self-service: "true"
                    fields: [/spec/enabled]
                    operations: [update]
                  action: autoApprove
                - name: people-and-teams
                  match:
                    kinds: [Person, Team]
                  action: require
                  boards: [\(b[0])]
                - name: reviews
                  match:
                    kinds: [Template]
                    names: [code-review*]
                  action: require
                  boards: [\(b[2]), \(b[0])]
                - name: default
                  action: require
                  boards: [\(b[3])]
              runRules:
                paths:
                  deny: ["/etc/**", "~/.ssh/**", "**/.env", "**/*.pem"]
                budget:
                  tokensPerDay: \(10_000_000 + k * 1000)
                  costPerDay: 100.00

            """
    }

    func roleDocument(_ k: Int) -> String {
        let base = Vocabulary.roleBases[k % Vocabulary.roleBases.count]
        let steps = k % 2 == 0 ? "[agent, shell]" : "[agent]"
        return header("role", depth: 1) + """
            kind: Role
            metadata:
              name: \(roleName(k))
            spec:
              description: Agents working as \(base), pool \(k).
              capacityClass: \(k % 2 == 0 ? "standard" : "fast")
              allowedStepTypes: \(steps)
              # daily limits; usage equal to the limit counts as spent
              budget:
                tokensPerDay: \(1_000_000 + k * 1000)
                costPerDay: 25.00
              systemPrompt: |
                You are a \(base) at Synthetic Corp. Make the smallest change that solves the
                task, keep the existing style, and explain what you did and why.

            """
    }

    func boardDocument(_ k: Int) -> String {
        let people = (0..<3).map { personNames[(k * 3 + $0) % shape.teams] }
        let quorum: String
        switch k % 3 {
        case 0: quorum = "    rule: atLeast\n    count: 2\n    # any single reject stops the change\n    veto: true"
        case 1: quorum = "    rule: majority"
        default: quorum = "    rule: unanimous"
        }
        return header("board", depth: 1) + """
            kind: Board
            metadata:
              name: \(boardName(k))
            spec:
              displayName: \(boardName(k).capitalized) Board
              description: Reviews changes routed to it by policy.
              members:
                - person: \(people[0])
                - person: \(people[1])
                - person: \(people[2])
                - team: \(teamNames[k % shape.teams])
              quorum:
            \(quorum)

            """
    }

    func teamDocument(_ t: Int) -> String {
        let members = members(ofTeam: t).map { personNames[$0] }
        var spec = "  displayName: \(teamNames[t].capitalized)\n  description: Team \(t) of Synthetic Corp.\n"
        if let p = parent(ofTeam: t) {
            spec += "  parent: \(teamNames[p])\n"
        } else {
            spec += "  # no parent: the root\n"
        }
        if !members.isEmpty { spec += "  lead: \(members[0])\n" }
        spec += "  members: [\(members.joined(separator: ", "))]\n"
        return header("team", depth: 1) + "kind: Team\nmetadata:\n  name: \(teamNames[t])\nspec:\n" + spec
    }

    func personDocument(_ j: Int, applied: Bool) -> String {
        let name = personNames[j]
        let changed = applied && isChangedSinceApply(j)
        let title = Vocabulary.titles[(j + (changed ? 1 : 0)) % Vocabulary.titles.count]
        let location = Vocabulary.locations[j % Vocabulary.locations.count]
        var s = header("person", depth: 2)
        s +=
            "kind: Person\nmetadata:\n  name: \(name)\n  labels:\n    title: \(title)\n    location: \(location)\nspec:\n"
        let email = name.replacingOccurrences(of: "-", with: ".")
        if isAgent(j) {
            s += "  displayName: \(personDisplayNames[j]) (agent)\n"
            s += "  # agents need a role and may not hold SSH keys\n  type: agent\n"
            s += "  role: \(roleName(j % shape.roles))\n  email: \(email)@agents.synthetic.example\n"
        } else {
            s += "  displayName: \(personDisplayNames[j])\(changed ? " (old name)" : "")\n  type: human\n"
            s += "  email: \(email)@synthetic.example\n  chat: \"@\(name)\"\n"
            if j % 7 == 3 { s += "  role: \(roleName(j % shape.roles))\n" }
        }
        if let m = manager(ofPerson: j) { s += "  manager: \(personNames[m])\n" }
        if let t = extraTeam(ofPerson: j) { s += "  teams: [\(teamNames[t])]\n" }
        if !isAgent(j) {
            s +=
                "  sshKeys:\n    - ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI\(sshKeyBodies[j]) \(email)@synthetic.example\n"
        }
        return s
    }

    func formerPersonDocument(_ k: Int) -> String {
        header("person", depth: 2) + """
            kind: Person
            metadata:
              name: former-\(k)
            spec:
              displayName: Former Employee \(k)
              email: former.\(k)@synthetic.example
              manager: \(personNames[0])

            """
    }

    func templateDocument(_ k: Int) -> String {
        let role = roleName(k % shape.roles)
        var s =
            header("template", depth: 1) + """
                kind: Template
                metadata:
                  name: \(templateName(k))
                spec:
                  description: Turn a team's recent activity into notes, variant \(k).
                  parameters:
                    - name: team
                      type: string
                      description: The Team this run is for.
                      pattern: "[a-z0-9]([-a-z0-9]*[a-z0-9])?"
                      required: true
                    - name: repository
                      type: string
                      pattern: "[a-z0-9-]+/[a-z0-9._-]+"
                      default: synthetic/platform
                    - name: lookbackHours
                      type: int
                      default: 24
                    - name: depth
                      type: enum
                      values: [quick, standard, thorough]
                      default: standard
                    - name: focus
                      type: list
                      default: [security, tests]
                  steps:
                    - name: activity
                      type: shell
                      env:
                        REPOSITORY: ${{ params.repository }}
                        HOURS: ${{ params.lookbackHours }}
                      network: ["git.synthetic.example:443"]
                      run: >-
                        git clone --quiet --depth 500 "https://git.synthetic.example/$REPOSITORY.git" src &&
                        git -C src log --since="$HOURS.hours.ago" --format='%an: %s'
                      timeout: 5m
                      retry:
                        maxAttempts: 3
                        initialBackoff: 10s
                    - name: notes
                      type: agent
                      role: \(role)
                      needs: [activity]
                      prompt: |
                        Write notes for the ${{ params.team }} team at depth ${{ params.depth }},
                        focusing on ${{ params.focus }}:
                        ${{ steps.activity.output }}

                """
        if k % 2 == 0 {
            s += """
                    - name: sign-off
                      type: approval
                      needs: [notes]
                      board: \(boardName(k % shape.boards))
                      message: Publish the notes for ${{ params.team }}?
                      timeout: 2d

                """
        }
        return s
    }

    func routineDocument(_ i: Int) -> String {
        var s = header("routine", depth: 1) + "kind: Routine\nmetadata:\n  name: \(routineName(i))\n"
        if i % 5 == 0 { s += "  labels:\n    self-service: \"true\"\n" }
        s += "spec:\n  description: Scheduled run \(i) for team \(teamNames[i % shape.teams]).\n"
        s += "  schedule: \"\(Vocabulary.schedules[i % Vocabulary.schedules.count])\"\n"
        if i % 3 == 0 { s += "  timeZone: \(Vocabulary.timeZones[i % Vocabulary.timeZones.count])\n" }
        s += "  template: \(templateName(i % shape.templates))\n  arguments:\n"
        s += "    team: \(teamNames[i % shape.teams])\n    repository: synthetic/repo-\(i % 50)\n"
        s += "    depth: \(["quick", "standard", "thorough"][i % 3])\n"
        if i % 4 == 0 { s += "    focus: [security, performance]\n    lookbackHours: 48\n" }
        if i % 17 == 0 { s += "  enabled: false\n" }
        s += "  concurrencyPolicy: \(["allow", "forbid", "replace"][i % 3])\n  startingDeadline: 30m\n"
        s += "  priority: \(i % 11)\n"
        return s
    }
}
