import CharterModel
import HTTPTypes
import Hummingbird
import NIOCore

/// JSON answers and RFC 9457 problem details, the API's two shapes of response.
enum APIResponse {
    /// `value` as JSON (exact values, canonical key order).
    static func json(_ value: Value, status: HTTPResponse.Status = .ok) -> Response {
        json(body: ByteBuffer(bytes: CanonicalJSON.encode(value)), status: status)
    }

    /// A JSON body already encoded.
    static func json(body: ByteBuffer, status: HTTPResponse.Status = .ok) -> Response {
        Response(
            status: status, headers: [.contentType: "application/json", .cacheControl: "no-store"],
            body: ResponseBody(byteBuffer: body))
    }

    /// `application/problem+json`: what went wrong and what to do, never a secret.
    static func problem(_ status: HTTPResponse.Status, _ detail: String) -> Response {
        let value: Value = [
            "type": "about:blank", "title": .string(status.reasonPhrase), "status": .int(status.code),
            "detail": .string(detail),
        ]
        return Response(
            status: status, headers: [.contentType: "application/problem+json", .cacheControl: "no-store"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: CanonicalJSON.encode(value))))
    }
}
