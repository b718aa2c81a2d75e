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
                == "2026-09-21T14:13:20Z warning webhook refused attempt=2 component=webhooks reason=signature mismatch"
        )
        #expect(lines[1].level == .notice)
        #expect(lines[1].render(json: true).contains(#""level":"notice","msg":"stopping","passes":"3""#))
    }
}
