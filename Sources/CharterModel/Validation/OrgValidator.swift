import CharterCron
import Foundation

/// Checks what no single document can: identities, references, cycles and semantics across a
/// whole revision.
public enum OrgValidator {
    /// The cross-resource problems of `state`, sorted and capped by `limits` (then a summary of
    /// the rest). References to `invalid` resources (defined, but with errors of their own,
    /// already reported) are not reported again as missing, nor are references to any resource of
    /// `invalidKinds` (a document of the kind has errors and a name that cannot be read).
    public static func validate(
        _ state: OrgState, invalid: Set<ResourceID> = [], invalidKinds: Set<ResourceKind> = [],
        limits: DiagnosticLimits = .default
    ) -> [Diagnostic] {
        var collector = DiagnosticCollector(limits: limits)
        validate(state, invalid: invalid, invalidKinds: invalidKinds, into: &collector)
        return collector.listing
    }

    /// Adds the cross-resource problems of `state` to `collector`, which keeps what a capped
    /// listing shows; expensive parts of messages (suggestions) are built only for those.
    public static func validate(
        _ state: OrgState, invalid: Set<ResourceID> = [], invalidKinds: Set<ResourceKind> = [],
        into collector: inout DiagnosticCollector
    ) {
        var c = Checker(state: state, invalid: invalid, invalidKinds: invalidKinds, out: collector)
        c.organization()
        c.people()
        c.teams()
        c.roles()
        c.boards()
        c.policies()
        c.templates()
        c.routines()
        c.capacitySources()
        c.toolServers()
        c.notifications()
        c.endpoints()
        c.roleTools()
        c.cycles()
        collector = c.out
    }
}

struct Checker {
    let state: OrgState
    /// Resources defined with errors: a reference to one is not a second problem.
    let invalid: Set<ResourceID>
    /// Kinds with a document whose errors hide its name: a reference to any of them is not a
    /// second problem either, since it may name that document.
    var invalidKinds: Set<ResourceKind> = []
    /// What is found; keeps only what a capped listing shows.
    var out: DiagnosticCollector
    /// Names of each kind, sorted, for suggestions; built on first use.
    var names: [ResourceKind: [String]] = [:]
    /// Compiled parameter patterns, or why each is refused, by pattern text.
    var patterns: [String: Result<ParameterPattern, ParameterPatternError>] = [:]
    /// Time zone names already looked up.
    var zones: [String: Bool] = [:]

    /// The compiled pattern, or why it is refused.
    mutating func compiled(_ pattern: String) -> Result<ParameterPattern, ParameterPatternError> {
        if let cached = patterns[pattern] { return cached }
        let result = Result { () throws(ParameterPatternError) in try ParameterPattern(pattern) }
        patterns[pattern] = result
        return result
    }

    /// The compiled pattern, or nil when it is refused (then nothing is matched with it).
    mutating func pattern(_ pattern: String?) -> ParameterPattern? {
        pattern.flatMap { try? compiled($0).get() }
    }

    mutating func knownZone(_ id: String) -> Bool {
        if let known = zones[id] { return known }
        let known = TimeZone(identifier: id) != nil
        zones[id] = known
        return known
    }

    func r(_ kind: ResourceKind, _ name: String) -> Resource { state.resources[ResourceID(kind, name)]! }

    mutating func missing(
        _ from: Resource, _ path: JSONPointer, _ kind: ResourceKind, _ name: String, _ what: String? = nil
    ) {
        if invalid.contains(ResourceID(kind, name)) || invalidKinds.contains(kind) { return }
        // A suggestion scans every name of the kind: only for a diagnostic that can be shown.
        guard admits(from, path) else { return out.omit() }
        if names[kind] == nil { names[kind] = state.resources.keys.filter { $0.kind == kind }.map(\.name).sorted() }
        let suggestion = Suggestion.closest(to: name, in: names[kind]!)
        out.add(
            from.diagnostic(
                "reference.missing", at: path,
                "\(what ?? kind.rawValue.lowercased()) `\(name)` does not exist"
                    + (suggestion.map { "; did you mean `\($0)`?" } ?? ""),
                hint: suggestion == nil ? "define \(kind.rawValue)/\(name) or fix the name" : nil))
    }

