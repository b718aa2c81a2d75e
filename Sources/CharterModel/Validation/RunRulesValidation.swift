extension Checker {
    /// Policies' run rules: every path pattern and network rule parses, every tool rule names a tool.
    mutating func policyRunRules(_ res: Resource, _ policy: Policy) {
        policyTools(res, policy)
        for (list, rules) in [("allow", policy.allowedNetwork), ("deny", policy.deniedNetwork)] {
            networkRules(res, rules, at: JSONPointer("/spec/runRules/network/\(list)"))
        }
        for (list, patterns) in [("allow", policy.allowedPaths), ("deny", policy.deniedPaths)] {
            for (i, text) in patterns.enumerated() {
                do throws(PathPatternError) {
                    _ = try PathPattern(text)
                } catch {
                    out.add(
                        res.diagnostic(
                            "semantic.path-pattern", at: JSONPointer("/spec/runRules/paths/\(list)/\(i)"),
                            "path pattern `\(text)`: \(error.message)", hint: error.hint))
                }
            }
        }
    }

    /// Every entry of a list of network rules parses.
    mutating func networkRules(_ res: Resource, _ rules: [String], at path: JSONPointer) {
        for (i, text) in rules.enumerated() {
            do throws(NetworkRuleError) {
                _ = try NetworkRule(text)
            } catch {
                out.add(
                    res.diagnostic(
                        "semantic.network-rule", at: path.appending(i), "`\(error.rule)`: \(error.message)",
                        hint: error.hint))
            }
        }
    }

    /// A shell step's secrets: each variable is set once, and each secret is granted by some
    /// Policy of the revision (the applied Policies decide again when the step runs).
    mutating func stepSecrets(_ res: Resource, _ step: TemplateStep, at path: JSONPointer) {
        guard !step.secrets.isEmpty else { return }
        let rules = RunRules(policies: Array(state.policies.values))
        for (variable, secret) in step.secrets.sorted(by: { $0.key < $1.key }) {
            let pointer = path.appending("secrets").appending(variable)
            if step.env[variable] != nil {
                out.add(
                    res.diagnostic(
                        "semantic.secret", at: pointer,
                        "`\(variable)` is set both by `env` and by `secrets`",
                        hint: "rename one of them"))
            }
            if let refusal = rules.refusal(ofSecret: secret) {
                out.add(
                    res.diagnostic(
                        "semantic.secret", at: pointer,
                        "step `\(step.name)` asks for a secret it cannot have: \(refusal)",
                        hint: "add `\(secret)` to a Policy's runRules.secrets.allow, or remove it from the step"))
            }
        }
    }
}
