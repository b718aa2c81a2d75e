/// How to authenticate to a remote and how to trust its SSH host key.
///
/// Secrets are handed to libgit2 only for the exact host of the URL being fetched or pushed, and never
/// appear in `description` or errors.
public struct GitAuth: Sendable, CustomStringConvertible, CustomReflectable {
    public enum Credential: Sendable {
        /// Anonymous: local paths, `file://`, `git://`, public https.
        case none
        /// An SSH key pair on disk (OpenSSH format, e.g. ed25519).
        case sshKeyFile(user: String, privateKeyPath: String, publicKeyPath: String? = nil, passphrase: String? = nil)
        /// Keys from the running `ssh-agent` (`SSH_AUTH_SOCK`).
        case sshAgent(user: String)
        /// HTTP basic authentication with a token as password; only sent over https.
        case httpsToken(username: String, token: String)
    }

    /// Which SSH host keys to trust. HTTPS certificates are always checked by libgit2 against the system CAs.
    public enum HostKeyPolicy: Hashable, Sendable {
        /// A known_hosts file: nil lets libgit2 check `~/.ssh/known_hosts`; a path is checked by Charter,
        /// which matches plain host patterns (`host`, `[host]:port`, wildcards, `!` negation) but not hashed
        /// (`|1|…`) entries.
        case knownHosts(file: String? = nil)
        /// Exactly one host key, by its `ssh-keygen -lf` fingerprint, e.g. `SHA256:abc…` (padding optional).
        case pinnedSHA256(String)
    }

    public var credential: Credential
    public var hostKeys: HostKeyPolicy
    /// Credential requests answered before giving up; libgit2 asks again after every rejection.
    public var maxAttempts: Int

    public init(_ credential: Credential = .none, hostKeys: HostKeyPolicy = .knownHosts(), maxAttempts: Int = 3) {
        self.credential = credential
        self.hostKeys = hostKeys
        self.maxAttempts = maxAttempts
    }

    /// Anonymous access, host keys from `~/.ssh/known_hosts`.
    public static let none = GitAuth()

    public var description: String {
        let what: String
        switch credential {
        case .none: what = "anonymous"
        case .sshKeyFile(let user, let privateKeyPath, _, _): what = "ssh key \(privateKeyPath) as \(user)"
        case .sshAgent(let user): what = "ssh agent as \(user)"
        case .httpsToken(let username, _): what = "https token as \(username)"
        }
        return "GitAuth(\(what), \(hostKeys))"
    }

    /// Keeps `dump` and debuggers from printing the token or passphrase.
    public var customMirror: Mirror { Mirror(self, children: ["description": description]) }
}

/// The parts of a remote URL that decide which credentials and host keys apply.
struct RemoteEndpoint: Equatable {
    /// Lowercased: `ssh`, `https`, `http`, `git`, `file`; `ssh` for scp-like `user@host:path`; `local` for a path.
    var scheme: String
    var host: String?
    var port: Int?

    init(_ url: String) {
        if let separator = url.range(of: "://") {
            scheme = url[..<separator.lowerBound].lowercased()
            var authority = url[separator.upperBound...].prefix { $0 != "/" }
            if let at = authority.lastIndex(of: "@") { authority = authority[authority.index(after: at)...] }
            if authority.hasPrefix("["), let close = authority.firstIndex(of: "]") {
                host = String(authority[authority.index(after: authority.startIndex)..<close])
                let rest = authority[authority.index(after: close)...]
                port = rest.hasPrefix(":") ? Int(rest.dropFirst()) : nil
            } else if let colon = authority.lastIndex(of: ":") {
                host = String(authority[..<colon])
                port = Int(authority[authority.index(after: colon)...])
            } else {
                host = authority.isEmpty ? nil : String(authority)
            }
        } else if let colon = url.firstIndex(of: ":"), !url[..<colon].contains("/") {
            scheme = "ssh"
            let authority = url[..<colon]
            host = String(
                authority[(authority.lastIndex(of: "@").map { authority.index(after: $0) } ?? authority.startIndex)...])
        } else {
            scheme = "local"
        }
    }

    /// The name ssh looks up in known_hosts: `host`, or `[host]:port` off port 22.
    var knownHostsName: String? {
        guard let host else { return nil }
        if let port, port != 22 { return "[\(host)]:\(port)" }
        return host
    }
}
