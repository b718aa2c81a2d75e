import CharterModel
import Testing

/// Inputs a hostile `proposals/*` branch could push. Each must end in a clear error (or a clear
/// result), quickly: none may crash, hang or blow up memory or output. The inputs are generated
/// here; timings are in docs/PERFORMANCE.md (`charter-bench hostile`), not asserted.
@Suite struct HostileInputTests {
    /// The fixture organization with `extra` files added or replaced.
    func load(_ extra: [String: String]) -> LoadResult {
        var files = Fixtures.valid
        for (path, text) in extra { files[path] = text }
        return Fixtures.load(files)
    }

    func template(_ name: String, _ spec: String) -> String {
        "apiVersion: charter/v1\nkind: Template\nmetadata:\n  name: \(name)\nspec:\n" + spec
    }

    // MARK: 1. Durations

    @Test(arguments: [
        ("timeout: 214000d", "`214000d` is longer than the maximum of 30d"),
        ("timeout: 31d", "`31d` is longer than the maximum of 30d"),
        ("retry: {initialBackoff: 214000d}", "`214000d` is longer than the maximum of 1d"),
        ("retry: {maxBackoff: 25h}", "`25h` is longer than the maximum of 1d"),
    ])
    func stepDurationsAreBounded(field: String, message: String) {
        let result = load([
            "evil.yaml": template(
                "evil", "  steps:\n    - name: s\n      type: shell\n      run: exit 1\n      \(field)\n")
        ])
        #expect(result.diagnostics.map(\.code) == ["schema.range"])
        #expect(result.diagnostics.first?.message == message)
    }

    @Test func organizationAndRoutineDurationsAreBounded() {
        let org = Fixtures.organization + "\n  controller: {pollInterval: 0s}"
        let routine = Fixtures.workflow.replacingOccurrences(
            of: "  template: standup", with: "  template: standup\n  startingDeadline: 401d")
        let result = load(["organization.yaml": org, "workflow.yaml": routine])
        #expect(
            result.diagnostics.map(\.message) == [
                "`0s` is shorter than the minimum of 1s", "`401d` is longer than the maximum of 400d",
            ])
    }

    // MARK: 2. Endpoints

    @Test(arguments: [
        "http://127.0.0.1:99999/v1", "http://127.0.0.1:0/v1", "http://h:065/v1", "https://h/v1?key=x", "https://h/v1#x",
        "https://bob:pw@h/v1", "http:///v1", "http://[::1/v1", "http://h/v 1", "HTTP://h/v1",
    ])
    func endpointsAreCheckedStrictly(endpoint: String) {
        let source = Fixtures.role.replacingOccurrences(
            of: "  provider: offline", with: "  provider: openai\n  endpoint: \"\(endpoint)\"\n  model: m")
        let result = load(["roles.yaml": source])
        #expect(result.diagnostics.map(\.code) == ["schema.pattern"], "\(endpoint)")
        #expect(!result.diagnostics.map(\.description).joined().contains("pw"))
    }

    @Test(arguments: [
        ("http://127.0.0.1:65535/v1", 65535), ("https://[::1]:8080", 8080), ("http://my_host.local/v1/", nil),
        ("https://api.example.com", nil),
    ])
    func usableEndpointsPass(endpoint: String, port: Int?) throws {
        #expect(try HTTPEndpoint(endpoint).port == port)
    }

    // MARK: 3. Parameter patterns

    @Test func aPolynomialBacktrackingPatternIsDecidedInOnePass() {
        let spec = """
              parameters:
                - name: x
                  pattern: "a*a*a*a*a*a*a*a*a*a*b"
                  default: "\(String(repeating: "a", count: 4000))"
              steps:
                - {name: s, type: shell, run: echo}

            """
        let result = load(["evil.yaml": template("evil", spec)])
        #expect(result.diagnostics.map(\.code) == ["semantic.default"])
        let message = result.diagnostics.first?.message ?? ""
        #expect(message.contains("does not match the pattern `a*a*a*a*a*a*a*a*a*a*b`"))
        #expect(message.count < 400, "the 4,000-character value is cut in the message")
    }

    @Test func anUnsupportedPatternIsRefusedWithItsPosition() {
        let spec = """
              parameters:
                - {name: x, pattern: "(a)\\\\1", default: aa}
              steps:
                - {name: s, type: shell, run: echo}

            """
        let result = load(["evil.yaml": template("evil", spec)])
        #expect(result.diagnostics.map(\.code) == ["semantic.pattern"])
        #expect(
            result.diagnostics.first?.message
                == "pattern refused: backreferences (`\\1`) are not supported in parameter patterns (at character 4)")
    }
}

