import CharterControl
import CharterFoundation
import CharterModel
import Foundation

/// `/org`: the team tree, people (a page at a time, with the teams ``OrgView`` derives), roles,
/// boards, routines with their next fire times and zones, and capacity sources. Display names
/// and descriptions come from the repository: interpolation escapes them and flags look-alikes.
enum OrgPage {
    static func render(_ state: OrgState, page: Int, now: Date) -> HTML {
        var body: HTML = ""
        if let o = state.organization {
            body += "<p><strong>\(o.displayName)</strong> (\(o.name)), time zone \(o.timeZone).</p>"
            if let d = o.description { body += "<p>\(d)</p>" }
        }
        let counts = ResourceKind.allCases.map { "\(state.count(of: $0)) \($0.rawValue)" }.joined(separator: ", ")
        body += "<p>Applied resources: \(counts).</p>"
        body += Layout.section("Teams", id: "teams", teams(state))
        body += Layout.section("People", id: "people", people(state, page: page))
        body += Layout.section("Roles", id: "roles", roles(state))
        body += Layout.section("Boards", id: "boards", boards(state))
        body += Layout.section("Routines", id: "routines", routines(state, now: now))
        body += Layout.section("Capacity sources", id: "sources", sources(state))
        return Layout.page(title: "Organization", section: "/org", body)
    }

    /// Nested lists from `parent`; each team with its lead, member count and description.
    static func teams(_ state: OrgState) -> HTML {
        var children: [String: [String]] = [:]
        var roots: [String] = []
        for (name, team) in state.teams {
            if let parent = team.parent, state.teams[parent] != nil {
                children[parent, default: []].append(name)
            } else {
                roots.append(name)
            }
        }
        var visited = Set<String>()
        func tree(_ names: [String]) -> HTML {
            var html: HTML = "<ul class=\"tree\">"
            for name in names.sorted() where visited.insert(name).inserted {
                guard let t = state.teams[name] else { continue }
                html += "<li><strong>\(t.displayName)</strong> <code>\(name)</code>"
                html += ", \(state.members(ofTeam: name).count) members"
                if let lead = t.lead { html += ", lead \(state.people[lead]?.displayName ?? lead)" }
                if let d = t.description { html += " — \(d)" }
                if let kids = children[name] { html += tree(kids) }
                html += "</li>"
            }
            return html + "</ul>"
        }
        return state.teams.isEmpty ? "<p class=\"empty\">No teams.</p>" : tree(roots)
    }

    static func people(_ state: OrgState, page: Int) -> HTML {
        let names = state.people.keys.sorted()
        let per = DashboardPages.peoplePerPage
        let shown = names.dropFirst((page - 1) * per).prefix(per)
        let teams = OrgView.teamsByPerson(state)
        var html: HTML = "<p>\(names.count) people (humans and agents), \(per) per page.</p>"
        html += Layout.table(
            caption: "People", headers: ["name", "display name", "type", "role", "teams", "manager"],
            rows: shown.compactMap { name in
                guard let p = state.people[name] else { return nil }
                return [
                    "<code>\(name)</code>", "\(p.displayName)", "\(p.type.rawValue)", "\(p.role ?? "")",
                    "\((teams[name] ?? []).joined(separator: ", "))", "\(p.manager ?? "")",
                ]
            }, empty: "No people on this page.")
        if names.count > per {
            html += Layout.pager(path: "/org?", page: page, hasMore: page * per < names.count)
        }
        return html
    }

    static func roles(_ state: OrgState) -> HTML {
        Layout.table(
            caption: "Roles", headers: ["role", "capacity class", "step types", "tools", "budget per day"],
            rows: state.roles.keys.sorted().compactMap { name in
                guard let r = state.roles[name] else { return nil }
                return [
                    "<code>\(name)</code>", "\(r.capacityClass)", "\(r.allowedStepTypes.joined(separator: ", "))",
                    "\(r.tools.joined(separator: ", "))", "\(budget(r.budget))",
                ]
            })
    }

    static func budget(_ b: Budget?) -> String {
        guard let b else { return "" }
        return [b.tokensPerDay.map { "\($0) tokens" }, b.costPerDay.map { String(format: "$%.2f", $0) }]
            .compactMap { $0 }.joined(separator: ", ")
    }

    static func boards(_ state: OrgState) -> HTML {
        Layout.table(
            caption: "Boards", headers: ["board", "display name", "quorum", "members"],
            rows: state.boards.keys.sorted().compactMap { name in
                guard let b = state.boards[name] else { return nil }
                let rule: String
                switch b.rule {
                case .unanimous: rule = "unanimous"
                case .majority: rule = "majority"
                case .atLeast(let n): rule = "at least \(n)"
                case .percent(let p): rule = "\(p) %"
                }
                let members = b.members.map { m -> String in
                    switch m {
                    case .person(let p): return p
                    case .team(let t): return "team \(t)"
                    }
                }
                return [
                    "<code>\(name)</code>", "\(b.displayName)", "\(rule)\(b.veto ? ", veto" : "")",
                    "\(members.joined(separator: ", ")) (\(state.roster(ofBoard: name).count) people)",
                ]
            })
    }

    static func routines(_ state: OrgState, now: Date) -> HTML {
        Layout.table(
            caption: "Routines and their next fire times",
            headers: ["routine", "schedule", "time zone", "template", "next fire"],
            rows: state.routines.keys.sorted().compactMap { name in
                guard let r = state.routines[name] else { return nil }
                var next = "disabled"
                if r.enabled, let (zone, fires) = OrgView.nextFires(of: r, organization: state.organization, after: now)
                {
                    next = fires.first.map { "\(Timestamp.local($0, in: zone)) (\(Timestamp.utc($0)))" } ?? "never"
                }
                return [
                    Layout.link("/runs?routine=\(name.addingPercentEncodingForQuery)", name),
                    "<code>\(r.schedule)</code>",
                    "\(OrgView.timeZone(of: r, organization: state.organization))", "\(r.template)", "\(next)",
                ]
            })
    }

    static func sources(_ state: OrgState) -> HTML {
        Layout.table(
            caption: "Capacity sources", headers: ["source", "provider", "class", "model", "priority"],
            rows: state.capacitySources.keys.sorted().compactMap { name in
                guard let s = state.capacitySources[name] else { return nil }
                return [
                    "<code>\(name)</code>", "\(s.provider.rawValue)", "\(s.capacityClass)", "\(s.model)",
                    "\(s.priority)",
                ]
            })
    }
}
