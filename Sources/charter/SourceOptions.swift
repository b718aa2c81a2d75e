import ArgumentParser
import CharterControl
import CharterFoundation
import CharterGit
import Foundation

/// `[PATH|URL] [--rev REV]` and how to reach a remote.
struct SourceOptions: ParsableArguments {
    @Argument(
        help: ArgumentHelp(
            "Organization repository: a local path (default: the git repository containing the current directory) or a git URL (file://, ssh://, https://, user@host:path).",
            valueName: "PATH|URL"))
    var location: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Revision to read (branch, tag or commit). Without it a local clone is read with its uncommitted changes.",
            valueName: "REV"))
    var rev: String?

    @Option(name: .customLong("ssh-key"), help: ArgumentHelp("Private key for ssh:// remotes.", valueName: "FILE"))
    var sshKey: String?

    @Option(
        name: .customLong("ssh-user"),
        help: ArgumentHelp("User for ssh:// remotes (default: from the URL, else git).", valueName: "USER"))
    var sshUser: String?

    @Flag(name: .customLong("ssh-agent"), help: "Use keys from ssh-agent for ssh:// remotes.")
    var sshAgent = false

    @Option(
        name: .customLong("known-hosts"),
        help: ArgumentHelp("known_hosts file to trust (default: ~/.ssh/known_hosts).", valueName: "FILE"))
    var knownHosts: String?

    @Option(
        name: .customLong("host-key"),
        help: ArgumentHelp(
            "Pin the ssh host key by fingerprint (`SHA256:…` from ssh-keygen -lf).", valueName: "FINGERPRINT"))
    var hostKey: String?

    @Option(
        name: .customLong("token-env"),
        help: ArgumentHelp(
            "Environment variable holding an https token (never pass tokens as arguments).", valueName: "VAR"))
    var tokenEnv: String?

    func validate() throws {
        if sshKey != nil && sshAgent { throw ValidationError("--ssh-key and --ssh-agent are exclusive; pick one") }
    }

    /// The request; a missing token variable is a runtime error (exit 1), not a usage error.
    func request(allowWorkingTree: Bool = true) throws -> SourceRequest {
        if let tokenEnv, ProcessInfo.processInfo.environment[tokenEnv] == nil {
            throw SourceError("--token-env \(tokenEnv): the environment variable is not set; export it with the token")
        }
        return SourceRequest(location: location, revision: rev, allowWorkingTree: allowWorkingTree, auth: auth)
    }

    var auth: GitAuth {
        let user = sshUser ?? "git"
        let credential: GitAuth.Credential
        if let sshKey {
            credential = .sshKeyFile(user: user, privateKeyPath: sshKey)
        } else if sshAgent {
            credential = .sshAgent(user: user)
        } else if let tokenEnv, let token = ProcessInfo.processInfo.environment[tokenEnv] {
            credential = .httpsToken(username: sshUser ?? "x-access-token", token: token)
        } else {
            credential = .none
        }
        let hostKeys: GitAuth.HostKeyPolicy = hostKey.map { .pinnedSHA256($0) } ?? .knownHosts(file: knownHosts)
        return GitAuth(credential, hostKeys: hostKeys)
    }
}

/// `-o` for commands that print data.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json
}

/// Whether to color output: only on a terminal, and never when `NO_COLOR` is set (no-color.org).
enum Terminal {
    static func useColor(_ disabled: Bool) -> Bool {
        if disabled { return false }
        if let v = ProcessInfo.processInfo.environment["NO_COLOR"], !v.isEmpty { return false }
        return isatty(STDOUT_FILENO) == 1
    }

    static func printError(_ message: String) {
        let safe = sanitize(message)
        FileHandle.standardError.write(Data((safe.hasSuffix("\n") ? safe : safe + "\n").utf8))
    }

    /// Text for the terminal: control characters (ESC, BEL, C1), bidirectional controls, zero-width
    /// and other hidden characters from repository content shown as `\u{…}`, so a hostile file
    /// can neither drive the terminal nor make a line read differently from what it holds.
    /// Newlines and tabs stay (``DisplayText/sanitized(_:)``).
    static func sanitize(_ text: String) -> String { DisplayText.sanitized(text) }
}