extension HostileInputTests {
    // MARK: 4. Template size and the step graph

    @Test func sixteenThousandChainedStepsAreRefusedByCount() {
        var spec = "  steps:\n    - {name: s0, type: shell, run: e}\n"
        for i in 1..<16_000 { spec += "    - {name: s\(i), type: shell, needs: [s\(i - 1)], run: e}\n" }
        let text = template("big", spec)
        #expect(text.utf8.count < 1_048_576)
        let result = load(["big.yaml": text])
        #expect(result.diagnostics.map(\.message) == ["has 16000 items; the limit is 1000"])
    }

    @Test func aThousandChainedStepsReadingEachOtherAreCheckedExactly() {
        // Each step reads the first step (upstream through the chain) and the last (downstream).
        var spec = "  steps:\n    - {name: s0, type: shell, run: e}\n"
        for i in 1..<1000 {
            spec += "    - {name: s\(i), type: shell, needs: [s\(i - 1)], run: e, env: {A: '${{ steps.s0.output }}'"
            spec += i == 500 ? ", B: '${{ steps.s999.output }}'}}\n" : "}}\n"
        }
        let result = load(["chain.yaml": template("chain", spec)])
        #expect(result.diagnostics.map(\.code) == ["template.order"])
        #expect(result.diagnostics.first?.message.contains("step `s500` reads `steps.s999.output`") == true)
    }

    @Test func aCycleAmongStepsIsReportedOnceAndUpstreamStaysExact() {
        let spec = """
              steps:
                - {name: a, type: shell, needs: [c], run: e}
                - {name: b, type: shell, needs: [a], run: e}
                - {name: c, type: shell, needs: [b], run: e, env: {X: '${{ steps.a.output }}'}}
                - {name: d, type: shell, run: e, env: {X: '${{ steps.a.output }}'}}

            """
        let result = load(["cycle.yaml": template("cycle", spec)])
        #expect(result.diagnostics.map(\.code).sorted() == ["cycle.steps", "template.order"])
        #expect(result.diagnostics.contains { $0.message.contains("step `d` reads `steps.a.output`") })
    }

    // MARK: 5. Cycles

    @Test func aFiftyThousandTeamCycleIsFoundOnceWithAShortMessage() {
        var files: [String: String] = [:]
        let n = 50_000
        for start in stride(from: 0, to: n, by: 10_000) {
            files["teams/cycle\(start).yaml"] = (start..<start + 10_000).map { i in
                "apiVersion: charter/v1\nkind: Team\nmetadata: {name: t\(i)}\nspec: {displayName: T, parent: t\((i + 1) % n)}\n"
            }.joined(separator: "---\n")
        }
        let result = load(files)
        #expect(result.diagnostics.map(\.code) == ["cycle.team"])
        let message = result.diagnostics.first?.message ?? ""
        #expect(
            message
                == "team parents form a cycle: t0 → t1 → t2 → t3 → t4 → t5 → … and 49994 more → t0 (50000 in the cycle)"
        )
    }
}

extension HostileInputTests {
    // MARK: 6. Diagnostics are capped

    /// A team document with `fields` unknown fields: one diagnostic each.
    func unknownFields(_ name: String, _ fields: Int) -> String {
        "apiVersion: charter/v1\nkind: Team\nmetadata: {name: \(name)}\nspec:\n  displayName: X\n"
            + (0..<fields).map { "  f\($0): 1\n" }.joined()
    }

    @Test func oneFileShowsAtMostAHundredThenASummary() {
        let result = load(["noisy.yaml": unknownFields("noisy", 5000)])
        #expect(result.diagnostics.count == 101)
        #expect(result.diagnostics.prefix(100).allSatisfy { $0.file == "noisy.yaml" })
        #expect(result.diagnostics.last?.isSummary == true)
        #expect(result.diagnostics.last?.message.hasPrefix("and 4900 more errors (5000 in all)") == true)
        #expect(result.errorCount == 5000)
        // Sorted, first ones first.
        #expect(result.diagnostics.first?.line == 6)
    }

