import CharterEgress
import CharterFoundation
import CharterModel
import CharterShell
import CharterTools
import Foundation
import NIOCore

/// `web.fetch`: `GET` one `http` or `https` URL and read it as text.
///
/// Every connection — the first and each redirect — goes through an egress proxy started for the
/// call with the same rules a shell step's network gets (``SandboxedCommand/egressRules(_:applied:reserved:)``):
/// the step's `network` grant, the Policies' `runRules.network`, non-public addresses (loopback,
/// private ranges, link-local and cloud metadata) and this machine's own addresses only through a
/// rule naming the address, the controller's own ports never without an exact rule, and names
/// resolved once by the proxy and checked before it connects. The tool itself never resolves a
/// name or opens a TCP connection (``EgressFetch``).
///
/// Bounded: at most ``maxBytes`` of body read, ``maxRedirects`` redirects, and the sooner of the
/// step's deadline and ``timeLimit`` for the whole call. URLs with credentials are refused.
public struct WebFetchTool: AgentTool {
    public let name = "web.fetch"
    public let summary =
        "Fetch a web page or text file with HTTP GET (http or https) and read it as text: HTML comes back as readable text with link addresses (or its source with `raw`), JSON and other text as is; binary content is only described. Only destinations the step was granted (its `network`) and a Policy allows are reachable. At most 1 MiB is read, redirects are followed up to 5 times."
    public let parameters: Value = [
        "type": "object", "additionalProperties": false, "required": ["url"],
        "properties": [
            "url": [
                "type": "string", "minLength": 1, "maxLength": 8192,
                "description": "An absolute http:// or https:// URL, without user name or password.",
            ],
            "raw": ["type": "boolean", "description": "Return an HTML page's source instead of its text."],
        ],
    ]
    /// A GET reads; running it again is harmless.
    public let effect = ToolEffect.readOnly

    /// The most bytes of a response body read.
    public static let maxBytes = 1 << 20
    /// The most redirects followed.
    public static let maxRedirects = 5
    /// The longest one call may take, redirects included.
    public static let timeLimit: Duration = .seconds(30)

    let rules: StepRules
    let network: [String]

    /// The tool for one step: its `network` grant (`host:port` rules), under `rules` (the
    /// controller's endpoints, credentials to redact).
    public init(rules: StepRules, network: [String] = []) {
        self.rules = rules
        self.network = network
    }

    public func call(_ arguments: [String: Value], context: ToolCallContext) async throws -> ToolOutput {
        let first = try Self.target(arguments["url"]?.string ?? "")
        let start = ContinuousClock.now
        var deadline = start + Self.timeLimit
        if let stepDeadline = context.deadline {
            let left = stepDeadline.timeIntervalSinceNow
            guard left > 0 else { throw ToolFailure("the step's time is up: nothing can be fetched") }
            deadline = min(deadline, start + .milliseconds(Int64(left * 1000)))
        }
        let proxy: EgressProxy
        do {
            let egressRules = try SandboxedCommand.egressRules(
                network, applied: context.rules, reserved: rules.reservedEndpoints)
            proxy = try await EgressProxy.start(socketPath: try SandboxScratch.socketPath(), rules: egressRules)
        } catch let error as StepRulesError {
            throw ToolFailure(error.message)
        } catch {
            throw ToolFailure("the egress proxy could not start: \(error)")
        }
        let record = NetworkRecord(proxy: proxy)
        defer { record.close() }
        let (visited, outcome) = try await Self.follow(first, socket: proxy.socketPath, deadline: deadline)
        let hidden = rules.allCredentialValues()
        let connections = await record.finish(redacting: hidden)
        let url = visited.last ?? ""
        var details: [String: Value] = ["url": .string(url), "redirects": .int(visited.count - 1)]
        if let summary = connections?.summary { details["network"] = summary }
        let response: EgressFetch.Response
        switch outcome {
        case .failure(.timedOut):
            let budget = deadline - start
            let seconds = Double(budget.components.seconds) + Double(budget.components.attoseconds) / 1e18
            let hop = visited.count > 1 ? "the redirect to \(url): " : ""
            return ToolOutput(
                "error: \(hop)no complete answer within \(String(format: "%.1f", seconds)) s (the step's deadline or the \(Self.timeLimit.components.seconds) s limit of one fetch)",
                isError: true, details: details)
        case .failure(let failure):
            return ToolOutput("error: " + Self.redact("\(failure)", hidden), isError: true, details: details)
        case .success(let answer):
            response = answer
        }
        let contentType = response.headers.first(name: "content-type")
        details["status"] = .int(response.status)
        details["bytes"] = .int(response.body.count)
        details["contentType"] = .string(contentType ?? "")
        if response.truncated { details["truncated"] = .bool(true) }
        var head = "HTTP \(response.status) from \(url)"
        if visited.count > 1 { head += " (redirected from \(visited[0]))" }
        head += "\ncontent-type: \(contentType ?? "(none)")"
        if response.truncated {
            head += "\n… [only the first \(Self.maxBytes) bytes were read]"
        } else if !response.complete {
            head += "\n… [the server ended the response early]"
        }
        let page = Self.page(response, url: url, raw: arguments["raw"]?.bool ?? false)
        return ToolOutput(
            ToolText.capped(Self.redact(head + "\n\n" + page, hidden), limit: context.resultLimit),
            isError: response.status >= 400, details: details)
    }

