/// Hides credentials before text is shown, logged or stored: the secret parts of URLs, and known
/// secret values. One implementation for every layer (diagnostics, git errors, step output).
public enum Redaction {
    /// `text` with secrets in the userinfo of every `scheme://user:secret@host` URL replaced by `***`.
    ///
    /// Tokens travel as userinfo (`https://TOKEN@host/...`), so all userinfo is treated as secret,
    /// except that an ssh URL keeps its user name (a login, never a credential) and loses only a
    /// password. The scp-like `user@host:path` form has no password field and is left alone.
    public static func redactURLs(_ text: String) -> String {
        guard text.contains("://"), text.contains("@") else { return text }
        var result = ""
        var rest = Substring(text)
        while let schemeEnd = rest.range(of: "://") {
            let scheme = rest[..<schemeEnd.lowerBound].reversed().prefix { $0.isLetter || $0 == "+" }
            let isSSH = String(scheme.reversed()).lowercased().hasSuffix("ssh")
            result += rest[..<schemeEnd.upperBound]
            rest = rest[schemeEnd.upperBound...]
            let authorityEnd = rest.firstIndex { $0 == "/" || $0 == " " || $0 == "'" || $0 == "\"" } ?? rest.endIndex
            guard let at = rest[..<authorityEnd].lastIndex(of: "@") else { continue }
            if isSSH {
                let userinfo = rest[..<at]
                guard let colon = userinfo.firstIndex(of: ":") else { continue }
                result += rest[..<colon] + ":***"
            } else {
                result += "***"
            }
            rest = rest[at...]
        }
        return result + rest
    }

    /// `bytes` with every occurrence of each of `secrets` replaced by `***`, longest first so a
    /// secret that contains another is hidden whole. What a step prints is redacted this way
    /// before it is stored, as CI systems mask their secrets in logs.
    ///
    /// With `cutAtEnd`, for text cut at a size limit, a tail that is the start of a secret (four
    /// bytes or more) is replaced too: the cut may have fallen inside a secret.
    public static func redact(_ bytes: [UInt8], secrets: [String], cutAtEnd: Bool = false) -> [UInt8] {
        var out = redactWhole(bytes, secrets: secrets)
        guard cutAtEnd else { return out }
        for secret in secrets.map({ Array($0.utf8) }) where secret.count > 4 {
            for length in stride(from: min(secret.count - 1, out.count), through: 4, by: -1)
            where out.suffix(length).elementsEqual(secret.prefix(length)) {
                out.removeLast(length)
                out += Array("***".utf8)
                break
            }
        }
        return out
    }

    private static func redactWhole(_ bytes: [UInt8], secrets: [String]) -> [UInt8] {
        let needles = Set(secrets.map { Array($0.utf8) }).filter { !$0.isEmpty }.sorted { $0.count > $1.count }
        guard !needles.isEmpty, !bytes.isEmpty else { return bytes }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var i = 0
        scan: while i < bytes.count {
            for needle in needles where bytes[i] == needle[0] && i + needle.count <= bytes.count {
                if bytes[i..<(i + needle.count)].elementsEqual(needle) {
                    out += Array("***".utf8)
                    i += needle.count
                    continue scan
                }
            }
            out.append(bytes[i])
            i += 1
        }
        return out
    }
}
