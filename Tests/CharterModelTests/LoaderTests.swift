import CharterModel
import Testing

@Suite struct LoaderTests {
    @Test func validOrganizationLoadsWithDefaults() throws {
        let result = Fixtures.load(Fixtures.valid)
        #expect(result.diagnostics == [])
        let state = try result.get()
        #expect(state.resources.count == 10)
        #expect(state.organization?.timeZone == "Europe/Berlin")
        #expect(state.organization?.branch == "main")
        #expect(state.people["ada"]?.type == .human)
        #expect(state.templates["standup"]?.steps[1].needs == ["notes"])
        #expect(state.templates["standup"]?.steps[0].retry.maxAttempts == 1)
        #expect(state.routines["daily"]?.concurrencyPolicy == .allow)
        // A defaulted field is in the normalized value, so it compares equal to an explicit one.
        #expect(state[ResourceID(.team, "core")]?.value["metadata"]?["labels"] == .object([:]))
        #expect(state.roster(ofBoard: "exec") == ["ada", "bob"])
    }

    @Test func explicitDefaultsNormalizeToTheSameValue() throws {
        let explicit = Fixtures.team.replacingOccurrences(
            of: "  members: [ada]", with: "  members: [ada]\n  # same as default\n"
        )
        .replacingOccurrences(
            of: "metadata:\n  name: core", with: "metadata:\n  name: core\n  labels: {}\n  annotations: {}")
        let a = try Fixtures.load(Fixtures.valid).get()
        let b = try Fixtures.load(replacing: "teams/core.yaml", with: explicit).get()
        #expect(a[ResourceID(.team, "core")]?.value == b[ResourceID(.team, "core")]?.value)
    }