    @Test func aRepositoryShowsAtMostAThousandInAll() {
        var files: [String: String] = [:]
        for i in 0..<30 { files["noisy/\(i).yaml"] = unknownFields("noisy-\(i)", 500) }
        let result = load(files)
        #expect(result.diagnostics.count == 1001)
        #expect(result.errorCount == 15_000)
        #expect(result.diagnostics.last?.message.hasPrefix("and 14000 more errors (15000 in all)") == true)
        // The first ten files in order, a hundred each.
        let shownFiles = Set(result.diagnostics.dropLast().map(\.file))
        #expect(shownFiles == Set(["noisy/0.yaml", "noisy/1.yaml"] + (10..<18).map { "noisy/\($0).yaml" }))
        do {
            _ = try result.get()
            Issue.record("an invalid revision loaded")
        } catch {
            #expect(error.errorCount == 15_000)
            #expect(error.description.hasSuffix("15000 errors; the revision was not loaded"))
        }
    }

    @Test func crossResourceProblemsAreCappedAndTheSameWhateverTheOrder() {
        // Ten thousand members who do not exist, among five thousand people who do.
        let people = (0..<5000).map {
            "apiVersion: charter/v1\nkind: Person\nmetadata: {name: p\($0)}\nspec: {displayName: P}\n"
        }.joined(separator: "---\n")
        let members = (0..<10_000).map { "x\($0)" }.joined(separator: ", ")
        let team =
            "apiVersion: charter/v1\nkind: Team\nmetadata: {name: big}\nspec: {displayName: B, members: [\(members)]}\n"
        let result = load(["crowd.yaml": people, "teams/big.yaml": team])
        #expect(result.errorCount == 10_000)
        #expect(result.diagnostics.count == 101)
        #expect(result.diagnostics.first?.message == "person `x0` does not exist; did you mean `p0`?")
        #expect(load(["teams/big.yaml": team, "crowd.yaml": people]).diagnostics == result.diagnostics)
    }

    @Test func echoedValuesAreCut() {
        let long = String(repeating: "x", count: 100_000)
        let board = Fixtures.board.replacingOccurrences(of: "rule: majority", with: "rule: \"\(long)\"")
        let role = Fixtures.role.replacingOccurrences(
            of: "capacityClass: general", with: "capacityClass: general\n  \(long.prefix(1000)): 1")
        let result = load(["boards/exec.yaml": board, "roles.yaml": role])
        #expect(result.diagnostics.count == 2)
        for d in result.diagnostics { #expect(d.description.count < 800, "\(d.description.prefix(300))") }
    }

    @Test func oneIdentityDefinedThousandsOfTimesIsLinear() {
        let copies = (0..<10_000).map { _ in
            "apiVersion: charter/v1\nkind: Team\nmetadata: {name: dup}\nspec: {displayName: D}\n"
        }.joined(separator: "---\n")
        let result = load(["dups.yaml": copies])
        #expect(result.errorCount == 9_999)
        #expect(result.diagnostics.first?.message.hasPrefix("Team/dup is defined twice") == true)
    }
}

extension HostileInputTests {
    @Test func boardsNamingBigTeamsAreNotCountedBeyondTheBound() {
        let members = (0..<10_000).map { "x\($0)" }.joined(separator: ", ")
        let team =
            "apiVersion: charter/v1\nkind: Team\nmetadata: {name: big}\nspec: {displayName: B, members: [\(members)]}\n"
        let boards = (0..<1001).map {
            "apiVersion: charter/v1\nkind: Board\nmetadata: {name: b\($0)}\nspec: {displayName: B, members: [{team: big}], quorum: {rule: majority}}\n"
        }.joined(separator: "---\n")
        let result = load(["teams/big.yaml": team, "boards/many.yaml": boards])
        #expect(
            result.diagnostics.contains {
                $0.message
                    == "the boards' teams expand to 10011005 seats in all, more than 10000000; quorums are not checked"
            })
    }
}
