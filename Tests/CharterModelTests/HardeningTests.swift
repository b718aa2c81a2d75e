import CharterModel
import Testing

@Suite struct HardeningTests {
    @Test func aCatastrophicPatternIsMatchedInLinearTime() {
        let workflow = Fixtures.workflow.replacingOccurrences(
            of: "      default: status",
            with: "      default: \"\(String(repeating: "a", count: 4000))!\"\n      pattern: \"(a+)+$\"")
        let result = Fixtures.load(replacing: "workflow.yaml", with: workflow)
        // The default, and the routine's argument that the fixture passes, are both checked.
        #expect(result.diagnostics.map(\.code) == ["semantic.default", "semantic.argument"])
        #expect(result.diagnostics.allSatisfy { $0.message.contains("does not match the pattern `(a+)+$`") })
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
