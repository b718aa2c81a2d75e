import CharterModel
import Testing

/// ToolServers, and the tool names Roles and Policies may write: each must name a tool that exists.
@Suite struct ToolServerTests {
    static let git = """
        apiVersion: charter/v1
        kind: ToolServer
        metadata:
          name: git
        spec:
          description: The reference git server.
          stdio:
            command: [mcp-server-git, --repository, /workspace/repo]
            env: {GIT_PAGER: cat}
          readOnlyTools: [git_status, git_log, "git_diff*"]
          idempotentTools: [git_add]
          timeout: 30s
        """

    static let remote = """
        apiVersion: charter/v1
        kind: ToolServer
        metadata:
          name: tickets
        spec:
          http:
            url: https://mcp.example.com/mcp
            credential: tickets-token
        ---
        apiVersion: charter/v1
        kind: Policy
        metadata:
          name: secrets
        spec:
          runRules:
            secrets:
              allow: [tickets-token]
        """

    /// The valid organization plus `extra` files.
    static func load(_ extra: [String: String]) -> LoadResult {
        var files = Fixtures.valid
        files.merge(extra) { $1 }
        return Fixtures.load(files)
    }

    static func role(tools: String) -> String {
        Fixtures.role.replacingOccurrences(
            of: "  capacityClass: general\n", with: "  capacityClass: general\n  tools: \(tools)\n")
    }