    /// Whether a diagnostic about the field at `path` of `res` could be shown.
    func admits(_ res: Resource, _ path: JSONPointer) -> Bool {
        let m = res.mark(at: path)
        return out.admits(file: res.source?.file ?? "(applied state)", line: m?.line ?? 0, column: m?.column ?? 0)
    }

    // Paths are autoclosures: they are built only for the rare reference that is missing.
    mutating func ref(_ from: Resource, _ path: @autoclosure () -> JSONPointer, _ kind: ResourceKind, _ name: String?) {
        guard let name, !state.contains(kind, name) else { return }
        missing(from, path(), kind, name)
    }

    mutating func refs(
        _ from: Resource, _ path: @autoclosure () -> JSONPointer, _ kind: ResourceKind, _ names: [String]
    ) {
        for (i, n) in names.enumerated() where !state.contains(kind, n) { missing(from, path().appending(i), kind, n) }
    }

    mutating func zone(_ from: Resource, _ path: @autoclosure () -> JSONPointer, _ id: String?) {
        guard let id, !knownZone(id) else { return }
        out.add(
            from.diagnostic(
                "semantic.time-zone", at: path(), "unknown time zone `\(Excerpt.cut(id))`",
                hint: "use an IANA zone name such as `Europe/Berlin` or `UTC`"))
    }

    mutating func organization() {
        let orgs = state.resources.keys.filter { $0.kind == .organization }.sorted()
        // An Organization with errors of its own is reported already, not as missing.
        if orgs.isEmpty, !invalid.contains(where: { $0.kind == .organization }), !invalidKinds.contains(.organization) {
            out.add(
                Diagnostic(
                    code: "identity.organization", file: "(repository)",
                    message: "no Organization found; a repository needs exactly one",
                    hint: "add a document with `kind: Organization`"))
        }
        for extra in orgs.dropFirst() {
            out.add(
                r(.organization, extra.name).diagnostic(
                    "identity.organization", at: .root,
                    "a repository holds exactly one Organization; `\(orgs[0].name)` is already defined"
                        + (state.resources[orgs[0]]?.source.map { " at \($0.file):\($0.line):\($0.column)" } ?? ""),
                    hint: "merge them into one"))
        }
        if let o = state.organization {
            zone(r(.organization, o.name), JSONPointer("/spec/timeZone"), o.timeZone)
            controller(o)
        }
    }

    /// The controller's branches must be distinct git branches: a status branch equal to the watched
    /// branch would get a status commit every pass.
    mutating func controller(_ o: Organization) {
        let res = r(.organization, o.name)
        func fail(_ field: String, _ message: String, hint: String) {
            out.add(
                res.diagnostic(
                    "semantic.controller", at: JSONPointer("/spec/controller/\(field)"), message, hint: hint))
        }
        var valid = true
        for (field, name) in [("branch", o.branch), ("statusBranch", o.statusBranch)] {
            if let why = BranchName.problem(name) {
                fail(field, "`\(name)` is not a valid branch name: \(why)", hint: "use a name such as `charter/status`")
                valid = false
            }
        }
        let prefix = o.proposalBranchPrefix
        if let why = prefix.isEmpty ? "it is empty" : BranchName.problem(prefix + "x") {
            fail(
                "proposalBranchPrefix", "`\(prefix)` cannot start branch names: \(why)",
                hint: "use a prefix such as `proposals/`")
            valid = false
        }
        guard valid else { return }
        if o.statusBranch == o.branch {
            fail(
                "statusBranch", "the status branch `\(o.statusBranch)` is the watched branch",
                hint: "status is written every pass; give it its own branch, such as `charter/status`")
        } else if o.statusBranch.hasPrefix(o.branch + "/") || o.branch.hasPrefix(o.statusBranch + "/") {
            fail(
                "statusBranch",
                "git cannot hold both `\(o.branch)` and `\(o.statusBranch)`: one is a directory of the other",
                hint: "use a status branch outside `\(o.branch)/`, such as `charter/status`")
        }
        for (field, name) in [("branch", o.branch), ("statusBranch", o.statusBranch)] where name.hasPrefix(prefix) {
            fail(
                field,
                "`\(name)` starts with the proposal branch prefix `\(prefix)`, so it would be proposed as a change",
                hint: "choose a name outside `\(prefix)` or another `proposalBranchPrefix`")
        }
        for name in [o.branch, o.statusBranch] where prefix.hasPrefix(name + "/") {
            fail(
                "proposalBranchPrefix", "proposal branches under `\(prefix)` cannot exist beside the branch `\(name)`",
                hint: "use a prefix such as `proposals/`")
        }
        // A poll interval under 1s is refused by the schema (its duration range).
    }

