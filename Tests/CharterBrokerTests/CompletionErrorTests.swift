import CharterBroker
import Foundation
import Testing

@Suite("CompletionError classification")
struct CompletionErrorTests {
    @Test func classifiesHTTPStatuses() {
        func kind(_ status: Int, _ retryAfter: String? = nil) -> CompletionError.Kind {
            CompletionError(httpStatus: status, retryAfter: retryAfter, message: "m").kind
        }
        #expect(kind(429, "7") == .rateLimited(retryAfter: .seconds(7)))
        #expect(kind(429) == .rateLimited(retryAfter: nil))
        #expect(kind(401) == .authentication)
        #expect(kind(403) == .authentication)
        #expect(kind(408) == .timeout)
        #expect(kind(400) == .invalidRequest)
        #expect(kind(404) == .invalidRequest)
        #expect(kind(413) == .invalidRequest)
        #expect(kind(500) == .server(status: 500, retryAfter: nil))
        #expect(kind(503, "2.5") == .server(status: 503, retryAfter: .milliseconds(2500)))
        #expect(kind(529) == .server(status: 529, retryAfter: nil))
    }

    @Test func retriesOnlyWhatMaySucceedLater() {
        let retryable: [CompletionError.Kind] = [
            .rateLimited(retryAfter: nil), .server(status: 502, retryAfter: nil), .timeout, .transport,
        ]
        for kind in retryable { #expect(CompletionError(kind, "x").isRetryable) }
        for kind in [CompletionError.Kind.authentication, .invalidRequest] {
            #expect(!CompletionError(kind, "x").isRetryable)
        }
    }

    @Test func parsesRetryAfterSecondsAndDates() {
        let now = Date(timeIntervalSince1970: 1_445_412_480)  // Wed, 21 Oct 2015 07:28:00 GMT
        #expect(CompletionError.parseRetryAfter("120", now: now) == .seconds(120))
        #expect(CompletionError.parseRetryAfter(" 0.25 ", now: now) == .milliseconds(250))
        #expect(CompletionError.parseRetryAfter("Wed, 21 Oct 2015 07:28:30 GMT", now: now) == .seconds(30))
        #expect(CompletionError.parseRetryAfter("Wed, 21 Oct 2015 07:27:00 GMT", now: now) == .zero)
        #expect(CompletionError.parseRetryAfter("-5", now: now) == nil)
        // A hostile server's header is cut to a day, never converted into an overflow.
        #expect(CompletionError.parseRetryAfter("1e300", now: now) == .seconds(86_400))
        #expect(CompletionError.parseRetryAfter("99999999999999999999", now: now) == .seconds(86_400))
        #expect(CompletionError.parseRetryAfter("Fri, 31 Dec 9999 23:59:59 GMT", now: now) == .seconds(86_400))
        #expect(CompletionError.parseRetryAfter("soon", now: now) == nil)
        #expect(CompletionError(httpStatus: 429, retryAfter: "3", message: "slow down").retryAfter == .seconds(3))
    }

    @Test func classifiesClientErrors() {
        #expect(CompletionError.classify(URLError(.timedOut))?.kind == .timeout)
        #expect(CompletionError.classify(URLError(.cannotConnectToHost))?.kind == .transport)
        #expect(CompletionError.classify(CancellationError()) == nil, "a cancel is not a provider failure")
        let original = CompletionError(.authentication, "bad key")
        #expect(CompletionError.classify(original) == original)
        struct Other: Error {}
        #expect(CompletionError.classify(Other())?.kind == .transport)
    }

    @Test func redactsCredentialsFromMessages() {
        let error = CompletionError(
            httpStatus: 401,
            message: """
                Incorrect API key provided: sk-proj-abcdefghijklmnop. Authorization: Bearer eyJhbGciOi.x.y \
                via https://user:hunter2@api.example.com/v1?api_key=s3cr3t
                """)
        #expect(!error.message.contains("abcdefghijklmnop"))
        #expect(!error.message.contains("eyJhbGciOi"))
        #expect(!error.message.contains("hunter2"))
        #expect(!error.message.contains("s3cr3t"))
        #expect(error.message.contains("https://***@api.example.com"))
        #expect(error.description.hasPrefix("authentication failed: Incorrect API key provided: sk-***"))
    }

    @Test func capsLongMessages() {
        let error = CompletionError(.server(status: 500, retryAfter: nil), String(repeating: "e", count: 5000))
        #expect(error.message.count == 501)
        #expect(error.description.hasPrefix("server error 500: eee"))
    }
}
