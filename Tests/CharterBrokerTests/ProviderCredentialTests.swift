import CharterBroker
import CharterModel
import Foundation
import Testing

@Suite("Credentials and the provider factory")
struct ProviderCredentialTests {
    static let secret = ProviderTestServer.secret

    /// A fresh directory, removed after `body`.
    static func withDirectory<T>(_ body: (URL) throws -> T) throws -> T {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("charter-cred-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        return try body(directory)
    }

    /// The configuration error `body` throws, or nil when it throws nothing (or something else).
    static func error(_ body: () throws -> Void) -> ProviderConfigurationError? {
        do {
            try body()
            return nil
        } catch {
            return error as? ProviderConfigurationError
        }
    }

    @Test func readsEnvironmentVariables() throws {
        let resolver = CredentialResolver(environment: ["KEY": "  \(Self.secret)\n", "EMPTY": " \n", "BAD": "a b"])
        #expect(try resolver.resolve(.environment("KEY")) == APIKey(Self.secret))
        let missing = Self.error { _ = try resolver.resolve(.environment("NOPE")) }
        #expect(missing == ProviderConfigurationError(.credentialMissing, "environment variable NOPE is not set"))
        #expect(Self.error { _ = try resolver.resolve(.environment("EMPTY")) }?.kind == .credentialEmpty)
        let malformed = Self.error { _ = try resolver.resolve(.environment("BAD")) }
        #expect(malformed?.kind == .credentialMalformed)
        #expect(malformed?.message.contains("a b") == false)
    }

    @Test func readsFilesAndRefusesWhatIsNotASmallRegularFile() throws {
        try Self.withDirectory { directory in
            let resolver = CredentialResolver(environment: [:])
            let file = directory.appendingPathComponent("key")
            try "\(Self.secret)\n".write(to: file, atomically: true, encoding: .utf8)
            #expect(try resolver.resolve(.file(file.path)) == APIKey(Self.secret))

            let large = directory.appendingPathComponent("large")
            try Data(repeating: 0x61, count: CredentialResolver.maximumFileBytes + 1).write(to: large)
            let tooLarge = Self.error { _ = try resolver.resolve(.file(large.path)) }
            #expect(
                tooLarge
                    == ProviderConfigurationError(
                        .credentialTooLarge, "credential file \(large.path) is larger than 65536 bytes"))

            let notFile = Self.error { _ = try resolver.resolve(.file(directory.path)) }
            #expect(notFile?.kind == .credentialUnreadable)
            #expect(notFile?.message.contains("not a regular file") == true)

            let fifo = directory.appendingPathComponent("fifo")
            #expect(mkfifo(fifo.path, 0o600) == 0)
            #expect(Self.error { _ = try resolver.resolve(.file(fifo.path)) }?.kind == .credentialUnreadable)

            let missing = directory.appendingPathComponent("missing")
            #expect(Self.error { _ = try resolver.resolve(.file(missing.path)) }?.kind == .credentialMissing)

            let empty = directory.appendingPathComponent("empty")
            try "\n".write(to: empty, atomically: true, encoding: .utf8)
            #expect(Self.error { _ = try resolver.resolve(.file(empty.path)) }?.kind == .credentialEmpty)
        }
    }

    @Test func confinesFilesToTheCredentialsDirectory() throws {
        try Self.withDirectory { directory in
            let secrets = directory.appendingPathComponent("secrets")
            try FileManager.default.createDirectory(at: secrets, withIntermediateDirectories: true)
            try Self.secret.write(to: secrets.appendingPathComponent("openai"), atomically: true, encoding: .utf8)
            let outside = directory.appendingPathComponent("outside")
            try "other".write(to: outside, atomically: true, encoding: .utf8)
            try FileManager.default.createSymbolicLink(
                at: secrets.appendingPathComponent("link"), withDestinationURL: outside)

            let resolver = CredentialResolver(environment: [:], directory: secrets.path)
            #expect(try resolver.resolve(.file("openai")) == APIKey(Self.secret))
            #expect(try resolver.resolve(.file(secrets.appendingPathComponent("openai").path)) == APIKey(Self.secret))
            for path in [outside.path, "../outside", "link"] {
                let error = Self.error { _ = try resolver.resolve(.file(path)) }
                #expect(error?.kind == .credentialOutsideDirectory, "\(path)")
                #expect(error?.message.contains("other") == false)
            }
        }
    }

