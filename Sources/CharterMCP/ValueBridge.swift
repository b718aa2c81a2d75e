import CharterModel
import Foundation
import MCP

extension CharterModel.Value {
    /// The same JSON value, from the MCP SDK's `Value`; binary data (which the SDK reads from
    /// `data:` URL strings) becomes that URL again.
    init(_ value: MCP.Value) {
        switch value {
        case .null: self = .null
        case .bool(let b): self = .bool(b)
        case .int(let i): self = .int(i)
        case .double(let d): self = .double(d)
        case .string(let s): self = .string(s)
        case .data(let mimeType, let data):
            self = .string("data:\(mimeType ?? "application/octet-stream");base64,\(data.base64EncodedString())")
        case .array(let items): self = .array(items.map { CharterModel.Value($0) })
        case .object(let fields): self = .object(fields.mapValues { CharterModel.Value($0) })
        }
    }
}

extension MCP.Value {
    /// The same JSON value, as the MCP SDK's `Value`.
    init(_ value: CharterModel.Value) {
        switch value {
        case .null: self = .null
        case .bool(let b): self = .bool(b)
        case .int(let i): self = .int(i)
        case .double(let d): self = .double(d)
        case .string(let s): self = .string(s)
        case .array(let items): self = .array(items.map { MCP.Value($0) })
        case .object(let fields): self = .object(fields.mapValues { MCP.Value($0) })
        }
    }
}
