import AsyncHTTPClient
import Foundation
import NIOHTTP1
import Testing

@testable import CharterBroker

/// How long a rate-limited source cools down when the answer carries no `retry-after`: the reset
/// of the limit that ran out.
@Suite("Provider rate-limit headers")
struct ProviderRateLimitHeaderTests {
    let now = Date(timeIntervalSince1970: 1_790_000_000)

    @Test func openAIResetDurationsParse() {
        #expect(ProviderTransport.resetSeconds("1s") == 1)
        #expect(ProviderTransport.resetSeconds("6m0s") == 360)
        #expect(ProviderTransport.resetSeconds("1h2m3.5s") == 3723.5)
        #expect(ProviderTransport.resetSeconds("20ms") == 0.02)
        for bad in ["", "5", "1x", "s", "1.2.3s"] { #expect(ProviderTransport.resetSeconds(bad) == nil, "\(bad)") }
    }

    @Test func retryAfterWinsOverResets() {
        let headers = HTTPHeaders([
            ("retry-after", "7"), ("x-ratelimit-remaining-tokens", "0"), ("x-ratelimit-reset-tokens", "6m0s"),
        ])
        #expect(ProviderTransport.retryAfter(headers, now: now) == "7")
    }

    @Test func onlyExhaustedLimitsCountAndTheLatestResetWins() {
        let both = HTTPHeaders([
            ("x-ratelimit-remaining-requests", "0"), ("x-ratelimit-reset-requests", "2s"),
            ("x-ratelimit-remaining-tokens", "0"), ("x-ratelimit-reset-tokens", "1m"),
        ])
        #expect(ProviderTransport.retryAfter(both, now: now) == "60.0")
        let neither = HTTPHeaders([
            ("x-ratelimit-remaining-requests", "3"), ("x-ratelimit-reset-requests", "2s"),
        ])
        #expect(ProviderTransport.retryAfter(neither, now: now) == nil)
    }

    @Test func anthropicResetsAreTimes() {
        let reset = now.addingTimeInterval(30).ISO8601Format()
        let headers = HTTPHeaders([
            ("anthropic-ratelimit-output-tokens-remaining", "0"), ("anthropic-ratelimit-output-tokens-reset", reset),
            ("anthropic-ratelimit-requests-remaining", "10"),
            ("anthropic-ratelimit-requests-reset", now.addingTimeInterval(999).ISO8601Format()),
        ])
        #expect(ProviderTransport.retryAfter(headers, now: now) == "30.0")
    }
}