    /// GETs `first` through the proxy on `socket`, following at most ``maxRedirects`` redirects,
    /// each to a URL ``target(_:relativeTo:)`` accepts (the proxy checks where it leads). Returns
    /// every URL asked for and the last answer, or why there is none.
    static func follow(
        _ first: (String, EgressFetch.Target), socket: String, deadline: ContinuousClock.Instant
    ) async throws -> (visited: [String], outcome: Result<EgressFetch.Response, EgressFetch.Failure>) {
        var (address, target) = first
        var visited: [String] = []
        while true {
            visited.append(address)
            let fetched: EgressFetch.Response
            do {
                let left = deadline - ContinuousClock.now
                let nanoseconds = left.components.seconds * 1_000_000_000 + left.components.attoseconds / 1_000_000_000
                fetched = try await EgressFetch.get(
                    target, socket: socket, deadline: .now() + .nanoseconds(max(0, nanoseconds)),
                    maxBytes: maxBytes)
            } catch EgressFetch.Failure.timedOut {
                return (visited, .failure(.timedOut))
            } catch let error as EgressFetch.Failure {
                let hop = visited.count > 1 ? "the redirect to \(address) failed: " : ""
                return (visited, .failure(.failed(hop + "\(error)")))
            }
            guard [301, 302, 303, 307, 308].contains(fetched.status),
                let location = fetched.headers.first(name: "location")
            else { return (visited, .success(fetched)) }
            guard visited.count <= maxRedirects else {
                return (
                    visited,
                    .failure(.failed("more than \(maxRedirects) redirects; the last pointed to \(location)"))
                )
            }
            do {
                (address, target) = try Self.target(location, relativeTo: URL(string: address))
            } catch let refusal as ToolFailure {
                return (
                    visited,
                    .failure(
                        .failed("the redirect from \(address) (\(fetched.status)) is refused: \(refusal.message)"))
                )
            }
        }
    }

