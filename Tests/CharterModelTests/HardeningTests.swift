import CharterModel
import Testing

@Suite struct HardeningTests {
    @Test func exponentialPatternsAreRefused() {
        #expect(PatternSafety.problem("(a+)+$") != nil)
        #expect(PatternSafety.problem("^(a|a)*$") != nil)
        #expect(PatternSafety.problem("(\\w*){2,}") != nil)
        #expect(PatternSafety.problem(String(repeating: "a", count: 300)) != nil)
        #expect(PatternSafety.problem("[a-z0-9]([-a-z0-9]*[a-z0-9])?") == nil)
        #expect(PatternSafety.problem("^[a-z]+/[a-z0-9._-]+$") == nil)
        #expect(PatternSafety.problem("[(a+)+]") == nil, "inside a class, parentheses are literals")
    }

    @Test func aCatastrophicPatternFailsValidationQuickly() {
        let workflow = Fixtures.workflow.replacingOccurrences(
            of: "      default: status",
            with: "      default: \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!\"\n      pattern: \"(a+)+$\"")
        let clock = ContinuousClock()
        var result: LoadResult?
        let elapsed = clock.measure { result = Fixtures.load(replacing: "workflow.yaml", with: workflow) }
        #expect(elapsed < .seconds(2))
        #expect(result?.diagnostics.map(\.code) == ["semantic.pattern"])
        #expect(result?.diagnostics.first?.message.contains("exponential time") == true)
    }

    @Test func credentialsInURLsAreNotEchoed() {
        let source = Fixtures.role.replacingOccurrences(
            of: "  provider: offline",
            with: "  provider: openai\n  endpoint: https://bob:sk-SECRET123@api.example.com/v1")
        let result = Fixtures.load(replacing: "roles.yaml", with: source)
        let text = result.diagnostics.map(\.description).joined()
        #expect(text.contains("https://***@api.example.com/v1"))
        #expect(!text.contains("SECRET"))
        #expect(!text.contains("bob"))
    }

    @Test func kindsAcceptPluralsAndDashes() {
        #expect(ResourceKind(loose: "people") == .person)
        #expect(ResourceKind(loose: "policies") == .policy)
        #expect(ResourceKind(loose: "capacity-sources") == .capacitySource)
        #expect(ResourceKind(loose: "Teams") == .team)
        #expect(ResourceKind(loose: "teem") == nil)
    }

    @Test func infiniteNumbersGetAClearMessage() {
        let role = Fixtures.role.replacingOccurrences(
            of: "  capacityClass: general", with: "  capacityClass: general\n  budget: {costPerDay: 1e400}")
        let result = Fixtures.load(replacing: "roles.yaml", with: role)
        #expect(result.diagnostics.map(\.message) == ["`1e400` is out of range: numbers must be finite"])
    }
}
