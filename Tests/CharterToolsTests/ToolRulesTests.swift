import CharterModel
import Testing

@testable import CharterTools

/// Arguments, names and rules: what the loop checks before any tool runs.
@Suite struct ToolRulesTests {
    @Test func argumentsAreCheckedAgainstTheSchema() throws {
        let schema = FilesReadTool().parameters
        #expect(try ArgumentCheck.parse(#"{"path":"a"}"#, schema: schema).get()["path"] == "a")
        for (json, problem) in [
            ("{", "not valid JSON"), ("[1]", "must be a JSON object"), (#"{}"#, "arguments.path is required"),
            (#"{"path":1}"#, "arguments.path must be string"), (#"{"path":"a","x":1}"#, "has no field `x`"),
            (#"{"path":"a","offset":0}"#, "at least 1"),
        ] {
            guard case .failure(let failure) = ArgumentCheck.parse(json, schema: schema) else {
                Issue.record("\(json) passed")
                continue
            }
            #expect(failure.message.contains(problem), "\(json): \(failure.message)")
        }
        let huge = #"{"path":""# + String(repeating: "a", count: 2 << 20) + #""}"#
        guard case .failure(let failure) = ArgumentCheck.parse(huge, schema: schema) else {
            Issue.record("2 MiB of arguments passed")
            return
        }
        #expect(failure.message.contains("at most"))
    }

    @Test func wireNamesAreSafeUniqueAndMapBack() {
        var registry = ToolRegistry(ToolRegistry.fileTools)
        #expect(registry.wireName(of: "files.read") == "files__read")
        #expect(registry.name(ofWire: "files__read") == "files.read")
        #expect(registry.name(ofWire: "files.read") == nil)
        struct Named: AgentTool {
            let name: String
            let summary = ""
            let parameters: Value = ["type": "object"]
            let effect = ToolEffect.readOnly
            func call(_ arguments: [String: Value], context: ToolCallContext) async throws -> ToolOutput {
                ToolOutput("")
            }
        }
        registry.add(Named(name: "mcp.x.a/b"))
        registry.add(Named(name: "mcp.x.a_b"))
        registry.add(Named(name: "mcp." + String(repeating: "y", count: 100)))
        let wires = registry.names.compactMap(registry.wireName(of:))
        #expect(Set(wires).count == wires.count)
        #expect(wires.allSatisfy { ToolDefinition.isWireNameForTests($0) })
    }

    @Test func aDenyWinsAndTheRoleAndAPolicyMustBothAllow() {
        let allow = Policy(name: "a", spec: ["runRules": ["tools": ["allow": ["files.*"]]]])
        let deny = Policy(name: "d", spec: ["runRules": ["tools": ["deny": ["files.write"]]]])
        let rules = RunRules(policies: [allow, deny])
        #expect(rules.refusal(ofTool: "files.read", role: "r", rolePatterns: ["files.*"]) == nil)
        #expect(rules.refusal(ofTool: "files.write", role: "r", rolePatterns: ["files.*"])?.contains("deny") == true)
        #expect(rules.refusal(ofTool: "files.read", role: "r", rolePatterns: ["shell.exec"])?.contains("Role") == true)
        #expect(
            RunRules(policies: []).refusal(ofTool: "files.read", role: "r", rolePatterns: ["*"])?.contains("allow")
                == true)
    }

    @Test func approvalRulesMatchToolsAndSparePaths() {
        let policy = Policy(
            name: "p",
            spec: [
                "runRules": [
                    "tools": [
                        "requireApproval": [
                            ["tools": ["files.write"], "board": "b", "exceptPaths": ["/workspace/scratch/**"]]
                        ]
                    ]
                ]
            ])
        let rules = RunRules(policies: [policy])
        #expect(rules.approval(ofTool: "files.write", path: "/workspace/src/a")?.board == "b")
        #expect(rules.approval(ofTool: "files.write", path: "/workspace/scratch/a") == nil)
        #expect(rules.approval(ofTool: "files.read", path: "/workspace/src/a") == nil)
    }
}

enum ToolDefinition {
    /// The providers' rule for tool names, `^[A-Za-z0-9_-]{1,64}$`, spelled out again here so the
    /// registry is checked against the rule itself rather than against its own code.
    static func isWireNameForTests(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= 64
            && name.unicodeScalars.allSatisfy {
                ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || $0 == "_"
                    || $0 == "-"
            }
    }
}