    /// The body as the model reads it: HTML as text (or source), other text as is, binary only
    /// described.
    static func page(_ response: EgressFetch.Response, url: String, raw: Bool) -> String {
        let contentType = response.headers.first(name: "content-type") ?? ""
        let parts = contentType.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        let media = parts.first ?? ""
        let charset = parts.dropFirst().first { $0.hasPrefix("charset=") }.map {
            $0.dropFirst(8).trimmingCharacters(in: CharacterSet(charactersIn: "\"'"))
        }
        let body = response.body
        let opening = String(decoding: body.prefix(512), as: UTF8.self).lowercased()
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let sniffedHTML = media.isEmpty && (opening.hasPrefix("<!doctype html") || opening.hasPrefix("<html"))
        let isHTML = media == "text/html" || media == "application/xhtml+xml" || sniffedHTML
        let isText =
            isHTML || media.hasPrefix("text/") || media.hasSuffix("+json") || media.hasSuffix("+xml")
            || textTypes.contains(media) || (media.isEmpty && ToolText.isText(body.prefix(4096)))
        guard isText, !body.prefix(4096).contains(0) else {
            return "(binary content, \(media.isEmpty ? "no content type" : media), \(body.count) bytes: not shown)"
        }
        let text: String
        switch charset {
        case "iso-8859-1", "latin1", "us-ascii", "ascii":
            text = String(data: Data(body), encoding: .isoLatin1) ?? String(decoding: body, as: UTF8.self)
        case "windows-1252", "cp1252":
            text = String(data: Data(body), encoding: .windowsCP1252) ?? String(decoding: body, as: UTF8.self)
        default:
            text = String(decoding: body, as: UTF8.self)
        }
        guard isHTML, !raw else { return text }
        return HTMLText.plain(text, base: URL(string: url))
    }

    /// `application/…` types that are text.
    static let textTypes: Set<String> = [
        "application/json", "application/xml", "application/javascript", "application/ecmascript",
        "application/x-javascript", "application/yaml", "application/x-yaml", "application/toml", "application/x-sh",
        "application/sql", "application/graphql", "application/x-ndjson", "application/csv",
        "application/x-www-form-urlencoded", "application/rss+xml", "application/atom+xml",
    ]

    /// Checks a URL the model gave (or a redirect's `Location`, against the URL it came from):
    /// `http` or `https`, a host, no user name or password, a port in range. Returns the URL as
    /// requested (without its fragment) and where it goes.
    static func target(_ text: String, relativeTo base: URL? = nil) throws -> (String, EgressFetch.Target) {
        guard text.utf8.count <= 8192 else { throw ToolFailure("the URL is longer than 8192 bytes") }
        guard
            !text.unicodeScalars.contains(where: { $0.properties.isWhitespace || $0.value < 0x20 || $0.value == 0x7F })
        else { throw ToolFailure("the URL holds spaces or control characters: percent-encode them") }
        guard let resolved = URL(string: text, relativeTo: base)?.absoluteURL,
            var parts = URLComponents(url: resolved, resolvingAgainstBaseURL: true)
        else { throw ToolFailure("`\(text)` is not a URL") }
        let scheme = parts.scheme?.lowercased() ?? ""
        guard scheme == "http" || scheme == "https" else {
            throw ToolFailure("only http and https URLs can be fetched, not `\(scheme.isEmpty ? text : scheme + ":")`")
        }
        guard parts.percentEncodedUser == nil && parts.percentEncodedPassword == nil else {
            throw ToolFailure(
                "the URL holds a user name or password: web.fetch never sends credentials; remove the part before `@`")
        }
        var host = (parts.percentEncodedHost ?? "").lowercased()
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty else { throw ToolFailure("the URL has no host") }
        guard
            host.unicodeScalars.allSatisfy({
                $0.isASCII
                    && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || "-._:".unicodeScalars.contains($0))
            })
        else {
            throw ToolFailure(
                "the host `\(host)` is not a plain DNS name or IP address (write a non-ASCII name in punycode)")
        }
        let port = parts.port ?? (scheme == "https" ? 443 : 80)
        guard (1...65535).contains(port) else { throw ToolFailure("the port \(port) is out of range") }
        parts.fragment = nil
        var path = parts.percentEncodedPath.isEmpty ? "/" : parts.percentEncodedPath
        if let query = parts.percentEncodedQuery { path += "?" + query }
        let address = parts.string ?? resolved.absoluteString
        return (address, EgressFetch.Target(https: scheme == "https", host: host, port: port, path: path))
    }

    static func redact(_ text: String, _ secrets: [String]) -> String {
        guard !secrets.isEmpty else { return text }
        return String(decoding: Redaction.redact(Array(text.utf8), secrets: secrets), as: UTF8.self)
    }
}
