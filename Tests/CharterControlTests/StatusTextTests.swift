import CharterFoundation
import CharterTestSupport
import Testing

@testable import CharterControl

/// What `STATUS.md` and `SUMMARY.md` put on one line — a branch name, a reason, an error quoting
/// repository text — is one line with nothing hidden, and reads back as the exact text.
@Suite struct StatusTextTests {
    @Test(arguments: DisplayAttacks.values.map(\.value))
    func aLineIsOneVisibleLineThatReadsBack(_ value: String) {
        let line = StatusText.line(value)
        #expect(!line.contains("\n") && !line.contains("\r"))
        #expect(
            !line.unicodeScalars.contains {
                DisplayAttacks.bidiControls.contains($0) || DisplayAttacks.invisible.contains($0)
            })
        #expect(DisplayText.unescaped(line) == value)
    }

    @Test(arguments: DisplayAttacks.values.map(\.value) + ["a`b", "``"])
    func aCodeSpanCannotBeClosedEarly(_ value: String) {
        let span = StatusText.code(value)
        #expect(span.hasPrefix("`") && span.hasSuffix("`"))
        #expect(!span.dropFirst().dropLast().contains("`"))
        #expect(!span.contains("\n"))
    }

    @Test func aWholeFileKeepsItsLinesAndHidesNothing() {
        let file = "# Run\n\n> \(StatusText.line("failed:\n## forged heading"))\n" + "tail \u{202E}x\n"
        let sanitized = DisplayText.sanitized(file)
        #expect(sanitized.split(separator: "\n").filter { $0.hasPrefix("## ") }.isEmpty)
        #expect(sanitized.contains(#"\u{202E}"#))
    }
}
