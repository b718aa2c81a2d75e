import CharterGit
import CharterModel
import CharterTools
import Crypto
import Foundation

/// Where agent-authored proposals go: the repository the controller watches.
public struct ProposalTarget: Sendable {
    /// The repository: a local path or a URL.
    public var location: String
    /// The watched branch; nil for `main`, else `master`, as the controller resolves it.
    public var branch: String?
    /// Credentials for fetching and pushing.
    public var auth: GitAuth
    /// The data directory, which holds the mirror a remote is pushed from.
    public var dataDirectory: URL

    /// A target.
    public init(location: String, branch: String?, auth: GitAuth, dataDirectory: URL) {
        self.location = location
        self.branch = branch
        self.auth = auth
        self.dataDirectory = dataDirectory
    }
}

/// `org.propose`: governed self-configuration. The agent submits whole files; Charter loads the
/// watched branch with them, refuses a revision that does not validate, and commits it on a new
/// proposal branch authored by the agent's Person. The next pass plans, routes and counts votes on
/// it like any proposal branch: the agent holds no key, and as the author it may never approve it.
public struct OrgProposeTool: AgentTool {
    public let name = "org.propose"
    public let summary =
        "Propose a change to the organization: give whole YAML files (repository paths, e.g. routines/nightly.yaml) with their new content, or null to delete one. The change is validated, committed on a proposal branch in your name and voted on by the boards its Policy names; you cannot approve it. Answers the branch name."
    public let parameters: Value = [
        "type": "object", "additionalProperties": false, "required": ["title", "files"],
        "properties": [
            "title": ["type": "string", "minLength": 1, "maxLength": 200, "description": "One line: what and why."],
            "description": ["type": "string", "maxLength": 8000, "description": "More detail for the board."],
            "files": [
                "type": "array", "maxItems": 20,
                "items": [
                    "type": "object", "additionalProperties": false, "required": ["path", "content"],
                    "properties": [
                        "path": ["type": "string", "maxLength": 512],
                        "content": [
                            "type": ["string", "null"], "maxLength": 262_144,
                            "description": "The whole new file, or null to delete it.",
                        ],
                    ],
                ],
            ],
        ],
    ]
    /// A proposal is a new branch each time: a repeat would open a second one.
    public let effect = ToolEffect.sideEffecting
    let rules: StepRules
    let target: ProposalTarget

    /// The tool, proposing to `target` as the agents of the applied state `rules` follows.
    public init(rules: StepRules, target: ProposalTarget) {
        self.rules = rules
        self.target = target
    }

    public func call(_ arguments: [String: Value], context: ToolCallContext) async throws -> ToolOutput {
        let state = rules.organization
        guard let role = context.role,
            let person = state.people.values.filter({ $0.type == .agent && $0.role == role }).min(by: {
                $0.name < $1.name
            })
        else {
            throw ToolFailure(
                "no agent Person holds the Role `\(context.role ?? "?")`, so no one can author the proposal")
        }
        var changes: [String: FileUpdate] = [:]
        for file in arguments["files"]?.array ?? [] {
            let path = file["path"]?.string ?? ""
            guard ConfigPaths.isConfigFile(path), !path.split(separator: "/").contains(".."), !path.hasPrefix("/")
            else {
                throw ToolFailure("`\(path)` is not a configuration file path (a relative *.yaml or *.yml path)")
            }
            changes[path] = file["content"]?.string.map { .write(Array($0.utf8)) } ?? .delete
        }
        guard !changes.isEmpty else { throw ToolFailure("give at least one file") }
        let title = arguments["title"]?.string ?? ""
        let (repository, remote) = try await open()
        let reference = try await watchedReference(repository)
        guard let tip = try await repository.headCommitOfBranch(reference) else {
            throw ToolFailure("the watched branch of \(target.location) cannot be read")
        }
        var files = try await RevisionSource.files(of: repository, at: tip)
        files.removeAll { changes[$0.path] != nil }
        for (path, change) in changes {
            if case .write(let bytes) = change { files.append(SourceFile(path: path, contents: .bytes(bytes))) }
        }
        let loaded = Loader.load(files)
        guard loaded.isValid else {
            let shown = loaded.diagnostics.prefix(20).map(\.description).joined(separator: "\n")
            throw ToolFailure("the organization would not validate with these files; nothing was proposed:\n\(shown)")
        }
        let message =
            "\(title)\n\n\(arguments["description"]?.string ?? "")\n\nProposed by the agent \(person.name) (Role \(role)) in run \(context.runID), step \(context.step), call \(context.callID)."
        let author = GitSignature(name: person.name, email: person.email ?? "\(person.name)@agents.charter.invalid")
        let commit = try await repository.createCommit(
            parent: tip, changes: changes, message: message, author: author,
            committer: GitSignature(name: "Charter", email: "charter@localhost"))
        guard try await repository.commit(commit).tree != repository.commit(tip).tree else {
            throw ToolFailure("these files change nothing on the watched branch; nothing was proposed")
        }
        let prefix = state.organization?.proposalBranchPrefix ?? ProposalBranches.defaultPrefix
        let branch = prefix + Self.branchName(person: person.name, run: context.runID, call: context.callID)
        try await repository.updateRef("refs/heads/" + branch, to: commit, expected: nil, message: "charter: propose")
        if let remote {
            let reference = "refs/heads/\(branch)"
            try await repository.push(to: remote, refspecs: ["\(reference):\(reference)"], auth: target.auth)
        }
        return ToolOutput(
            "proposed on branch \(branch) (commit \(commit.short)), authored by \(person.name). The controller plans it on its next pass and the boards its Policy names vote on it; follow it with org.proposals.",
            details: ["branch": .string(branch), "commit": .string(commit.hex)])
    }

    /// `agent-<person>-<run>-<call>`, with only branch-safe characters.
    static func branchName(person: String, run: String, call: String) -> String {
        let raw = "agent-\(person)-\(run)-\(call)"
        let safe = raw.map { $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) ? $0 : "-" }
        return String(safe.prefix(200))
    }

    /// The repository to commit in and, for a URL, the remote to push to: a local repository
    /// directly, a remote through a bare mirror in the data directory.
    private func open() async throws -> (GitRepository, String?) {
        guard SourceRequest.isRemote(target.location) else {
            return (try await GitRepository.open(at: URL(fileURLWithPath: target.location).standardizedFileURL), nil)
        }
        let key = SHA256.hash(data: Array("proposals:\(target.location)".utf8)).prefix(8)
            .map { String(format: "%02x", $0) }.joined()
        let directory = target.dataDirectory.appendingPathComponent("mirrors/proposals-\(key).git")
        let repository = try await GitRepository.openOrCreateBare(at: directory)
        let names = target.branch.map { [$0] } ?? ["main", "master"]
        try await repository.fetch(
            from: target.location, refspecs: names.map { "+refs/heads/\($0):refs/heads/\($0)" }, auth: target.auth,
            prune: false)
        return (repository, target.location)
    }

    private func watchedReference(_ repository: GitRepository) async throws -> String {
        if let branch = target.branch { return branch }
        return try await repository.headCommitOfBranch("main") != nil ? "main" : "master"
    }
}