    static func source(_ name: String, _ spec: [String: Value]) -> CapacitySource {
        CapacitySource(name: name, spec: .object(spec))
    }

    @Test func makesEachProviderKind() async throws {
        try await ProviderTestServer.with { server in
            let environment = ["OPENAI_KEY": Self.secret]
            let offline = try ProviderFactory.make(
                source: Self.source("fallback", ["provider": .string("offline"), "model": .string("offline-1")]),
                client: server.http.client, environment: environment)
            #expect(offline.name == "fallback")
            #expect((offline as? OfflineProvider)?.model == "offline-1")

            let openAI = try ProviderFactory.make(
                source: Self.source(
                    "local",
                    [
                        "provider": .string("openai"), "endpoint": .string(server.openAIEndpoint("ok") + "/"),
                        "model": .string("gpt-test"), "credential": .object(["env": .string("OPENAI_KEY")]),
                    ]),
                http: server.http, credentials: CredentialResolver(environment: environment),
                addresses: ProviderTestServer.loopback)
            let provider = try #require(openAI as? OpenAICompatibleProvider)
            #expect(provider.tokenLimitField == .maxTokens)
            #expect(provider.endpoint == server.openAIEndpoint("ok"))
            #expect(try await openAI.complete(ProviderOpenAITests.request).text == "Hello, world")
            #expect(await server.log.last?.headers["authorization"] == "Bearer \(Self.secret)")
            #expect(String(describing: openAI).contains("key: ***"))
            #expect(!String(describing: openAI).contains("SECRET"))

            let anthropic = try ProviderFactory.make(
                source: Self.source(
                    "claude",
                    [
                        "provider": .string("anthropic"), "endpoint": .string(server.anthropicEndpoint("ok")),
                        "model": .string("claude-test"), "credential": .object(["env": .string("OPENAI_KEY")]),
                    ]),
                client: server.http.client, environment: environment, addresses: ProviderTestServer.loopback)
            #expect(anthropic is AnthropicProvider)
            #expect(try await anthropic.complete(ProviderOpenAITests.request).usage == ProviderAnthropicTests.usage)

            let official = try ProviderFactory.make(
                source: Self.source("openai", ["provider": .string("openai"), "model": .string("o3")]),
                client: server.http.client, environment: [:])
            #expect((official as? OpenAICompatibleProvider)?.endpoint == ProviderFactory.openAIEndpoint)
            #expect((official as? OpenAICompatibleProvider)?.tokenLimitField == .maxCompletionTokens)
        }
    }

    @Test func refusesBadEndpointsAndMissingCredentials() async throws {
        try await ProviderTestServer.with { server in
            func attempt(_ spec: [String: Value], environment: [String: String] = [:]) -> ProviderConfigurationError? {
                do {
                    _ = try ProviderFactory.make(
                        source: Self.source("s", spec), client: server.http.client, environment: environment)
                    return nil
                } catch {
                    return error
                }
            }
            let openai: [String: Value] = ["provider": .string("openai"), "model": .string("m")]
            for endpoint in [
                "ftp://x/v1", "not a url", "https://user:\(Self.secret)@host/v1", "https://h/v1?key=\(Self.secret)",
                "http://127.0.0.1:99999/v1", "http://h:0/v1", "http://h:/v1", "http://[::1/v1", "https://h/v1#x",
            ] {
                let error = attempt(openai.merging(["endpoint": .string(endpoint)]) { $1 })
                #expect(error?.kind == .invalidEndpoint, "\(endpoint)")
                #expect(error?.message.contains("SECRET") == false, "\(error?.message ?? "")")
            }
            let missing = attempt(openai.merging(["credential": .object(["env": .string("GONE")])]) { $1 })
            #expect(missing == ProviderConfigurationError(.credentialMissing, "environment variable GONE is not set"))
        }
    }
}
