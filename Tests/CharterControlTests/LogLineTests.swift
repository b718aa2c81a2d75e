import CharterControl
import Foundation
import Logging
import Testing

/// One vocabulary of levels, swift-log's, in both formats, whether a line is built by the
/// controller or logged through a `Logger`.
@Suite struct LogLineTests {
    let time = Date(timeIntervalSince1970: 1_790_000_000)

    @Test(arguments: Logger.Level.allCases)
    func everyLevelRendersWithSwiftLogsName(_ level: Logger.Level) {
        let line = LogLine(time: time, level: level, message: "m", fields: ["k": "v"])
        #expect(line.render(json: false) == "2026-09-21T14:13:20Z \(level.rawValue) m k=v")
        #expect(
            line.render(json: true)
                == #"{"k":"v","level":"\#(level.rawValue)","msg":"m","time":"2026-09-21T14:13:20Z"}"#)
    }

    @Test func aValueFromARequestCannotAddFieldsOrLines() throws {
        // A webhook's delivery header chosen by whoever can reach the listener.
        let forged = "abc level=error run=R-1 msg=\"forged\"\n2026-09-21T14:13:20Z error injected \u{202E}"
        let line = LogLine(time: time, level: .info, message: "webhook\nforged", fields: ["delivery": forged])
        let text = line.render(json: false)
        #expect(!text.contains("\n") && !text.unicodeScalars.contains("\u{202E}"))
        #expect(text.hasPrefix(#"2026-09-21T14:13:20Z info webhook\nforged delivery=""#), "\(text)")
        // logfmt: exactly one field, whose quoted value is the exact header.
        let quoted = String(text.split(separator: "delivery=", maxSplits: 1)[1])
        let decoded = try JSONDecoder().decode(String.self, from: Data(quoted.utf8))
        #expect(decoded == forged)
        #expect(
            LogLine(time: time, level: .info, message: "m", fields: ["k": "plain-value"]).render(json: false).hasSuffix(
                " k=plain-value"))
    }

    @Test func theNamesAreSwiftLogs() {
        #expect(
            Logger.Level.allCases.map(\.rawValue) == [
                "trace", "debug", "info", "notice", "warning", "error", "critical",
            ])
    }

    @Test func aLoggerWritesLogLinesWithItsMetadataAsFields() throws {
        let sink = LogSink()
        var logger = Logger(label: "test") { _ in LogLineHandler(now: { [time] in time }) { sink.append($0) } }
        logger[metadataKey: "component"] = "webhooks"
        logger.warning("webhook refused", metadata: ["reason": "signature mismatch", "attempt": .stringConvertible(2)])
        logger.debug("dropped: below the handler's level")
        logger.log(LogLine(time: time, level: .notice, message: "stopping", fields: ["passes": "3"]))
        let lines = sink.lines
        try #require(lines.count == 2)
        #expect(lines[0].level == .warning)
        #expect(lines[0].fields == ["component": "webhooks", "reason": "signature mismatch", "attempt": "2"])
        #expect(
            lines[0].render(json: false)
                == "2026-09-21T14:13:20Z warning webhook refused attempt=2 component=webhooks reason=\"signature mismatch\""
        )
        #expect(lines[1].level == .notice)
        #expect(lines[1].render(json: true).contains(#""level":"notice","msg":"stopping","passes":"3""#))
    }
}
