import CharterModel
import Foundation

/// The applied Policies' run rules as steps see them when they start, plus what the process knows
/// that the repository does not: where granted secrets are read from, and which endpoints are the
/// controller's own.
///
/// Rules are read when each step starts, not when its run was created: a Policy that tightens a
/// rule (or revokes a secret) binds every step that starts after the pass that applied it, even
/// in runs that were waiting at an approval for days. Rights come from the applied state only.
public final class StepRules: @unchecked Sendable {
    // Guards `rules`; never held across an await.
    private let lock = NSLock()
    private var rules: RunRules
    private var roleTools: [String: [String]] = [:]
    private var applied = OrgState.empty
    /// The directory granted secrets are read from (see ``DataDirectory/credentials(dataDirectory:environment:)``).
    public let credentials: URL
    /// The controller's own listening endpoints (webhooks): unreachable from steps unless a Policy
    /// names exactly that address and port.
    public let reservedEndpoints: [EgressRules.Endpoint]

    /// Rules starting from `rules`.
    public init(_ rules: RunRules, credentials: URL, reservedEndpoints: [EgressRules.Endpoint] = []) {
        self.rules = rules
        self.credentials = credentials
        self.reservedEndpoints = reservedEndpoints
    }

    /// The rules now.
    public var current: RunRules { lock.withLock { rules } }

    /// The applied organization now: what agents' organization tools read.
    public var organization: OrgState { lock.withLock { applied } }

    /// The tool patterns of the applied Role `role` now (none when it is not applied).
    public func tools(ofRole role: String) -> [String] { lock.withLock { roleTools[role] ?? [] } }

    /// Follows the applied state; returns whether anything changed.
    @discardableResult
    public func update(_ state: OrgState) -> Bool {
        let new = RunRules(state)
        let newTools = state.roles.mapValues(\.tools)
        return lock.withLock {
            applied = state
            guard rules != new || roleTools != newTools else { return false }
            rules = new
            roleTools = newTools
            return true
        }
    }

    /// The values of every credential file in ``credentials`` (regular files up to 64 KiB, at most
    /// 1,000), to hide from whatever any step prints.
    public func allCredentialValues() -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: credentials.path)) ?? []
        var values: [String] = []
        for name in names.sorted().prefix(1000) {
            let path = credentials.appendingPathComponent(name).path
            var info = stat()
            guard lstat(path, &info) == 0, info.st_mode & S_IFMT == S_IFREG, info.st_size <= 65536,
                let data = FileManager.default.contents(atPath: path)
            else { continue }
            var text = String(decoding: data, as: UTF8.self)
            while text.hasSuffix("\n") || text.hasSuffix("\r") { text.removeLast() }
            if text.count >= 4 { values.append(text) }
        }
        return values
    }

    /// The value of the granted secret `name`, its trailing newline removed.
    ///
    /// - Throws: ``StepRulesError`` when `name` is not a plain name or its file cannot be read;
    ///   the message names the file, never its content.
    public func secret(_ name: String) throws -> String {
        guard Patterns.isName(name) else { throw StepRulesError("`\(name)` is not a valid secret name") }
        let file = credentials.appendingPathComponent(name)
        guard let data = FileManager.default.contents(atPath: file.path) else {
            throw StepRulesError(
                "the secret `\(name)` is granted, but \(file.path) does not exist or cannot be read: put the value in that file"
            )
        }
        var text = String(decoding: data, as: UTF8.self)
        while text.hasSuffix("\n") || text.hasSuffix("\r") { text.removeLast() }
        guard !text.isEmpty, !text.contains("\0") else {
            throw StepRulesError("the secret file \(file.path) is empty or holds a NUL byte")
        }
        return text
    }
}

/// Why a step cannot be given what it asks for.
public struct StepRulesError: Error, Sendable, CustomStringConvertible {
    /// What is wrong and what to do.
    public var message: String

    init(_ message: String) { self.message = message }

    public var description: String { message }
}