    @Test func reportsEveryErrorSortedWithPositions() {
        let bad = """
            apiVersion: charter/v1
            kind: Team
            metadata:
              name: Bad_Name
            spec:
              memebers: [ada]
              lead: 42
            """
        let result = Fixtures.load(replacing: "teams/bad.yaml", with: bad)
        let text = result.diagnostics.map(\.description)
        #expect(result.diagnostics.count == 4, "\(text)")
        #expect(result.diagnostics == result.diagnostics.sorted())
        #expect(text.contains { $0.hasPrefix("teams/bad.yaml:4:9:") && $0.contains("`Bad_Name` is not a valid name") })
        #expect(
            text.contains { $0.hasPrefix("teams/bad.yaml:6:3:") && $0.contains("missing required field `displayName`") }
        )
        #expect(text.contains { $0.hasPrefix("teams/bad.yaml:6:3:") && $0.contains("did you mean `members`?") })
        #expect(
            text.contains {
                $0.hasPrefix("teams/bad.yaml:7:9:") && $0.contains("expected a string, found the integer `42`")
            })
    }

    @Test func yaml11SurprisesAreRefusedNotCoerced() {
        let routine = Fixtures.workflow
            .replacingOccurrences(
                of: "  template: standup\n", with: "  template: standup\n  enabled: on\n  priority: 0755\n")
        let result = Fixtures.load(replacing: "workflow.yaml", with: routine)
        let messages = result.diagnostics.map(\.description)
        #expect(messages.contains { $0.contains("`on` is not a boolean in Charter; YAML 1.1 would read it as true") })
        #expect(messages.contains { $0.contains("`0755` is ambiguous: YAML 1.1 reads it as octal 493") })
        // Where a string is meant, `NO` and `on` stay the strings they look like.
        let person = Fixtures.people.replacingOccurrences(of: "displayName: Ada", with: "displayName: NO\n  chat: on")
        let state = try? Fixtures.load(replacing: "people.yaml", with: person).get()
        #expect(state?.people["ada"]?.displayName == "NO")
        #expect(state?.people["ada"]?.chat == "on")
        // A number where text is meant is refused with a hint rather than read as 1.1.
        let team = Fixtures.team.replacingOccurrences(of: "displayName: Core", with: "displayName: 1.10")
        let r = Fixtures.load(replacing: "teams/core.yaml", with: team)
        #expect(r.diagnostics.map(\.description).contains { $0.contains("quote it (\"1.10\")") })
    }

    @Test func duplicateIdentityNamesBothPlaces() {
        let result = Fixtures.load(replacing: "teams/again.yaml", with: Fixtures.team)
        #expect(result.diagnostics.count == 1)
        let d = result.diagnostics[0]
        #expect(d.code == "identity.duplicate")
        #expect(d.file == "teams/core.yaml" || d.file == "teams/again.yaml")
        #expect(d.description.contains("Team/core is defined twice; the first definition is at teams/"))
    }

    @Test func aBrokenResourceIsNotReportedAgainAsMissing() {
        // Team/core has a typo; bob's `teams: [core]` and the board's `team: core` must not add
        // "does not exist" errors on top of the one real problem.
        let team = Fixtures.team.replacingOccurrences(of: "lead: ada", with: "laed: ada")
        let result = Fixtures.load(replacing: "teams/core.yaml", with: team)
        #expect(result.diagnostics.map(\.code) == ["schema.unknown-field"])
    }

    /// One error per real problem: an Organization (or a Team) whose own document is wrong is
    /// reported for that, not also as missing — whether the error is in its spec or in its name.
    @Test(arguments: [
        ("spec field of the wrong type", "  timeZone: Europe/Berlin", "  timeZone: [Europe/Berlin]"),
        ("spec that is not a mapping", "spec:\n  displayName: Acme\n  timeZone: Europe/Berlin", "spec: 5"),
        ("name of the wrong type", "  name: acme", "  name: [acme]"),
        ("metadata that is not a mapping", "metadata:\n  name: acme", "metadata: acme"),
        ("unknown field", "  displayName: Acme", "  displayName: Acme\n  colour: blue"),
        ("YAML that does not parse", "  timeZone: Europe/Berlin", "  timeZone: [Europe/Berlin"),
    ])
    func aBrokenOrganizationIsNotAlsoMissing(_ what: String, _ old: String, _ new: String) {
        let broken = Fixtures.organization.replacingOccurrences(of: old, with: new)
        #expect(broken != Fixtures.organization, "\(what)")
        let result = Fixtures.load(replacing: "organization.yaml", with: broken)
        #expect(result.diagnostics.count == 1, "\(what): \(result.diagnostics.map(\.description))")
        #expect(result.diagnostics.allSatisfy { $0.file == "organization.yaml" }, "\(what)")
        #expect(!result.diagnostics.contains { $0.code == "identity.organization" }, "\(what)")
    }

    @Test(arguments: [
        ("field of the wrong type", "  members: [ada]", "  members: ada"),
        ("name of the wrong type", "  name: core", "  name: [core]"),
        ("metadata that is not a mapping", "metadata:\n  name: core", "metadata: core"),
        ("YAML that does not parse", "  members: [ada]", "  members: [ada"),
    ])
    func aBrokenTeamIsNotAlsoMissingWhereItIsReferenced(_ what: String, _ old: String, _ new: String) {
        let broken = Fixtures.team.replacingOccurrences(of: old, with: new)
        #expect(broken != Fixtures.team, "\(what)")
        let result = Fixtures.load(replacing: "teams/core.yaml", with: broken)
        #expect(result.diagnostics.count == 1, "\(what): \(result.diagnostics.map(\.description))")
        #expect(result.diagnostics.allSatisfy { $0.file == "teams/core.yaml" }, "\(what)")
    }

    @Test func exactlyOneOrganization() {
        var files = Fixtures.valid
        files["organization.yaml"] = nil
        #expect(Fixtures.load(files).diagnostics.map(\.code) == ["identity.organization"])
        files["organization.yaml"] = Fixtures.organization
        files["other.yaml"] = Fixtures.organization.replacingOccurrences(of: "name: acme", with: "name: other")
        let two = Fixtures.load(files).diagnostics
        #expect(two.map(\.code) == ["identity.organization"])
        #expect(
            two[0].description.contains("exactly one Organization; `acme` is already defined at organization.yaml:1:1"))
    }

    @Test func referencesMustExist() {
        let team = Fixtures.team.replacingOccurrences(of: "lead: ada", with: "lead: adda\n  parent: nowhere")
        let result = Fixtures.load(replacing: "teams/core.yaml", with: team)
        let text = result.diagnostics.map(\.description)
        #expect(
            text.contains {
                $0.hasPrefix("teams/core.yaml:7:9:") && $0.contains("person `adda` does not exist; did you mean `ada`?")
            })
        #expect(text.contains { $0.contains("team `nowhere` does not exist") && $0.contains("define Team/nowhere") })
        let role = Fixtures.role.replacingOccurrences(of: "capacityClass: general", with: "capacityClass: fast")
        #expect(
            Fixtures.load(replacing: "roles.yaml", with: role).diagnostics.map(\.message)
                == ["no CapacitySource serves the capacity class `fast`"])
    }

    @Test func cyclesAreFound() {
        var files = Fixtures.valid
        files["teams/core.yaml"] = Fixtures.team.replacingOccurrences(
            of: "lead: ada", with: "lead: ada\n  parent: edge")
        files["teams/edge.yaml"] = """
            apiVersion: charter/v1
            kind: Team
            metadata: {name: edge}
            spec: {displayName: Edge, parent: core}
            """
        files["people.yaml"] = Fixtures.people.replacingOccurrences(
            of: "  email: ada@acme.example", with: "  email: ada@acme.example\n  manager: bob")
        files["workflow.yaml"] = Fixtures.workflow.replacingOccurrences(
            of: "prompt: \"Write", with: "needs: [publish]\n      prompt: \"Write")
        let messages = Fixtures.load(files).diagnostics.map(\.message)
        #expect(messages.contains("team parents form a cycle: core → edge → core"))
        #expect(messages.contains("managers form a cycle: ada → bob → ada"))
        #expect(messages.contains("step needs form a cycle: notes → publish → notes"))
    }

    @Test func semanticsAreChecked() {
        let board = Fixtures.board.replacingOccurrences(of: "rule: majority", with: "rule: atLeast\n    count: 3")
        #expect(
            Fixtures.load(replacing: "boards/exec.yaml", with: board).diagnostics.map(\.message)
                == ["quorum needs 3 approvals but the board has only 2 members"])
        let percent = Fixtures.board.replacingOccurrences(of: "rule: majority", with: "rule: percent\n    percent: 101")
        #expect(
            Fixtures.load(replacing: "boards/exec.yaml", with: percent).diagnostics.map(\.message)
                == ["101 is more than the maximum 100"])
        let workflow = Fixtures.workflow
            .replacingOccurrences(of: "\"0 9 * * MON-FRI\"", with: "\"0 25 * * *\"\n  timeZone: Mars/Base")
            .replacingOccurrences(of: "default: 2", with: "default: two")
        let messages = Fixtures.load(replacing: "workflow.yaml", with: workflow).diagnostics.map(\.message)
        #expect(messages.contains { $0.hasPrefix("invalid schedule `0 25 * * *`") })
        #expect(messages.contains("unknown time zone `Mars/Base`"))
        #expect(
            messages.contains("default does not match the parameter's type `int`: expected an integer, found a string"))
    }

    @Test func hostileInputIsRefusedQuickly() {
        let laughs = """
            a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
            b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
            c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
            d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
            e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
            f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
            g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
            """
        let clock = ContinuousClock()
        var result: LoadResult?
        let elapsed = clock.measure { result = Fixtures.load(replacing: "bomb.yaml", with: laughs) }
        #expect(elapsed < .milliseconds(100))
        #expect(result?.diagnostics.first?.code == "yaml.alias")
        #expect(result?.diagnostics.first?.location == "bomb.yaml:1:4")

        var bytes = Array("apiVersion: charter/v1\nkind: Team\nmetadata:\n  name: x\nspec:\n  displayName: ab".utf8)
        bytes.append(0xFF)
        let utf8 = Loader.load(Fixtures.files(Fixtures.valid) + [SourceFile(path: "bad.yaml", contents: .bytes(bytes))])
        #expect(utf8.diagnostics.map(\.code) == ["yaml.encoding"])
        #expect(utf8.diagnostics[0].line == 6)

        let deep = String(repeating: "[", count: 5000) + String(repeating: "]", count: 5000)
        #expect(Fixtures.load(replacing: "deep.yaml", with: deep).diagnostics.map(\.code) == ["yaml.tooDeep"])

        let huge = String(repeating: "# padding\n", count: 120_000)
        #expect(Fixtures.load(replacing: "huge.yaml", with: huge).diagnostics.map(\.code) == ["yaml.tooLarge"])
    }

    @Test func hugeDurationsAreAnErrorNotAnOverflow() {
        let many = String(repeating: "999999999d", count: 120)
        let workflow = Fixtures.workflow.replacingOccurrences(
            of: "run: echo done", with: "run: echo done\n      timeout: \(many)")
        let result = Fixtures.load(replacing: "workflow.yaml", with: workflow)
        #expect(result.diagnostics.map(\.message) == ["is 1200 characters long; the limit is 32"])
        #expect(DurationText.parse(many) == Int.max / 2, "parsing saturates instead of overflowing")
        #expect(DurationText.parse("1000000000s") == nil)
        #expect(DurationText.parse("1h30m") == 5_400_000)
        #expect(DurationText.parse("250ms") == 250)
        #expect(DurationText.parse("5") == nil)
    }

    @Test func refusedFilesAreReported() {
        let files =
            Fixtures.files(Fixtures.valid) + [
                SourceFile(path: "link.yaml", contents: .refused("symlink points outside the repository"))
            ]
        let r = Loader.load(files)
        #expect(r.diagnostics.map(\.description) == ["link.yaml: error: symlink points outside the repository"])
    }

    @Test func reservedPathsAreSkipped() {
        #expect(ConfigPaths.isConfigFile("teams/core.yaml"))
        #expect(ConfigPaths.isConfigFile("a.yml"))
        #expect(!ConfigPaths.isConfigFile(".github/workflows/ci.yaml"))
        #expect(!ConfigPaths.isConfigFile("teams/.draft.yaml"))
        #expect(!ConfigPaths.isConfigFile("README.md"))
    }

    @Test func cacheReusesUnchangedFiles() {
        var cache = LoaderCache()
        let files = Fixtures.files(Fixtures.valid).enumerated().map { i, f in
            SourceFile(path: f.path, contents: f.contents, cacheKey: "blob\(i)")
        }
        let first = Loader.load(files, cache: &cache)
        #expect(cache.count == files.count)
        // Same keys with other bytes: the cached parse is used, which proves no reparse happened.
        let poisoned = files.map { SourceFile(path: $0.path, contents: .bytes([0xFF]), cacheKey: $0.cacheKey) }
        let second = Loader.load(poisoned, cache: &cache)
        #expect(second.diagnostics.isEmpty)
        #expect(second.state.resources.count == first.state.resources.count)
    }
}
