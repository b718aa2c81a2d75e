import CharterModel
import Testing

@Suite struct ParameterPatternTests {
    func matches(_ pattern: String, _ value: String) throws -> Bool {
        try ParameterPattern(pattern).matches(value)
    }

    @Test(arguments: [
        ("[a-z0-9]([-a-z0-9]*[a-z0-9])?", "platform-2", true),
        ("[a-z0-9]([-a-z0-9]*[a-z0-9])?", "platform-", false),
        ("[a-z0-9]([-a-z0-9]*[a-z0-9])?", "", false),
        ("(https|ssh|git)://[A-Za-z0-9._:@/-]+", "ssh://git@host:22/org/repo.git", true),
        ("(https|ssh|git)://[A-Za-z0-9._:@/-]+", "ftp://host/x", false),
        ("[a-z0-9-]+/[a-z0-9._-]+", "northwind/platform", true),
        ("[a-z0-9-]+/[a-z0-9._-]+", "northwind/platform/x", false),
        ("^[a-z]+$", "abc", true),
        ("^[a-z]+$", "abc1", false),
        ("[0-9]+[.][0-9]+", "1.25", true),
        ("\\d{4}-\\d{2}-\\d{2}", "2026-11-23", true),
        ("\\d{4}-\\d{2}-\\d{2}", "2026-1-23", false),
        ("a{2,3}", "a", false),
        ("a{2,3}", "aa", true),
        ("a{2,3}", "aaa", true),
        ("a{2,3}", "aaaa", false),
        ("a{2,}", "aaaaaa", true),
        ("(ab|c)*", "", true),
        ("(ab|c)*", "abcab", true),
        ("(ab|c)*", "abca", false),
        ("(?:x|y)+z?", "xyxz", true),
        ("(?<word>\\w+)\\s\\S", "ab_9 !", true),
        ("[^@\\s]+@[^@\\s]+\\.[^@\\s]+", "ada@example.com", true),
        ("[^@\\s]+@[^@\\s]+\\.[^@\\s]+", "ada@example", false),
        (".*", "anything but\nnewlines", false),
        ("\\$\\^\\.\\*", "$^.*", true),
        ("[\\]\\[-]+", "][-", true),
        ("caf\\u00e9|\\u{1F600}", "café", true),
        ("caf\\u00e9|\\u{1F600}", "😀", true),
        ("[α-ω]+", "λόγος", false),
        ("[α-ω]+", "λογος", true),
        ("a|", "", true),
        ("x*?y+?", "xxy", true),
    ])
    func matchesTheWholeValue(pattern: String, value: String, expected: Bool) throws {
        #expect(try matches(pattern, value) == expected, "\(pattern) against \(value)")
    }

    @Test(arguments: [
        ("(a", "is not closed"),
        ("a)", "unmatched `)`"),
        ("*a", "nothing to repeat"),
        ("a**", "cannot follow another quantifier"),
        ("a*+", "possessive"),
        ("a{2", "does not start a count"),
        ("a{3,2}", "out of order"),
        ("a{1001}", "counts above 1000"),
        ("[z-a]", "out of order"),
        ("[]a]", "right after `[`"),
        ("[[:alpha:]]", "nested classes"),
        ("[a&&b]", "set operation"),
        ("\\bword", "word boundaries"),
        ("(a)\\1", "backreferences"),
        ("\\p{L}", "Unicode properties"),
        ("(?=a)a", "lookahead"),
        ("(?i)a", "inline options"),
        ("a^b", "`^` may only start"),
        ("a$b", "`$` may only end"),
        ("(a$)", "`$` may only end"),
        ("[a-z]{200}", "character positions"),
        ("(a{100}){100}", "character positions"),
        ("\\", "ends with `\\`"),
    ])
    func refusesWhatItDoesNotSupport(pattern: String, message: String) {
        #expect {
            _ = try ParameterPattern(pattern)
        } throws: { error in
            "\(error)".contains(message)
        }
    }

    @Test func refusesLongPatterns() throws {
        #expect(throws: ParameterPatternError.self) { try ParameterPattern(String(repeating: "a", count: 257)) }
        #expect(try ParameterPattern(String(repeating: "a", count: 128)).matches(String(repeating: "a", count: 128)))
    }

    @Test func refusesDeepNesting() {
        let deep = String(repeating: "(", count: 40) + "a" + String(repeating: ")", count: 40)
        #expect(throws: ParameterPatternError.self) { try ParameterPattern(deep) }
    }

    @Test func valuesOverTheLengthLimitNeverMatch() throws {
        let p = try ParameterPattern("a*")
        #expect(p.matches(String(repeating: "a", count: ParameterPattern.maxInputLength)))
        #expect(!p.matches(String(repeating: "a", count: ParameterPattern.maxInputLength + 1)))
    }

    /// Backtracking engines take polynomial or exponential time on these; the automaton's work per
    /// value scalar is bounded by the pattern's positions, so each is one pass.
    @Test(arguments: [
        "a*a*a*a*a*a*a*a*a*a*b", "(a+)+$", "(a|a)*b", "(a|aa)*c", "(\\w*)*x", "(a*){100}b",
        "(.*a){20}", "(a|b)*a(a|b){40}",
    ])
    func adversarialPatternsAreDecidedInOnePass(pattern: String) throws {
        let p = try ParameterPattern(pattern)
        let value = String(repeating: "a", count: ParameterPattern.maxInputLength - 1) + "!"
        #expect(!p.matches(value))
    }
}
