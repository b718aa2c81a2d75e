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
