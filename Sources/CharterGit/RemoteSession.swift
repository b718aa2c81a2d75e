import CGit2
import Foundation

/// The state libgit2's remote callbacks share during one fetch or push.
///
/// One instance lives for the whole operation (libgit2 may ask for credentials several times), is passed
/// unretained as the callbacks' payload and kept alive with `withExtendedLifetime` around the call.
final class RemoteSession {
    let endpoint: RemoteEndpoint
    let auth: GitAuth
    private(set) var credentialRequests = 0
    /// Why a callback refused; replaces libgit2's generic "user canceled" style message.
    private(set) var failure: String?
    /// `push_update_reference` statuses that were not NULL: the remote refused these refs.
    private(set) var rejectedReferences: [(reference: String, status: String)] = []

    init(url: String, auth: GitAuth) {
        self.endpoint = RemoteEndpoint(url)
        self.auth = auth
    }

    /// Runs `body` with callbacks pointing at this session, then turns a negative result into a `GitError`.
    func run(operation: String, _ body: (git_remote_callbacks) -> Int32) throws {
        var callbacks = git_remote_callbacks()
        try gitCheck(git_remote_init_callbacks(&callbacks, UInt32(GIT_REMOTE_CALLBACKS_VERSION)), operation)
        callbacks.payload = Unmanaged.passUnretained(self).toOpaque()
        callbacks.credentials = { out, url, userFromURL, allowed, payload in
            RemoteSession.from(payload).credential(out, url: url, allowed: allowed)
        }
        callbacks.certificate_check = { cert, _, host, payload in
            RemoteSession.from(payload).checkCertificate(cert, host: host)
        }
        callbacks.push_update_reference = { reference, status, payload in
            if let reference, let status {
                RemoteSession.from(payload).rejectedReferences.append(
                    (String(cString: reference), String(cString: status)))
            }
            return 0
        }
        let code = withExtendedLifetime(self) { body(callbacks) }
        guard code < 0 else { return }
        var error = GitError.fromLastError(code: code, operation: operation, override: failure)
        if failure == nil && code == GIT_EAUTH.rawValue && credentialRequests > 0 {
            // libssh2 may fail first (e.g. the server hangs up after rejected keys): still say whose key.
            error.message = "authentication to \(endpoint.host ?? "?") failed (\(auth)): \(error.message)"
        }
        throw error
    }

    private static func from(_ payload: UnsafeMutableRawPointer?) -> RemoteSession {
        Unmanaged<RemoteSession>.fromOpaque(payload!).takeUnretainedValue()
    }

    private func refuse(_ reason: String, code: git_error_code = GIT_EAUTH) -> Int32 {
        failure = reason
        return code.rawValue
    }

    private func credential(
        _ out: UnsafeMutablePointer<UnsafeMutablePointer<git_credential>?>?, url: UnsafePointer<CChar>?, allowed: UInt32
    ) -> Int32 {
        credentialRequests += 1
        let asked = RemoteEndpoint(url.map { String(cString: $0) } ?? "")
        let host = endpoint.host ?? "?"
        // libgit2 asks again after every rejected credential; without a limit it loops forever.
        if credentialRequests > auth.maxAttempts {
            return refuse("authentication to \(host) failed after \(auth.maxAttempts) attempts (\(auth))")
        }
        // After a redirect the URL may name another host: secrets only go to the configured one.
        guard asked.host?.lowercased() == endpoint.host?.lowercased() else {
            return refuse("refusing to send credentials for \(host) to \(asked.host ?? "an unknown host")")
        }
        let wantsUser = allowed & GIT_CREDENTIAL_USERNAME.rawValue != 0
        switch auth.credential {
        case .none:
            return refuse("\(host) asks for credentials but none are configured")
        case .sshKeyFile(let user, let privateKeyPath, let publicKeyPath, let passphrase):
            if wantsUser { return git_credential_username_new(out, user) }
            guard allowed & GIT_CREDENTIAL_SSH_KEY.rawValue != 0 else {
                return refuse("\(host) does not accept SSH keys (allowed types \(allowed))")
            }
            return git_credential_ssh_key_new(out, user, publicKeyPath, privateKeyPath, passphrase)
        case .sshAgent(let user):
            if wantsUser { return git_credential_username_new(out, user) }
            guard allowed & GIT_CREDENTIAL_SSH_KEY.rawValue != 0 else {
                return refuse("\(host) does not accept SSH keys (allowed types \(allowed))")
            }
            return git_credential_ssh_key_from_agent(out, user)
        case .httpsToken(let username, let token):
            guard endpoint.scheme == "https", asked.scheme == "https" else {
                return refuse("refusing to send a token over \(asked.scheme) to \(host)")
            }
            guard allowed & GIT_CREDENTIAL_USERPASS_PLAINTEXT.rawValue != 0 else {
                return refuse("\(host) does not accept a user and password (allowed types \(allowed))")
            }
            return git_credential_userpass_plaintext_new(out, username, token)
        }
    }