    mutating func people() {
        for (name, p) in state.people {
            let res = r(.person, name)
            ref(res, JSONPointer("/spec/role"), .role, p.role)
            refs(res, JSONPointer("/spec/teams"), .team, p.teams)
            ref(res, JSONPointer("/spec/manager"), .person, p.manager)
            if p.manager == name {
                out.add(
                    res.diagnostic(
                        "cycle.manager", at: JSONPointer("/spec/manager"), "a person cannot manage themselves"))
            }
        }
    }

    mutating func teams() {
        for (name, t) in state.teams {
            let res = r(.team, name)
            ref(res, JSONPointer("/spec/parent"), .team, t.parent)
            ref(res, JSONPointer("/spec/lead"), .person, t.lead)
            refs(res, JSONPointer("/spec/members"), .person, t.members)
        }
    }

    mutating func roles() {
        // A CapacitySource with errors of its own may be the one serving the class: reported already.
        if invalid.contains(where: { $0.kind == .capacitySource }) { return }
        let classes = Set(state.capacitySources.values.map(\.capacityClass))
        for (name, role) in state.roles where !classes.contains(role.capacityClass) {
            let suggestion = Suggestion.closest(to: role.capacityClass, in: classes.sorted())
            out.add(
                r(.role, name).diagnostic(
                    "reference.missing", at: JSONPointer("/spec/capacityClass"),
                    "no CapacitySource serves the capacity class `\(role.capacityClass)`"
                        + (suggestion.map { "; did you mean `\($0)`?" } ?? ""),
                    hint: suggestion == nil ? "add a CapacitySource with `class: \(role.capacityClass)`" : nil))
        }
    }

    mutating func boards() {
        // Counting a board's roster unions its teams' members: small boards naming big teams cost
        // that much each, so the rosters are counted only while all of them together stay bounded.
        var expansion = 0
        for b in state.boards.values {
            for case .team(let t) in b.members { expansion += state.members(ofTeam: t).count }
            expansion += b.members.count
        }
        let countRosters = expansion <= SchemaLimits.boardExpansion
        if !countRosters, let first = state.boards.keys.min() {
            out.add(
                r(.board, first).diagnostic(
                    "semantic.quorum", at: JSONPointer("/spec/members"),
                    "the boards' teams expand to \(expansion) seats in all, more than \(SchemaLimits.boardExpansion); quorums are not checked",
                    hint: "name fewer or smaller teams on boards"))
        }
        for (name, b) in state.boards {
            let res = r(.board, name)
            for (i, m) in b.members.enumerated() {
                switch m {
                case .person(let p): ref(res, JSONPointer("/spec/members/\(i)/person"), .person, p)
                case .team(let t): ref(res, JSONPointer("/spec/members/\(i)/team"), .team, t)
                }
            }
            guard countRosters else { continue }
            let n = state.roster(ofBoard: name).count
            let quorum = JSONPointer("/spec/quorum")
            if n == 0 {
                out.add(
                    res.diagnostic(
                        "semantic.quorum", at: JSONPointer("/spec/members"),
                        "the board has no members, so it can never reach quorum",
                        hint: "add people, or teams that have members"))
                continue
            }
            if case .atLeast(let k) = b.rule, k > n {
                out.add(
                    res.diagnostic(
                        "semantic.quorum", at: quorum.appending("count"),
                        "quorum needs \(k) approvals but the board has only \(n) member\(n == 1 ? "" : "s")",
                        hint: "lower `count` to at most \(n) or add members"))
            }
        }
    }

