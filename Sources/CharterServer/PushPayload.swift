import Foundation

/// Reads the pushed ref from a delivery's body, if there is one. Never fails: a body that is not
/// JSON, or JSON without a usable `ref`, gives nil, and the delivery still triggers a fetch.
enum PushPayload {
    /// Longer refs are ignored rather than carried into logs.
    static let maximumRefLength = 256

    /// The `ref` field of a JSON object body, or of the `payload` field of a form-encoded one (GitHub
    /// sends that shape when the hook's content type is `application/x-www-form-urlencoded`).
    static func ref(in body: [UInt8]) -> String? {
        guard let json = jsonBytes(body),
            let object = try? JSONSerialization.jsonObject(with: Data(json)) as? [String: Any],
            let ref = object["ref"] as? String
        else { return nil }
        return isPlausibleRef(ref) ? ref : nil
    }

    private static func jsonBytes(_ body: [UInt8]) -> [UInt8]? {
        let prefix = Array("payload=".utf8)
        guard body.starts(with: prefix) else { return body }
        let encoded = String(decoding: body[prefix.count...], as: UTF8.self)
        let end = encoded.firstIndex(of: "&") ?? encoded.endIndex
        return encoded[..<end].replacingOccurrences(of: "+", with: " ").removingPercentEncoding.map { Array($0.utf8) }
    }

    // Only printable ASCII without spaces: the ref ends up in log lines.
    private static func isPlausibleRef(_ ref: String) -> Bool {
        !ref.isEmpty && ref.utf8.count <= maximumRefLength && ref.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7F }
    }
}
