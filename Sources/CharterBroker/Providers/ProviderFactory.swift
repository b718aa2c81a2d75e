import AsyncHTTPClient
import CharterModel
import Foundation

/// Makes the provider a CapacitySource describes.
///
/// - `offline` → ``OfflineProvider`` named after the source, reporting its `model`.
/// - `openai` → ``OpenAICompatibleProvider`` at the source's `endpoint` (default
///   `https://api.openai.com/v1`); on `api.openai.com` the token limit is sent as
///   `max_completion_tokens`, which OpenAI's reasoning models require, elsewhere as `max_tokens`,
///   which every compatible server understands.
/// - `anthropic` → ``AnthropicProvider`` at the source's `endpoint` (default
///   `https://api.anthropic.com`).
///
/// The credential is resolved once, here: a missing variable or unreadable file fails when the
/// provider is made, not in the middle of a run.
public enum ProviderFactory {
    /// The default base URL of the OpenAI API.
    public static let openAIEndpoint = "https://api.openai.com/v1"
    /// The default base URL of the Anthropic API.
    public static let anthropicEndpoint = "https://api.anthropic.com"

    /// The provider for `source`, with keys from `environment` and credential files from anywhere
    /// readable.
    /// - Throws: ``ProviderConfigurationError`` for an unusable endpoint or credential.
    public static func make(
        source: CapacitySource, client: HTTPClient,
        environment: [String: String] = ProcessInfo.processInfo.environment,
        overallTimeout: Duration = ProviderTimeouts.default.overall, addresses: OutboundAddressRules = .publicOnly
    ) throws(ProviderConfigurationError) -> any CompletionProvider {
        try make(
            source: source, client: client, credentials: CredentialResolver(environment: environment),
            overallTimeout: overallTimeout, addresses: addresses)
    }

    /// The provider for `source`, on the shared `http` client and with its overall bound.
    /// - Throws: ``ProviderConfigurationError`` for an unusable endpoint or credential.
    public static func make(
        source: CapacitySource, http: ProviderHTTPClient, credentials: CredentialResolver,
        addresses: OutboundAddressRules = .publicOnly
    ) throws(ProviderConfigurationError) -> any CompletionProvider {
        try make(
            source: source, client: http.client, credentials: credentials, overallTimeout: http.timeouts.overall,
            addresses: addresses)
    }

    /// The provider for `source`, with its key read by `credentials`, sending only where
    /// `addresses` (the Organization's `spec.endpoints`) allows.
    /// - Throws: ``ProviderConfigurationError`` for an unusable endpoint or credential, or an
    ///   endpoint whose host `addresses` refuses.
    public static func make(
        source: CapacitySource, client: HTTPClient, credentials: CredentialResolver, overallTimeout: Duration,
        addresses: OutboundAddressRules = .publicOnly
    ) throws(ProviderConfigurationError) -> any CompletionProvider {
        switch source.provider {
        case .offline:
            return OfflineProvider(name: source.name, model: source.model)
        case .openai:
            let endpoint = try validatedEndpoint(
                source.endpoint ?? openAIEndpoint, source: source.name, addresses: addresses)
            let key = try source.credential.map { (credential) throws(ProviderConfigurationError) in
                try credentials.resolve(credential)
            }
            let official = URLComponents(string: endpoint)?.host?.lowercased() == "api.openai.com"
            return OpenAICompatibleProvider(
                name: source.name, endpoint: endpoint, model: source.model, apiKey: key, client: client,
                overallTimeout: overallTimeout, tokenLimitField: official ? .maxCompletionTokens : .maxTokens,
                addresses: addresses)
        case .anthropic:
            let endpoint = try validatedEndpoint(
                source.endpoint ?? anthropicEndpoint, source: source.name, addresses: addresses)
            let key = try source.credential.map { (credential) throws(ProviderConfigurationError) in
                try credentials.resolve(credential)
            }
            return AnthropicProvider(
                name: source.name, endpoint: endpoint, model: source.model, apiKey: key, client: client,
                overallTimeout: overallTimeout, addresses: addresses)
        }
    }

    /// `endpoint` without a trailing slash, when it is an ``HTTPEndpoint``: `http` or `https`, a
    /// host, a port from 1 to 65535, no user-info (a key pasted into a URL would be logged with
    /// it), query or fragment, and a host `addresses` does not refuse as written (names are
    /// checked again, resolved, before each request).
    static func validatedEndpoint(
        _ endpoint: String, source: String, addresses: OutboundAddressRules = .publicOnly
    ) throws(ProviderConfigurationError) -> String {
        // Shown without its query, which could hold a key (`?key=…`), with user-info masked, and cut.
        let shown = Excerpt.cut(CompletionError.redact(String(endpoint.prefix { $0 != "?" && $0 != "#" })))
        if let problem = HTTPEndpoint.problem(endpoint) {
            throw ProviderConfigurationError(.invalidEndpoint, "CapacitySource \(source): endpoint \(shown) \(problem)")
        }
        if let refusal = addresses.refusal(url: endpoint) {
            throw ProviderConfigurationError(
                .invalidEndpoint, "CapacitySource \(source): endpoint \(shown) is refused: \(refusal.description)")
        }
        return endpoint.hasSuffix("/") ? String(endpoint.dropLast()) : endpoint
    }
}
