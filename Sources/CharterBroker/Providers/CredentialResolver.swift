import CharterModel
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Reads the API key a CapacitySource's `credential` refers to: an environment variable or a file.
///
/// The repository holds only the reference; the value lives in the controller's environment or a
/// secrets file (a Kubernetes or systemd credential, say). Errors name the variable or the file,
/// never what it holds.
///
/// Files are opened without following FIFOs into a blocking read (`O_NONBLOCK`), checked on the
/// open descriptor to be regular files of at most ``maximumFileBytes``, and trimmed of surrounding
/// whitespace (editors add a final newline). When ``directory`` is set, a file must resolve, after
/// symbolic links, inside it, and relative paths are taken from it: a repository then cannot make
/// the controller send an arbitrary readable file (`/etc/shadow`, another service's key) to an
/// endpoint the repository also names.
public struct CredentialResolver: Sendable {
    /// The largest credential file read; keys are well under a kilobyte.
    public static let maximumFileBytes = 64 * 1024

    /// The variables `.environment` references are looked up in.
    public var environment: [String: String]
    /// When set, the only directory credential files may come from (and the base of relative paths).
    public var directory: String?

    /// A resolver over `environment` (the process's by default) and, optionally, a credentials
    /// directory.
    public init(environment: [String: String] = ProcessInfo.processInfo.environment, directory: String? = nil) {
        self.environment = environment
        self.directory = directory
    }

    /// The key `credential` refers to.
    /// - Throws: ``ProviderConfigurationError`` naming the variable or file when it is missing,
    ///   empty, unreadable, too large, outside ``directory`` or not usable as a header value.
    public func resolve(_ credential: CapacitySource.Credential) throws(ProviderConfigurationError) -> APIKey {
        switch credential {
        case .environment(let name):
            guard let value = environment[name] else {
                throw ProviderConfigurationError(.credentialMissing, "environment variable \(name) is not set")
            }
            return try Self.key(from: value, source: "environment variable \(name)")
        case .file(let path):
            let resolved = try resolvedPath(path)
            return try Self.key(from: try Self.readFile(resolved, named: path), source: "credential file \(path)")
        }
    }

    /// `path` made absolute and, with a ``directory``, checked to stay inside it.
    private func resolvedPath(_ path: String) throws(ProviderConfigurationError) -> String {
        guard let directory else { return path }
        let joined = path.hasPrefix("/") ? path : (directory as NSString).appendingPathComponent(path)
        guard let real = Self.realPath(joined) else {
            throw ProviderConfigurationError(.credentialMissing, "credential file \(path) does not exist")
        }
        guard let root = Self.realPath(directory) else {
            throw ProviderConfigurationError(
                .credentialOutsideDirectory, "the credentials directory \(directory) does not exist")
        }
        let prefix = root.hasSuffix("/") ? root : root + "/"
        guard real.hasPrefix(prefix) else {
            throw ProviderConfigurationError(
                .credentialOutsideDirectory, "credential file \(path) is outside the credentials directory \(directory)"
            )
        }
        return real
    }

    private static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// The file's bytes, refusing anything but a regular file of at most ``maximumFileBytes``.
    private static func readFile(_ path: String, named name: String) throws(ProviderConfigurationError) -> String {
        let descriptor = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard descriptor >= 0 else {
            if errno == ENOENT {
                throw ProviderConfigurationError(.credentialMissing, "credential file \(name) does not exist")
            }
            throw ProviderConfigurationError(
                .credentialUnreadable, "credential file \(name) cannot be opened: \(String(cString: strerror(errno)))")
        }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else {
            throw ProviderConfigurationError(.credentialUnreadable, "credential file \(name) is not a regular file")
        }
        guard Int(info.st_size) <= maximumFileBytes else {
            throw ProviderConfigurationError(
                .credentialTooLarge, "credential file \(name) is larger than \(maximumFileBytes) bytes")
        }
        // Read one byte more than allowed, in case the file grew after fstat.
        var bytes = [UInt8](repeating: 0, count: maximumFileBytes + 1)
        var count = 0
        while count < bytes.count {
            let n = bytes.withUnsafeMutableBytes { buffer in
                read(descriptor, buffer.baseAddress! + count, buffer.count - count)
            }
            if n == 0 { break }
            if n < 0 {
                if errno == EINTR { continue }
                throw ProviderConfigurationError(.credentialUnreadable, "credential file \(name) cannot be read")
            }
            count += n
        }
        guard count <= maximumFileBytes else {
            throw ProviderConfigurationError(
                .credentialTooLarge, "credential file \(name) is larger than \(maximumFileBytes) bytes")
        }
        return String(decoding: bytes[..<count], as: UTF8.self)
    }

    /// The trimmed value as a key, refusing empty values and characters a header cannot carry
    /// (a newline inside a key would otherwise split the request's headers).
    private static func key(from value: String, source: String) throws(ProviderConfigurationError) -> APIKey {
        let trimmed = value.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { throw ProviderConfigurationError(.credentialEmpty, "\(source) is empty") }
        guard trimmed.unicodeScalars.allSatisfy({ (0x21...0x7E).contains($0.value) }) else {
            throw ProviderConfigurationError(
                .credentialMalformed,
                "\(source) holds characters that cannot be sent in an HTTP header (only printable ASCII without spaces)"
            )
        }
        return APIKey(trimmed)
    }
}