    mutating func policies() {
        for (name, p) in state.policies {
            let res = r(.policy, name)
            for (i, rule) in p.changeRules.enumerated() {
                let path = JSONPointer("/spec/changeRules/\(i)")
                refs(res, path.appending("boards"), .board, rule.boards)
                if rule.action == "require" && rule.boards.isEmpty {
                    out.add(
                        res.diagnostic(
                            "semantic.policy", at: path, "rule `\(rule.name)` requires approval but names no boards",
                            hint: "add `boards:`, or use `action: autoApprove`"))
                }
                if !rule.allowGuards.isEmpty && rule.boards.isEmpty {
                    out.add(
                        res.diagnostic(
                            "semantic.policy", at: path.appending("allowGuards"),
                            "lifting a guard needs a named board to approve it", hint: "add `boards:`"))
                }
            }
            policyRunRules(res, p)
        }
    }

    mutating func templates() {
        for (name, t) in state.templates {
            let res = r(.template, name)
            var seenParams: [String: Int] = [:]
            for (i, p) in t.parameters.enumerated() {
                let path = JSONPointer("/spec/parameters/\(i)")
                if let first = seenParams[p.name] {
                    out.add(
                        res.diagnostic(
                            "identity.duplicate", at: path.appending("name"),
                            "parameter `\(p.name)` is defined twice (first as parameter \(first + 1))"))
                }
                seenParams[p.name] = seenParams[p.name] ?? i
                if let pattern = p.pattern, case .failure(let e) = compiled(pattern) {
                    out.add(
                        res.diagnostic(
                            "semantic.pattern", at: path.appending("pattern"), "pattern refused: \(e)",
                            hint: e.hint ?? "docs/TEMPLATES.md lists what parameter patterns support"))
                }
                for (field, types) in p.fieldsForOtherTypes {
                    out.add(
                        res.diagnostic(
                            "semantic.field", at: path.appending(field),
                            "`\(field)` applies to \(types) parameters only; this one is `\(p.type.rawValue)`, so it would do nothing",
                            hint: "remove `\(field)`, or change `type`"))
                }
                if let d = p.defaultValue, let problem = p.problem(with: d, pattern: pattern(p.pattern)) {
                    // A list's elements are pointed at one by one.
                    let items = p.refusedListItems(in: d, pattern: pattern(p.pattern))
                    for (at, why) in items.isEmpty
                        ? [(path.appending("default"), problem)]
                        : items.map({
                            (path.appending("default").appending($0.index), $0.problem)
                        })
                    {
                        out.add(
                            res.diagnostic(
                                "semantic.default", at: at,
                                "default does not match the parameter's type `\(p.type.rawValue)`: \(why)"))
                    }
                }
            }
            var steps: [String: Int] = [:]
            let stepNames = t.steps.map(\.name)
            for (i, s) in t.steps.enumerated() {
                if let first = steps[s.name] {
                    out.add(
                        res.diagnostic(
                            "identity.duplicate", at: JSONPointer("/spec/steps/\(i)/name"),
                            "step `\(s.name)` is defined twice (first as step \(first + 1))"))
                } else {
                    steps[s.name] = i
                }
            }
            for (i, s) in t.steps.enumerated() {
                let path = JSONPointer("/spec/steps/\(i)")
                for (j, n) in s.needs.enumerated() where steps[n] == nil {
                    let at = path.appending("needs").appending(j)
                    guard admits(res, at) else {
                        out.omit()
                        continue
                    }
                    let suggestion = Suggestion.closest(to: n, in: stepNames)
                    out.add(
                        res.diagnostic(
                            "reference.missing", at: path.appending("needs").appending(j),
                            "step `\(s.name)` needs `\(n)`, which is not a step of this template"
                                + (suggestion.map { "; did you mean `\($0)`?" } ?? "")))
                }
                ref(res, path.appending("role"), .role, s.role)
                ref(res, path.appending("board"), .board, s.board)
                if let roleName = s.role, let role = state.roles[roleName],
                    !role.allowedStepTypes.contains(s.type.rawValue)
                {
                    out.add(
                        res.diagnostic(
                            "semantic.step-type", at: path.appending("role"),
                            "role `\(roleName)` may not run `\(s.type.rawValue)` steps",
                            hint: "add `\(s.type.rawValue)` to the role's allowedStepTypes or pick another role"))
                }
                stepSecrets(res, s, at: path)
                networkRules(res, s.network, at: path.appending("network"))
            }
            templateExpressions(res, t)
        }
    }