    private func checkCertificate(_ cert: UnsafeMutablePointer<git_cert>?, host: UnsafePointer<CChar>?) -> Int32 {
        // X.509 (https): libgit2 checks the chain against the system CAs; we never loosen that.
        guard let cert, cert.pointee.cert_type == GIT_CERT_HOSTKEY_LIBSSH2 else { return GIT_PASSTHROUGH.rawValue }
        let hostKey = UnsafeRawPointer(cert).assumingMemoryBound(to: git_cert_hostkey.self).pointee
        let hostName = host.map { String(cString: $0) } ?? endpoint.host ?? "?"
        switch auth.hostKeys {
        case .knownHosts(nil):
            return GIT_PASSTHROUGH.rawValue  // libgit2 checks ~/.ssh/known_hosts itself
        case .knownHosts(let file?):
            guard hostKey.type.rawValue & GIT_CERT_SSH_RAW.rawValue != 0, let raw = hostKey.hostkey else {
                return refuse("\(hostName) sent no raw host key to check", code: GIT_ECERTIFICATE)
            }
            let key = Data(bytes: raw, count: hostKey.hostkey_len)
            guard let contents = try? String(contentsOfFile: file, encoding: .utf8) else {
                return refuse("cannot read known_hosts file \(file)", code: GIT_ECERTIFICATE)
            }
            let name = endpoint.knownHostsName ?? hostName
            switch KnownHosts(contents: contents).verdict(host: name, key: key) {
            case .trusted: return 0
            case .revoked: return refuse("host key of \(name) is revoked in \(file)", code: GIT_ECERTIFICATE)
            case .unknown: return refuse("host key of \(name) is not in \(file)", code: GIT_ECERTIFICATE)
            }
        case .pinnedSHA256(let pin):
            guard hostKey.type.rawValue & GIT_CERT_SSH_SHA256.rawValue != 0 else {
                return refuse("\(hostName) sent no SHA-256 host key fingerprint", code: GIT_ECERTIFICATE)
            }
            let actual = Self.fingerprint(hostKey.hash_sha256)
            let expected = Self.normalizedPin(pin)
            guard actual == expected else {
                return refuse(
                    "host key of \(hostName) is SHA256:\(actual), not the pinned SHA256:\(expected)",
                    code: GIT_ECERTIFICATE)
            }
            return 0
        }
    }

    /// OpenSSH's fingerprint form: unpadded base64 of the SHA-256 of the key.
    private static func fingerprint<T>(_ hash: T) -> String {
        var hash = hash
        let data = withUnsafeBytes(of: &hash) { Data($0) }
        return String(data.base64EncodedString().prefix { $0 != "=" })
    }

    private static func normalizedPin(_ pin: String) -> String {
        let body = pin.hasPrefix("SHA256:") ? pin.dropFirst("SHA256:".count) : Substring(pin)
        return String(body.prefix { $0 != "=" })
    }
}

/// Hands `strings` to libgit2 as a `git_strarray` it does not own (so it must not be disposed).
func withStrArray<R>(_ strings: [String], _ body: (inout git_strarray) throws -> R) rethrows -> R {
    var pointers = strings.map { strdup($0) }
    defer { pointers.forEach { free($0) } }
    return try pointers.withUnsafeMutableBufferPointer { buffer in
        var array = git_strarray(strings: buffer.baseAddress, count: buffer.count)
        return try body(&array)
    }
}
