import CharterFoundation

/// How many resources of each kind a synthetic org of a given size has.
///
/// The proportions follow a company where most resources are people and teams: about 84 % people,
/// 8 % teams, 3 % routines, 0.5 % each of roles, boards and templates, one organization, four
/// capacity sources and a handful of policies.
struct OrgShape: Sendable, Equatable {
    var people: Int
    var teams: Int
    var roles: Int
    var boards: Int
    var templates: Int
    var routines: Int
    var policies: Int
    var capacitySources: Int

    /// The shape of an org with about `resources` resources in all (at least 100).
    init(resources: Int) {
        let n = max(resources, 100)
        teams = n * 8 / 100
        roles = max(4, n / 200)
        boards = max(4, n / 200)
        templates = max(4, n / 200)
        routines = n * 3 / 100
        policies = 1 + n / 20_000
        capacitySources = 4
        people = n - 1 - teams - roles - boards - templates - routines - policies - capacitySources
    }

    /// Every resource, the organization included.
    var total: Int { 1 + people + teams + roles + boards + templates + routines + policies + capacitySources }
}

/// Which revision of the synthetic org to write.
enum OrgRevision: Sendable {
    /// The state as last applied: about 1 % of people differ from `current`, and a few people
    /// who have since left are still there.
    case applied
    /// The state to plan.
    case current
}

/// A synthetic organization: names and relations of every resource, from which documents are written.
///
/// Structure (not names) follows from indices alone, so every reference resolves and no chain loops:
/// team `t` has parent `(t - 1) / 8`; person `t < teams` leads team `t`; every other person `j` sits
/// on team `j % teams` and reports to its lead; leads report to the lead of the parent team.
struct SyntheticOrg: Sendable {
    let shape: OrgShape
    let seed: UInt64
    let personNames: [String]
    let personDisplayNames: [String]
    let teamNames: [String]
    let sshKeyBodies: [String]

    init(resources: Int, seed: UInt64) {
        shape = OrgShape(resources: resources)
        self.seed = seed
        var rng = SeededGenerator(seed: seed)
        var people: [String] = []
        var displays: [String] = []
        var keys: [String] = []
        people.reserveCapacity(shape.people)
        for j in 0..<shape.people {
            let first = Vocabulary.firstNames.randomElement(using: &rng)!
            let last = Vocabulary.lastNames.randomElement(using: &rng)!
            people.append("\(first)-\(last)-\(j)")
            displays.append("\(first.capitalized) \(last.capitalized)")
            keys.append(String((0..<43).map { _ in Vocabulary.base64.randomElement(using: &rng)! }))
        }
        personNames = people
        personDisplayNames = displays
        sshKeyBodies = keys
        var teams = ["company"]
        for t in 1..<max(shape.teams, 2) {
            teams.append("\(Vocabulary.teamAreas.randomElement(using: &rng)!)-\(t)")
        }
        teamNames = Array(teams.prefix(shape.teams))
    }

    // MARK: Relations

    func parent(ofTeam t: Int) -> Int? { t == 0 ? nil : (t - 1) / 8 }
    func primaryTeam(ofPerson j: Int) -> Int { j % shape.teams }
    func isLead(_ j: Int) -> Bool { j < shape.teams }
    /// One person in ten is an agent; leads are always human.
    func isAgent(_ j: Int) -> Bool { !isLead(j) && j % 10 == 9 }

    func manager(ofPerson j: Int) -> Int? {
        if isLead(j) { return parent(ofTeam: j) }
        return primaryTeam(ofPerson: j)
    }

    /// People on team `t` through its `members` list, lead first.
    func members(ofTeam t: Int) -> [Int] {
        Array(stride(from: t, to: shape.people, by: shape.teams))
    }

    /// A second team some people list under `spec.teams`.
    func extraTeam(ofPerson j: Int) -> Int? {
        guard !isLead(j), j % 5 == 0, shape.teams > 1 else { return nil }
        let t = (j / 5) % shape.teams
        return t == primaryTeam(ofPerson: j) ? (t + 1) % shape.teams : t
    }

    /// Whether person `j` differs between the applied and the current revision (about 1 %).
    func isChangedSinceApply(_ j: Int) -> Bool { !isLead(j) && (j &* 7 &+ Int(seed % 97)) % 100 == 0 }

    /// People present only in the applied revision: they have left since (0.1 %).
    var formerPeople: Int { max(1, shape.people / 1000) }

