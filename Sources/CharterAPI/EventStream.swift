import CharterModel
import CharterStore
import Foundation
import Hummingbird
import NIOCore

/// The governance event log over HTTP: a page as JSON, or `?follow=true` as Server-Sent Events
/// (each event once, `id:` its sequence number, so a client that reconnects with
/// `Last-Event-ID` or `?after=` misses nothing and sees nothing twice).
enum EventStream {
    /// How often a follower looks for new events; SQLite answers the query in microseconds.
    static let pollInterval = Duration.milliseconds(500)
    /// A comment line at least this often keeps proxies from closing an idle stream.
    static let keepAliveEvery = 30

    /// One event as an SSE message.
    static func message(_ event: Event) -> String {
        "id: \(event.sequence)\nevent: \(event.type)\ndata: \(CanonicalJSON.string(event.value))\n\n"
    }

    /// A streaming response that ends when the client goes away (the write fails) or the server
    /// shuts down (the task is cancelled).
    static func response(store: StateStore, after: Int) -> Response {
        Response(
            status: .ok,
            headers: [.contentType: "text/event-stream", .cacheControl: "no-store"],
            body: ResponseBody { writer in
                var last = after
                var idle = 0
                try await writer.write(ByteBuffer(string: ": following events after \(after)\n\n"))
                while !Task.isCancelled {
                    let fresh = (try? store.events(after: last, limit: 500)) ?? []
                    if fresh.isEmpty {
                        idle += 1
                        if idle % keepAliveEvery == 0 { try await writer.write(ByteBuffer(string: ": keep-alive\n\n")) }
                        try await Task.sleep(for: pollInterval)
                        continue
                    }
                    idle = 0
                    try await writer.write(ByteBuffer(string: fresh.map(message).joined()))
                    last = fresh.last!.sequence
                }
                try await writer.finish(nil)
            })
    }
}
