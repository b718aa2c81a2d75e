import CharterFoundation
import CharterTestSupport
import Testing

@Suite struct DisplayTextTests {
    @Test(arguments: DisplayAttacks.values.map(\.value))
    func anEscapedValueIsOneLineOfVisibleCharactersAndReadsBackExactly(_ value: String) {
        let shown = DisplayText.escaped(value)
        #expect(!shown.contains("\n") && !shown.contains("\r"))
        #expect(shown.unicodeScalars.allSatisfy { !Self.isDeceptive($0) }, "\(shown.debugDescription)")
        #expect(Self.longestMarkRun(shown) <= DisplayText.maxCombiningMarks)
        #expect(DisplayText.unescaped(shown) == value)
    }

    @Test(arguments: DisplayAttacks.values.map(\.value))
    func aSanitizedReportKeepsItsLinesAndHidesNothing(_ value: String) {
        let shown = DisplayText.sanitized(value)
        #expect(shown.unicodeScalars.allSatisfy { $0 == "\n" || $0 == "\t" || !Self.isDeceptive($0) })
        #expect(Self.longestMarkRun(shown) <= DisplayText.maxCombiningMarks)
    }

    @Test func theTrojanSourceExampleShowsItsOverride() {
        #expect(DisplayText.escaped("Research \u{202E}baL\u{202C}") == #"Research \u{202E}baL\u{202C}"#)
        #expect(DisplayText.escaped("line\nnext") == #"line\nnext"#)
        #expect(DisplayText.sanitized("line\nnext\u{1B}[31m") == "line\nnext\\u{1B}[31m")
    }

    @Test func plainTextAndRealScriptsPassUnchanged() {
        for text in ["Research Lab", #"C:\path and \d+"#] + DisplayAttacks.honestNonASCII {
            #expect(DisplayText.escaped(text) == text, "\(text)")
        }
    }

    @Test func aBackslashIsDoubledOnlyWhereItWouldReadAsAnEscape() {
        #expect(DisplayText.escaped(#"\u{202E}"#) == #"\\u{202E}"#)
        #expect(DisplayText.escaped(#"a\b"#) == #"a\b"#)
        #expect(DisplayText.unescaped(#"\\u{202E}"#) == #"\u{202E}"#)
        #expect(DisplayText.unescaped(#"\u{zz}"#) == nil)
    }

    @Test(arguments: DisplayAttacks.lookalikes)
    func aValueWhoseLettersPassForOthersIsFlagged(_ attack: (label: String, value: String)) throws {
        let finding = try #require(Lookalike.inspect(attack.value), "\(attack.label)")
        #expect(!finding.description.isEmpty)
    }

    @Test func theFindingSaysWhatItReadsAsAndWhichLetterIsForeign() throws {
        let finding = try #require(Lookalike.inspect("R\u{0435}search Lab"))
        #expect(finding.scripts == ["Cyrillic", "Latin"])
        #expect(finding.reading == "Research Lab")
        #expect(finding.description.contains("U+0435 CYRILLIC SMALL LETTER IE"), "\(finding.description)")
        let whole = try #require(Lookalike.inspect("\u{0440}\u{0430}\u{0443}\u{0440}\u{0430}l"))
        #expect(whole.reading == "paypal")
    }

    @Test func textReallyWrittenInAnotherScriptIsNotFlagged() {
        for text in DisplayAttacks.honestNonASCII + ["Research Lab", "plain-ascii"] {
            #expect(Lookalike.inspect(text) == nil, "\(text): \(String(describing: Lookalike.inspect(text)))")
        }
    }

    /// What must never reach a reader raw.
    static func isDeceptive(_ scalar: Unicode.Scalar) -> Bool {
        if DisplayAttacks.bidiControls.contains(scalar) || DisplayAttacks.invisible.contains(scalar) { return true }
        if DisplayAttacks.spaces.contains(scalar) || DisplayAttacks.controls.contains(scalar) { return true }
        return false
    }

    static func longestMarkRun(_ text: String) -> Int {
        var run = 0
        var longest = 0
        for scalar in text.unicodeScalars {
            run = scalar.properties.generalCategory == .nonspacingMark ? run + 1 : 0
            longest = max(longest, run)
        }
        return longest
    }
}