    mutating func routines() {
        for (name, routine) in state.routines {
            let res = r(.routine, name)
            do {
                _ = try CronExpression(routine.schedule)
            } catch {
                out.add(
                    res.diagnostic(
                        "semantic.cron", at: JSONPointer("/spec/schedule"),
                        "invalid schedule `\(Excerpt.cut(routine.schedule))`: \(Excerpt.cut(error.message))"))
            }
            zone(res, JSONPointer("/spec/timeZone"), routine.timeZone)
            guard let t = state.templates[routine.template] else {
                ref(res, JSONPointer("/spec/template"), .template, routine.template)
                continue
            }
            let params = Dictionary(t.parameters.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
            for (key, value) in routine.arguments.sorted(by: { $0.key < $1.key }) {
                let path = JSONPointer("/spec/arguments").appending(key)
                guard let p = params[key] else {
                    let suggestion = Suggestion.closest(to: key, in: params.keys.sorted())
                    out.add(
                        res.diagnostic(
                            "reference.missing", at: path,
                            "template `\(t.name)` has no parameter `\(key)`"
                                + (suggestion.map { "; did you mean `\($0)`?" } ?? "")))
                    continue
                }
                if let problem = p.problem(with: value, pattern: pattern(p.pattern)) {
                    let items = p.refusedListItems(in: value, pattern: pattern(p.pattern))
                    for (at, why) in items.isEmpty
                        ? [(path, problem)] : items.map({ (path.appending($0.index), $0.problem) })
                    {
                        out.add(res.diagnostic("semantic.argument", at: at, "argument `\(key)`: \(why)"))
                    }
                }
            }
            for p in t.parameters where p.required && p.defaultValue == nil && routine.arguments[p.name] == nil {
                out.add(
                    res.diagnostic(
                        "semantic.argument", at: JSONPointer("/spec/arguments"),
                        "template `\(t.name)` requires the parameter `\(p.name)`",
                        hint: "add `\(p.name):` under arguments"))
            }
        }
    }

    /// Every URL the controller itself sends requests to on the repository's word reaches only
    /// public addresses or networks the Organization allows (``OutboundAddressRules``); the
    /// Organization's own list parses.
    mutating func endpoints() {
        if let o = state.organization {
            let res = r(.organization, o.name)
            let written = res.spec["endpoints"]?["allowCIDRs"]?.strings ?? []
            for (i, text) in written.enumerated() {
                do throws(IPNetworkError) {
                    _ = try IPNetwork(text)
                } catch {
                    out.add(
                        res.diagnostic(
                            "semantic.endpoint", at: JSONPointer("/spec/endpoints/allowCIDRs/\(i)"),
                            "`\(Excerpt.cut(text))` is not a network: \(error.message)", hint: error.hint))
                }
            }
        }
        let rules = OutboundAddressRules(organization: state.organization)
        var urls: [(Resource, JSONPointer, String)] = []
        for (name, source) in state.capacitySources {
            if let endpoint = source.endpoint {
                urls.append((r(.capacitySource, name), JSONPointer("/spec/endpoint"), endpoint))
            }
        }
        for (name, server) in state.toolServers {
            if case .http(let url, _) = server.transport {
                urls.append((r(.toolServer, name), JSONPointer("/spec/http/url"), url))
            }
        }
        for (name, n) in state.notifications {
            if case .webhook(let url, _) = n.sink {
                urls.append((r(.notification, name), JSONPointer("/spec/webhook/url"), url))
            }
        }
        for (res, path, url) in urls {
            // A URL that is no endpoint at all is the schema's to report.
            guard let endpoint = try? HTTPEndpoint(url), let refusal = rules.refusal(host: endpoint.host) else {
                continue
            }
            out.add(
                res.diagnostic(
                    "semantic.endpoint", at: path, "`\(Excerpt.cut(url))`: \(refusal.message)", hint: refusal.hint))
        }
    }

    mutating func capacitySources() {
        for (name, s) in state.capacitySources {
            if case .file(let path) = s.credential, path.contains("..") {
                out.add(
                    r(.capacitySource, name).diagnostic(
                        "semantic.credential", at: JSONPointer("/spec/credential/file"),
                        "credential file paths may not contain `..`", hint: "give an absolute path"))
            }
        }
    }
}