    func roleName(_ k: Int) -> String { "\(Vocabulary.roleBases[k % Vocabulary.roleBases.count])-\(k)" }
    func templateName(_ k: Int) -> String {
        "\(Vocabulary.templateBases[k % Vocabulary.templateBases.count])-\(k)"
    }
    func boardName(_ k: Int) -> String { k < Vocabulary.boardBases.count ? Vocabulary.boardBases[k] : "board-\(k)" }
    func policyName(_ k: Int) -> String { k == 0 ? "change-control" : "policy-\(k)" }
    func routineName(_ i: Int) -> String {
        "\(teamNames[i % shape.teams])-\(Vocabulary.templateBases[i % Vocabulary.templateBases.count])-\(i)"
    }

    // MARK: Files

    /// Repository-relative path and YAML text of every file of `revision`, in a stable order.
    func files(_ revision: OrgRevision) -> [(path: String, text: String)] {
        var out: [(String, String)] = []
        out.reserveCapacity(shape.total + formerPeople)
        out.append(("organization.yaml", organizationDocument()))
        for (name, text) in capacitySourceDocuments() { out.append(("capacity/\(name).yaml", text)) }
        for k in 0..<shape.policies { out.append(("policies/\(policyName(k)).yaml", policyDocument(k))) }
        for k in 0..<shape.roles { out.append(("roles/\(roleName(k)).yaml", roleDocument(k))) }
        for k in 0..<shape.boards { out.append(("boards/\(boardName(k)).yaml", boardDocument(k))) }
        for k in 0..<shape.templates { out.append(("templates/\(templateName(k)).yaml", templateDocument(k))) }
        for i in 0..<shape.routines { out.append(("routines/\(routineName(i)).yaml", routineDocument(i))) }
        for t in 0..<shape.teams { out.append(("teams/\(teamNames[t]).yaml", teamDocument(t))) }
        for j in 0..<shape.people {
            out.append((personPath(j), personDocument(j, applied: revision == .applied)))
        }
        if revision == .applied {
            for k in 0..<formerPeople { out.append(("people/former/former-\(k).yaml", formerPersonDocument(k))) }
        }
        return out
    }

    /// Where person `j` lives: under the directory of their primary team.
    func personPath(_ j: Int) -> String { "people/\(teamNames[primaryTeam(ofPerson: j)])/\(personNames[j]).yaml" }
}

/// Word lists the generator draws names from.
enum Vocabulary {
    static let firstNames = [
        "ada", "alan", "grace", "linus", "barbara", "edsger", "margaret", "ken", "dennis", "frances", "john",
        "radia", "donald", "leslie", "tim", "sophie", "katherine", "hedy", "niklaus", "bjarne", "anita", "guido",
        "yukihiro", "priya", "maria", "jonas", "lena", "tomasz", "sam", "yuki", "amara", "kofi", "ines", "mateo",
    ]
    static let lastNames = [
        "lovelace", "turing", "hopper", "torvalds", "liskov", "dijkstra", "hamilton", "thompson", "ritchie",
        "allen", "backus", "perlman", "knuth", "lamport", "berners-lee", "wilson", "johnson", "lamarr", "wirth",
        "stroustrup", "borg", "van-rossum", "matsumoto", "nair", "garcia", "weber", "kowalski", "okafor", "mensah",
    ]
    static let teamAreas = [
        "platform", "payments", "search", "growth", "infra", "data", "mobile", "web", "security", "research",
        "support", "billing", "identity", "observability", "ml", "design", "docs", "release", "storage", "network",
    ]
    static let roleBases = ["engineer", "reviewer", "analyst", "scribe", "operator"]
    static let templateBases = ["daily-standup", "code-review", "incident-digest", "release-notes"]
    static let boardBases = ["change", "exec", "architecture", "all-hands"]
    static let titles = ["engineer", "senior-engineer", "manager", "designer", "analyst", "sre", "pm", "researcher"]
    static let locations = ["berlin", "lisbon", "warsaw", "nairobi", "tokyo", "toronto", "remote"]
    static let schedules = [
        "30 9 * * MON-FRI", "@daily", "0 */4 * * *", "15 2 * * 0", "0 8 1 * *", "45 17 * * FRI", "*/30 8-18 * * 1-5",
    ]
    static let timeZones = ["UTC", "Europe/Berlin", "America/New_York", "Asia/Tokyo"]
    static let base64 = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
}
