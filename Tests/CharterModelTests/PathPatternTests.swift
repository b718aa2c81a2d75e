import CharterFoundation
import CharterModel
import Testing

@Suite struct PathPatternTests {
    func p(_ text: String) throws -> PathPattern { try PathPattern(text) }

    @Test(arguments: [
        ("/usr/**", "/usr", true), ("/usr/**", "/usr/bin/git", true), ("/usr/**", "/usrx", false),
        ("/usr/bin/**", "/usr", false), ("/etc/*.conf", "/etc/a.conf", true), ("/etc/*.conf", "/etc/x/a.conf", false),
        ("~/.ssh/**", "/workspace/.ssh", true), ("~/.ssh/**", "/workspace/.ssh/id_ed25519", true),
        ("~/.ssh/**", "/workspace/src/.ssh/id", false), ("~", "/workspace", true), ("~", "/workspace/x", false),
        ("*.pem", "/workspace/key.pem", true), ("*.pem", "/workspace/a/b/key.pem", true),
        ("*.pem", "/etc/key.pem", false),
        (".env", "/workspace/app/.env", true), ("**/.env", "/workspace/.env", true),
        ("build/out", "/workspace/build/out", true),
        ("build/out", "/workspace/x/build/out", false), ("**/secrets/*.json", "/workspace/a/secrets/k.json", true),
        ("file?.txt", "/workspace/file1.txt", true), ("file?.txt", "/workspace/file10.txt", false),
        ("/a/**/b/**/c", "/a/b/c", true), ("/a/**/b/**/c", "/a/x/y/b/z/c", true), ("/a/**/b/**/c", "/a/c", false),
    ])
    func matches(pattern: String, path: String, expected: Bool) throws {
        #expect(try p(pattern).matches(path) == expected, "\(pattern) ~ \(path)")
    }

    @Test(arguments: [
        ("", "empty"), ("/usr//bin", "empty segment"), ("~/../etc", "`..`"), ("/usr/./bin", "`.`"),
        ("a/~/b", "`~` may only start"), ("/etc/**.conf", "`**` must be a whole segment"), ("[ab].pem", "`[`"),
        ("{a,b}", "`{`"), ("a\\b", "`\\`"), ("x\u{7}", "control character"),
    ])
    func refusesWhatHasNoClearMeaning(text: String, problem: String) {
        #expect {
            _ = try PathPattern(text)
        } throws: { error in
            "\(error)".contains(problem)
        }
    }

    @Test func boundsLengthAndSegments() {
        #expect(throws: PathPatternError.self) { try PathPattern("/" + String(repeating: "a", count: 1025)) }
        #expect(throws: PathPatternError.self) {
            try PathPattern(Array(repeating: "a", count: 70).joined(separator: "/"))
        }
    }

    @Test func manyWildcardsStayFast() throws {
        // Exponential backtracking would take ages here; the matcher is polynomial.
        let pattern = try p("/" + Array(repeating: "**", count: 30).joined(separator: "/") + "/x")
        let path = "/" + Array(repeating: "a", count: 40).joined(separator: "/") + "/y"
        #expect(!pattern.matches(path))
        let glob = try p("/" + String(repeating: "*a", count: 40) + "b")
        #expect(!glob.matches("/" + String(repeating: "a", count: 200)))
    }

    @Test func literalPrefixAndPruning() throws {
        #expect(try p("/usr/share/*/secret").literalPrefix == "/usr/share")
        #expect(try p("*.pem").literalPrefix == "/workspace")
        #expect(try p("~/.ssh/**").mayMatchBelow("/workspace"))
        #expect(!(try p("~/.ssh/**").mayMatchBelow("/workspace/src")))
        #expect(try p("*.pem").mayMatchBelow("/workspace/a/b"))
        #expect(!(try p("/etc/**").mayMatchBelow("/workspace")))
    }
}

@Suite struct RunRulesTests {
    func policy(_ name: String, _ runRules: Value) -> Policy {
        Policy(name: name, spec: ["runRules": runRules])
    }

    @Test func allowListsAddUpAndADenyWins() {
        let rules = RunRules(policies: [
            policy("a", ["secrets": ["allow": ["deploy-*"]], "paths": ["allow": ["/usr/**", "~/**"]]]),
            policy("b", ["secrets": ["allow": ["ci-token"], "deny": ["deploy-prod"]], "paths": ["deny": ["*.pem"]]]),
        ])
        #expect(rules.refusal(ofSecret: "deploy-staging") == nil)
        #expect(rules.refusal(ofSecret: "ci-token") == nil)
        #expect(rules.refusal(ofSecret: "deploy-prod")?.contains("denied") == true)
        #expect(rules.refusal(ofSecret: "other")?.contains("no Policy") == true)
        #expect(rules.allowsPath("/usr/bin/git"))
        #expect(rules.allowsPath("/workspace/src/main.swift"))
        #expect(!rules.allowsPath("/workspace/key.pem"))
        #expect(!rules.allowsPath("/etc/passwd"), "an allow-list exists and does not reach /etc")
    }

    @Test func noPolicyAllowsNothingThatNeedsAllowingAndEveryPath() {
        let rules = RunRules(policies: [])
        #expect(rules.refusal(ofSecret: "x") != nil)
        #expect(rules.allowsPath("/etc/passwd"))
        #expect(!rules.allowUnsandboxed)
        #expect(rules.allowedNetwork.isEmpty)
    }

    @Test func unsandboxedRunsNeedAPolicyThatSaysSo() {
        let rules = RunRules(policies: [policy("a", [:]), policy("lab", ["allowUnsandboxed": true])])
        #expect(rules.allowUnsandboxed)
        #expect(rules.unsandboxedBy == ["lab"])
    }
}

@Suite struct RedactionTests {
    @Test func everyOccurrenceOfEverySecretIsHidden() {
        let text = "a=s3cret b=s3cret-long c=s3 end"
        let out = Redaction.redact(Array(text.utf8), secrets: ["s3cret", "s3cret-long", ""])
        #expect(String(decoding: out, as: UTF8.self) == "a=*** b=*** c=s3 end", "the longer secret is hidden whole")
        #expect(Redaction.redact([0xFF, 0x00, 0x41], secrets: ["A"]) == [0xFF, 0x00] + Array("***".utf8))
    }

    @Test func aSecretCutAtTheOutputLimitIsHiddenToo() {
        let cut = Array("log: tok-12".utf8)
        #expect(Redaction.redact(cut, secrets: ["tok-123456"], cutAtEnd: true) == Array("log: ***".utf8))
        #expect(Redaction.redact(cut, secrets: ["tok-123456"]) == cut, "only text known to be cut")
        #expect(Redaction.redact(Array("x tok".utf8), secrets: ["tok-123456"], cutAtEnd: true) == Array("x tok".utf8))
    }
}
