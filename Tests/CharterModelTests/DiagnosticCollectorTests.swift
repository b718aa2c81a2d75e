import CharterModel
import Testing

@Suite struct DiagnosticCollectorTests {
    func diagnostic(_ file: String, _ line: Int) -> Diagnostic {
        Diagnostic(code: "x", file: file, line: line, column: 1, message: "problem \(line)")
    }

    @Test func keepsWhatASortedCappedListingShowsWhateverTheOrder() {
        let all = (0..<40).flatMap { f in (1...30).map { diagnostic("f\(f / 10)\(f % 10).yaml", $0) } }
        let limits = DiagnosticLimits(perFile: 7, total: 50)
        var expected: [Diagnostic] = []
        var perFile: [String: Int] = [:]
        for d in all.sorted() where expected.count < 50 && perFile[d.file, default: 0] < 7 {
            expected.append(d)
            perFile[d.file, default: 0] += 1
        }
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<5 {
            var collector = DiagnosticCollector(limits: limits)
            collector.add(contentsOf: all.shuffled(using: &generator))
            #expect(collector.shown == expected)
            #expect(collector.count == all.count)
            #expect(collector.listing.last?.message.hasPrefix("and \(all.count - 50) more errors") == true)
        }
    }

    @Test func refusesWhatCanNoLongerBeShown() {
        var collector = DiagnosticCollector(limits: DiagnosticLimits(perFile: 2, total: 3))
        collector.add(diagnostic("a.yaml", 5))
        collector.add(diagnostic("a.yaml", 3))
        #expect(!collector.admits(file: "a.yaml", line: 6, column: 1))
        #expect(collector.admits(file: "a.yaml", line: 4, column: 1))
        #expect(collector.admits(file: "b.yaml", line: 99, column: 1))
        collector.omit()
        #expect(collector.count == 3)
        #expect(collector.listing.count == 3, "two shown and a summary of the one omitted")
    }

    @Test func longMessagesAndPathsAreCut() {
        var collector = DiagnosticCollector()
        let long = String(repeating: "y", count: 50_000)
        collector.add(
            Diagnostic(code: "x", file: "a.yaml", path: JSONPointer(tokens: ["spec", long]), message: long, hint: long))
        let d = collector.shown[0]
        #expect(d.message.count < Excerpt.messageLimit + 40)
        #expect((d.hint ?? "").count < Excerpt.messageLimit + 40)
        #expect(d.description.count < 2 * Excerpt.messageLimit + Excerpt.valueLimit + 200)
    }
}

@Suite struct SuggestionTests {
    /// The textbook distance, for comparison.
    func reference(_ a: String, _ b: String) -> Int {
        let x = Array(a.unicodeScalars)
        let y = Array(b.unicodeScalars)
        if x.isEmpty { return y.count }
        if y.isEmpty { return x.count }
        var d = [[Int]](repeating: [Int](repeating: 0, count: y.count + 1), count: x.count + 1)
        for i in 0...x.count { d[i][0] = i }
        for j in 0...y.count { d[0][j] = j }
        for i in 1...x.count {
            for j in 1...y.count {
                d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (x[i - 1] == y[j - 1] ? 0 : 1))
                if i > 1, j > 1, x[i - 1] == y[j - 2], x[i - 2] == y[j - 1] {
                    d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
                }
            }
        }
        return d[x.count][y.count]
    }

    @Test func theBandedDistanceAgreesWithTheTextbookOne() {
        var generator = SystemRandomNumberGenerator()
        let alphabet = Array("abcd")
        for _ in 0..<2000 {
            let a = String((0..<Int.random(in: 0...9, using: &generator)).map { _ in alphabet.randomElement()! })
            let b = String((0..<Int.random(in: 0...9, using: &generator)).map { _ in alphabet.randomElement()! })
            #expect(Suggestion.distance(a, b) == reference(a, b), "\(a) \(b)")
        }
    }

    @Test func suggestionsStayCheapForHugeWords() {
        let huge = String(repeating: "m", count: 1_000_000)
        #expect(Suggestion.closest(to: huge, in: ["members", "lead"]) == nil)
        #expect(Suggestion.closest(to: "memebrs", in: ["members", "lead"]) == "members")
        #expect(Suggestion.closest(to: "laed", in: ["members", "lead", huge]) == "lead")
    }
}