    @Test func stdioAndHTTPServersLoadWithDefaults() throws {
        let state = try Self.load(["tools/git.yaml": Self.git, "tools/remote.yaml": Self.remote]).get()
        let git = try #require(state.toolServers["git"])
        #expect(
            git.transport
                == .stdio(
                    .init(
                        command: ["mcp-server-git", "--repository", "/workspace/repo"],
                        environment: ["GIT_PAGER": "cat"])))
        #expect(git.timeoutMilliseconds == 30_000)
        #expect(git.toolPrefix == "mcp.git.")
        #expect(git.dottedName(ofTool: "git_status") == "mcp.git.git_status")
        #expect(git.isDeclaredReadOnly("git_diff_staged") && !git.isDeclaredReadOnly("git_commit"))
        #expect(git.isDeclaredIdempotent("git_add") && git.isDeclaredIdempotent("git_log"))
        #expect(!git.isDeclaredIdempotent("git_commit"))
        let tickets = try #require(state.toolServers["tickets"])
        #expect(tickets.transport == .http(url: "https://mcp.example.com/mcp", credential: "tickets-token"))
        #expect(tickets.timeoutMilliseconds == 60_000, "the default timeout is a minute")
        #expect(ResourceKind(loose: "toolservers") == .toolServer)
        #expect(ResourceKind(loose: "tool-server") == .toolServer)
    }

    @Test func exactlyOneTransport() {
        let both = Self.git.replacingOccurrences(
            of: "  readOnlyTools:", with: "  http:\n    url: https://x.example/mcp\n  readOnlyTools:")
        let neither = Self.git.replacingOccurrences(
            of: "  stdio:\n    command: [mcp-server-git, --repository, /workspace/repo]\n    env: {GIT_PAGER: cat}\n",
            with: "")
        for text in [both, neither] {
            let messages = Self.load(["tools/git.yaml": text]).diagnostics.map(\.description)
            #expect(
                messages.contains {
                    $0.hasPrefix("tools/git.yaml:6:3:")
                        && ($0.contains("takes only one of `stdio` or `http`")
                            || $0.contains("needs `stdio` or `http`"))
                }, "\(messages)")
        }
    }

    @Test func commandsURLsNamesAndCredentialsAreChecked() {
        let cases: [(String, String, String)] = [
            (
                Self.git.replacingOccurrences(of: "[mcp-server-git, --repository, /workspace/repo]", with: "[]"),
                "tools/git.yaml:8:", "at least 1"
            ),
            (
                Self.git.replacingOccurrences(of: "[mcp-server-git,", with: "[\"\","),
                "tools/git.yaml:8:", "the command's program is empty"
            ),
            (
                Self.git.replacingOccurrences(of: "GIT_PAGER: cat", with: "GIT_PAGER: \"a\\0b\""),
                "tools/git.yaml:9:", "NUL"
            ),
            (
                Self.git.replacingOccurrences(of: "  timeout: 30s", with: "  timeout: 2h"),
                "tools/git.yaml:12:", "longer than the maximum of 1h"
            ),
            (
                Self.git.replacingOccurrences(of: "name: git", with: "name: a-tool-server-name-that-is-far-too-long"),
                "tools/git.yaml:4:", "at most 32 characters"
            ),
            (
                Self.git.replacingOccurrences(
                    of: "    env: {GIT_PAGER: cat}",
                    with: "    env: {GIT_PAGER: cat}\n    network:\n      allow: [example.com]"),
                "tools/git.yaml:11:", "has no port"
            ),
            (
                Self.remote.replacingOccurrences(of: "https://mcp.example.com/mcp", with: "http://mcp.example.com/mcp"),
                "tools/remote.yaml:7:", "plain http to another machine"
            ),
            (
                Self.remote.replacingOccurrences(
                    of: "https://mcp.example.com/mcp", with: "https://me:pw@mcp.example.com/"),
                "tools/remote.yaml:7:", "http"
            ),
            (
                Self.remote.replacingOccurrences(of: "allow: [tickets-token]", with: "allow: [other]"),
                "tools/remote.yaml:8:", "no Policy's runRules.secrets.allow grants the secret `tickets-token`"
            ),
        ]
        for (text, position, fragment) in cases {
            let path = text.contains("tickets") ? "tools/remote.yaml" : "tools/git.yaml"
            let messages = Self.load([path: text]).diagnostics.map(\.description)
            #expect(messages.contains { $0.hasPrefix(position) && $0.contains(fragment) }, "\(fragment): \(messages)")
        }
        // Plain http to this machine is fine, a server beside the controller, once the
        // Organization allows loopback endpoints.
        let organization =
            Fixtures.organization + "\n  endpoints:\n    allowCIDRs: [127.0.0.0/8, \"::1/128\"]\n"
        for url in ["http://127.0.0.1:8080/mcp", "http://[::1]:9/mcp", "http://localhost/mcp"] {
            let text = Self.remote.replacingOccurrences(of: "https://mcp.example.com/mcp", with: url)
            let result = Self.load(["tools/remote.yaml": text, "organization.yaml": organization])
            #expect(result.diagnostics == [], "\(url)")
        }
    }

    @Test func toolPatternsMustNameSomethingThatExists() {
        let role = Self.role(
            tools:
                "[files.read, \"files.*\", \"*\", \"mcp.git.*\", mcp.git.git_status, \"mcp.*\", \"mcp.g*\", shell.exec]"
        )
        #expect(Self.load(["roles.yaml": role, "tools/git.yaml": Self.git]).diagnostics == [])

        let wrong = Self.role(tools: "[files.reed, mcp.gti.git_status, mcp.git, \"mcp.git.\", \"mcp.x*\", \"web.*\"]")
        let result = Self.load(["roles.yaml": wrong, "tools/git.yaml": Self.git])
        let messages = result.diagnostics.map(\.description)
        #expect(result.diagnostics.count == 5, "\(messages)")
        #expect(result.diagnostics.allSatisfy { $0.code == "reference.tool" && $0.file == "roles.yaml" })
        #expect(
            messages.contains { $0.contains("`files.reed` names no tool") && $0.contains("did you mean `files.read`?") }
        )
        #expect(
            messages.contains {
                $0.contains("`mcp.gti.git_status` names tools of the ToolServer `gti`, which does not exist")
                    && $0.contains("did you mean `mcp.git.`?")
            })
        #expect(messages.contains { $0.contains("`mcp.git` names no tool") })
        #expect(messages.contains { $0.contains("`mcp.git.` names no tool of the ToolServer `git`") })
        #expect(messages.contains { $0.contains("`mcp.x*` names no tool") })
        // Without any ToolServer, `mcp.*` names nothing.
        let lonely = Self.load(["roles.yaml": Self.role(tools: "[\"mcp.*\"]")]).diagnostics.map(\.description)
        #expect(lonely.count == 1 && lonely[0].contains("`mcp.*` names no tool"), "\(lonely)")
    }

    @Test func policyToolRulesAndApprovalsAreChecked() {
        let policy = """
            apiVersion: charter/v1
            kind: Policy
            metadata:
              name: agents
            spec:
              runRules:
                tools:
                  allow: ["files.*", "mcp.git.*"]
                  deny: [shell.exec, mcp.git.git_commit]
                  requireApproval:
                    - tools: [files.write, "mcp.git.git_*"]
                      board: exec
                      exceptPaths: ["/workspace/scratch/**"]
            """
        #expect(Self.load(["policy.yaml": policy, "tools/git.yaml": Self.git]).diagnostics == [])
        let state = try? Self.load(["policy.yaml": policy, "tools/git.yaml": Self.git]).get()
        #expect(state?.policies["agents"]?.toolApprovals.first?.board == "exec")

        let bad =
            policy
            .replacingOccurrences(of: "deny: [shell.exec,", with: "deny: [shell.exce,")
            .replacingOccurrences(of: "board: exec", with: "board: exce")
            .replacingOccurrences(of: "\"/workspace/scratch/**\"", with: "\"../up\"")
            .replacingOccurrences(of: "tools: [files.write,", with: "tools: [mcp.hg.status,")
        let messages = Self.load(["policy.yaml": bad, "tools/git.yaml": Self.git]).diagnostics.map(\.description)
        #expect(messages.count == 4, "\(messages)")
        #expect(messages.contains { $0.hasPrefix("policy.yaml:9:") && $0.contains("`shell.exce` names no tool") })
        #expect(
            messages.contains {
                $0.hasPrefix("policy.yaml:11:") && $0.contains("ToolServer `hg`, which does not exist")
            })
        #expect(messages.contains { $0.hasPrefix("policy.yaml:12:") && $0.contains("board `exce` does not exist") })
        #expect(messages.contains { $0.hasPrefix("policy.yaml:13:") && $0.contains("path pattern `../up`") })

        let missingBoard = policy.split(separator: "\n").filter { !$0.contains("board: exec") }.joined(separator: "\n")
        let schema = Self.load(["policy.yaml": missingBoard]).diagnostics.map(\.description)
        #expect(schema.contains { $0.contains("missing required field `board`") }, "\(schema)")
        let spaced = policy.replacingOccurrences(of: "allow: [\"files.*\",", with: "allow: [\"files read\",")
        let refused = Self.load(["policy.yaml": spaced]).diagnostics.map(\.description)
        #expect(refused.contains { $0.hasPrefix("policy.yaml:8:") && $0.contains("printable ASCII") }, "\(refused)")
    }

    @Test func aBrokenServerIsNotReportedAgainThroughPatterns() {
        let broken = Self.git.replacingOccurrences(of: "  timeout: 30s", with: "  timeout: forever")
        let role = Self.role(tools: "[\"mcp.git.*\"]")
        let messages = Self.load(["roles.yaml": role, "tools/git.yaml": broken]).diagnostics.map(\.description)
        #expect(messages.count == 1 && messages[0].contains("tools/git.yaml"), "\(messages)")
    }

    @Test func rulesSayWhichServersAStepMayUse() throws {
        let state = try Self.load(["tools/git.yaml": Self.git, "tools/remote.yaml": Self.remote]).get()
        let git = try #require(state.toolServers["git"])
        func policy(_ allow: [String], deny: [String] = []) -> RunRules {
            RunRules(
                policies: [
                    Policy(
                        name: "p",
                        spec: [
                            "runRules": [
                                "tools": [
                                    "allow": .array(allow.map { .string($0) }),
                                    "deny": .array(deny.map { .string($0) }),
                                ]
                            ]
                        ])
                ])
        }
        #expect(policy(["mcp.git.*"]).mayOfferTools(of: git, rolePatterns: ["mcp.*"]))
        #expect(policy(["*"]).mayOfferTools(of: git, rolePatterns: ["mcp.git.git_status"]))
        #expect(!policy(["files.*"]).mayOfferTools(of: git, rolePatterns: ["*"]), "no Policy allows any of its tools")
        #expect(!policy(["*"]).mayOfferTools(of: git, rolePatterns: ["files.*"]), "the Role lists none of them")
        #expect(!policy(["*"], deny: ["mcp.git.*"]).mayOfferTools(of: git, rolePatterns: ["*"]), "all denied")
        #expect(!policy(["*"], deny: ["mcp.*"]).mayOfferTools(of: git, rolePatterns: ["*"]), "all denied")
        #expect(policy(["*"], deny: ["mcp.git.git_commit"]).mayOfferTools(of: git, rolePatterns: ["*"]))
    }

    @Test func everyBuiltInToolIsCatalogued() {
        #expect(
            ToolCatalog.names == [
                "files.list", "files.read", "files.search", "files.write", "files.edit", "shell.exec", "web.fetch",
                "org.resources", "org.runs", "org.proposals", "org.propose",
            ])
    }
}
