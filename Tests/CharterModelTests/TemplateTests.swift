import Foundation
import Testing

@testable import CharterModel

/// A template from a spec value, the way the loader builds one.
private func template(named name: String = "t", _ spec: Value) -> Template { Template(name: name, spec: spec) }

private let reviewTemplate = template(
    named: "review",
    [
        "parameters": [
            ["name": "branch", "type": "string", "required": true, "pattern": "[A-Za-z0-9._/-]+"],
            ["name": "repo", "type": "string", "default": "acme/app"],
            ["name": "count", "type": "int", "default": 3],
            ["name": "dry", "type": "bool", "default": false],
            ["name": "depth", "type": "enum", "values": ["quick", "deep"], "default": "quick"],
            ["name": "focus", "type": "list", "default": ["security", "tests"]],
            ["name": "note", "type": "string"],
        ],
        "steps": [
            ["name": "fetch", "type": "shell", "run": "git clone https://x/${{ params.repo }}.git"],
            ["name": "review", "type": "agent", "role": "r", "needs": ["fetch"]],
        ],
    ])

private func evaluate(
    _ text: String, _ parameters: [String: Value] = [:], steps: [String: TemplateStepResult] = [:]
) throws -> Value {
    let scope = EvaluationScope(parameters: parameters, steps: steps, runID: "r-1", template: "t", routine: nil)
    return try scope.evaluate(try TemplateExpression.parseCondition(text))
}

/// The error a parse of `text` throws, or nil.
private func parseError(_ text: String) -> TemplateExpressionError? {
    do throws(TemplateExpressionError) {
        _ = try TemplateExpression.parseCondition(text)
        return nil
    } catch {
        return error
    }
}

@Suite struct TemplateExpressionTests {
    @Test func parsesOperandsAndLiterals() throws {
        #expect(try TemplateExpression.parse("params.topic").node == .operand(.parameter("topic")))
        #expect(try TemplateExpression.parse("steps.sign-off.output").node == .operand(.stepOutput("sign-off")))
        #expect(try TemplateExpression.parse("steps.a.outcome").node == .operand(.stepOutcome("a")))
        #expect(try TemplateExpression.parse("run.id").node == .operand(.runID))
        #expect(try TemplateExpression.parse("run.template").node == .operand(.runTemplate))
        #expect(try TemplateExpression.parse("run.routine").node == .operand(.runRoutine))
        #expect(try TemplateExpression.parse("'it''s'").node == .literal("it's"))
        #expect(try TemplateExpression.parse(#""a\"b\\c\n""#).node == .literal("a\"b\\c\n"))
        #expect(try TemplateExpression.parse("-12").node == .literal(-12))
        #expect(try TemplateExpression.parse("true").node == .literal(true))
        #expect(try TemplateExpression.parse("false").node == .literal(false))
    }

    @Test func precedenceIsNotThenComparisonThenAndThenOr() throws {
        // a || b && c  parses as  a || (b && c)
        let e = try TemplateExpression.parse("params.a || params.b && params.c")
        guard case .binary(.or, let left, let right) = e.node else {
            Issue.record("expected || at the top, got \(e.node)")
            return
        }
        #expect(left.node == .operand(.parameter("a")))
        guard case .binary(.and, _, _) = right.node else {
            Issue.record("expected && under ||")
            return
        }
        // !a == b  parses as  (!a) == b
        let n = try TemplateExpression.parse("!params.a == false")
        guard case .binary(.equal, let l, _) = n.node, case .not = l.node else {
            Issue.record("expected (!a) == false, got \(n.node)")
            return
        }
        #expect(try evaluate("true || false && false") == true)
        #expect(try evaluate("(true || false) && false") == false)
        #expect(try evaluate("!false == true") == true)
        #expect(try evaluate("1 < 2 && 3 >= 3 && 4 > 5 || 2 <= 1") == false)
    }

    @Test func truthinessFollowsGitHubActions() throws {
        for falsy in ["false", "0", "''", "params.empty", "params.missing", "params.zero"] {
            #expect(
                try evaluate("!\(falsy)", ["empty": [], "zero": 0]) == true, "\(falsy) should be falsy")
        }
        for truthy in ["true", "1", "-1", "'false'", "'0'", "params.list"] {
            #expect(try evaluate("!!\(truthy)", ["list": ["a"]]) == true, "\(truthy) should be truthy")
        }
    }

    @Test func comparisonsAndContains() throws {
        let p: Value = ["n": 5, "s": "abc", "l": ["x", "y"], "b": true]
        let params = p.object!
        #expect(try evaluate("params.n == 5", params) == true)
        #expect(try evaluate("params.n == '5'", params) == false)  // types never mix
        #expect(try evaluate("params.s != 'abd'", params) == true)
        #expect(try evaluate("params.n > 4 && params.n < 6", params) == true)
        #expect(try evaluate("contains(params.l, 'y')", params) == true)
        #expect(try evaluate("contains(params.l, 'z')", params) == false)
        #expect(try evaluate("contains(params.s, 'bc')", params) == true)
        #expect(try evaluate("contains(params.s, 'BC')", params) == false)
        #expect(try evaluate("params.missing == ''", params) == true)
        #expect(try evaluate("${{ params.b }}", params) == true)
        #expect(throws: TemplateExpressionError.self) { try evaluate("params.s < 3", params) }
        #expect(throws: TemplateExpressionError.self) { try evaluate("contains(params.n, 1)", params) }
    }

    @Test func andOrShortCircuitSoUnfinishedStepsAreNotRead() throws {
        #expect(try evaluate("false && steps.later.output == 'x'") == false)
        #expect(try evaluate("true || steps.later.output == 'x'") == true)
        #expect(throws: TemplateExpressionError.self) { try evaluate("true && steps.later.output == 'x'") }
    }

    @Test func stepOperands() throws {
        let steps = [
            "a": TemplateStepResult(.succeeded, output: "done"), "b": TemplateStepResult(.skipped, output: "x"),
        ]
        #expect(try evaluate("steps.a.outcome == 'succeeded' && steps.a.output == 'done'", steps: steps) == true)
        #expect(try evaluate("steps.b.outcome", steps: steps) == "skipped")
        #expect(try evaluate("steps.b.output", steps: steps) == "")
        #expect(try evaluate("run.id == 'r-1' && run.template == 't' && run.routine == ''") == true)
    }

    @Test(arguments: [
        ("params.a = 1", "`=` is not an operator", 9),
        ("params.a & params.b", "`&` is not an operator", 9),
        ("params.a | params.b", "`|` is not an operator", 9),
        ("'open", "unterminated string", 0),
        ("(params.a", "expected `)`", 9),
        ("params.a)", "unbalanced `)`", 8),
        ("", "the expression is empty", 0),
        ("params.a params.b", "expected an operator", 9),
        ("1 == 2 == 3", "comparisons do not chain", 7),
        ("lenght(params.a)", "unknown function `lenght`", 0),
        ("contians(params.a, 'x')", "did you mean `contains`?", 0),
        ("contains(params.a)", "expected `,`", 17),
        ("contains(params.a, 1, 2)", "expected `)`", 20),
        ("parms.a", "unknown name `parms.a`; did you mean `params`?", 0),
        ("params.a.b", "`params.NAME`", 0),
        ("steps.a", "`steps.NAME.output`", 0),
        ("steps.a.outptu", "did you mean `output`?", 0),
        ("run.idd", "did you mean `id`?", 0),
        ("params..a", "empty part", 0),
        ("99999999999999999999", "too large", 0),
        ("12abc", "not a number or a name", 0),
        ("params.a == #", "unexpected character `#`", 12),
        (#""bad \q""#, "unknown escape", 5),
        ("== 1", "expected a value", 0),
        ("${{ params.a }} && params.b", "text follows its `}}`", 15),
        ("${{ params.a", "is not closed", 0),
    ])
    func syntaxErrorsSayWhatAndWhere(text: String, message: String, offset: Int) {
        let error = parseError(text)
        #expect(error?.message.contains(message) == true, "\(text): \(String(describing: error))")
        #expect(error?.offset == offset, "\(text): \(String(describing: error))")
    }

    @Test func substitutionsInText() throws {
        let t = try TemplateText(parsing: "a ${{ params.x }} b ${{'}}'}}c")
        #expect(
            t.segments == [
                .text("a "), .substitution(TemplateExpression(.operand(.parameter("x")), at: 6), offset: 2),
                .text(" b "), .substitution(TemplateExpression(.literal("}}"), at: 23), offset: 20), .text("c"),
            ])
        #expect(try TemplateText(parsing: "no substitutions, $ { {").hasSubstitutions == false)
        #expect(throws: TemplateExpressionError.self) { try TemplateText(parsing: "x ${{ params.a ${{ params.b }}") }
        do throws(TemplateExpressionError) {
            _ = try TemplateText(parsing: "abc ${{ params.a == }}")
            Issue.record("expected an error")
        } catch {
            #expect(error.offset == 20)  // where the expression ends, counted from the text's start
        }
    }

    @Test func hostileInputIsRefusedQuickly() {
        let clock = ContinuousClock()
        let start = clock.now
        let deep = String(repeating: "(", count: 10_000) + "true" + String(repeating: ")", count: 10_000)
        #expect(parseError(String(deep.prefix(900)))?.message.contains("nests deeper than 32") == true)
        #expect(parseError(deep)?.message.contains("the limit is 1000") == true)
        let nots = String(repeating: "!", count: 500) + "true"
        #expect(parseError(nots)?.message.contains("nests deeper") == true)
        let long = Array(repeating: "params.a", count: 2_000).joined(separator: " && ")
        #expect(parseError(long)?.message.contains("characters long") == true)
        let many = String(repeating: "${{ true }}", count: 1_000)
        #expect(throws: TemplateExpressionError.self) { try TemplateText(parsing: many) }
        let huge = String(repeating: "x", count: 200_000)
        #expect(throws: TemplateExpressionError.self) { try TemplateText(parsing: huge) }
        #expect(clock.now - start < .seconds(2))
        // Just inside the limits still parses.
        let ok = String(repeating: "(", count: 32) + "true" + String(repeating: ")", count: 32)
        #expect(parseError(ok) == nil)
    }
}

/// The problems an instantiation reports, or an empty list when it succeeds.
private func problems(_ build: () throws -> TemplateInstance) -> [TemplateArgumentError] {
    do {
        _ = try build()
        return []
    } catch {
        return (error as? TemplateInstantiationError)?.problems ?? []
    }
}

@Suite struct TemplateInstanceTests {
    @Test func appliesDefaultsAndKeepsGivenValues() throws {
        let i = try TemplateInstance(template: reviewTemplate, arguments: ["branch": "feature/x", "count": 7])
        #expect(i.parameters["branch"] == "feature/x")
        #expect(i.parameters["count"] == 7)
        #expect(i.parameters["repo"] == "acme/app")
        #expect(i.parameters["dry"] == false)
        #expect(i.parameters["focus"] == ["security", "tests"])
        #expect(i.parameters["note"] == nil)  // optional, no default
    }

    @Test func reportsEveryProblemAtOnceNamingTemplateAndParameter() {
        let found = problems {
            try TemplateInstance(
                template: reviewTemplate,
                arguments: ["count": "three", "dry": 1, "depth": "medium", "focsu": ["a"], "focus": "a"])
        }
        #expect(found.map(\.parameter) == ["branch", "count", "depth", "dry", "focsu", "focus"])
        #expect(found.allSatisfy { $0.template == "review" && $0.hint != nil })
        #expect(found[0].message.contains("required"))
        #expect(found[1].message == "expected an integer, found a string")
        #expect(found[2].message.contains("`medium` is not one of `quick`, `deep`"))
        #expect(found[4].message.contains("has no parameter `focsu`") && found[4].hint == "did you mean `focus`?")
        #expect(found[5].message.contains("expected a list"))
        let text = TemplateInstantiationError(found).description
        #expect(
            text.contains("template review: parameter branch:")
                && text.hasSuffix("6 problems with the arguments; the template was not run"))
    }

    @Test func patternMismatchIsReported() {
        let found = problems { try TemplateInstance(template: reviewTemplate, arguments: ["branch": "bad branch!"]) }
        #expect(found.count == 1)
        #expect(found.first?.message.contains("does not match the pattern") == true)
    }

    @Test func coercesCommandLineStringsByDeclaredType() throws {
        let i = try TemplateInstance(
            template: reviewTemplate,
            commandLine: ["branch": "main", "count": "5", "dry": "TRUE", "focus": #"["a b","c"]"#, "repo": "5"])
        #expect(i.parameters["count"] == 5)
        #expect(i.parameters["dry"] == true)
        #expect(i.parameters["focus"] == ["a b", "c"])
        #expect(i.parameters["repo"] == "5")  // a string parameter keeps digits as text
        let j = try TemplateInstance(template: reviewTemplate, commandLine: ["branch": "m", "focus": " x , y,z "])
        #expect(j.parameters["focus"] == ["x", "y", "z"])
        let k = try TemplateInstance(template: reviewTemplate, commandLine: ["branch": "m", "focus": ""])
        #expect(k.parameters["focus"] == [])
    }

    @Test func commandLineCoercionErrorsAreReportedTogether() {
        let found = problems {
            try TemplateInstance(
                template: reviewTemplate,
                commandLine: ["count": "5x", "dry": "yes", "focus": "[1,", "depth": "slow", "brnach": "x"])
        }
        #expect(found.map(\.parameter) == ["branch", "brnach", "count", "depth", "dry", "focus"])
        #expect(found[1].hint == "did you mean `branch`?")
        #expect(found[2].message == "`5x` is not an integer")
        #expect(found[4].message == "`yes` is not a boolean")
        #expect(found[5].message.contains("starts like a JSON array but is not one"))
    }

    /// A `list` holds strings and nothing else, however the arguments arrive: a routine's YAML, a
    /// JSON array on the command line (`charter run --param`), an agent's tool call. The error names
    /// the element and what was expected.
    @Test func aListHoldsStringsOnly() {
        let bad: [(Value, String)] = [
            (["a", ["k": "v"]], "element 1 (`focus[1]`) is a mapping; a list holds strings only"),
            (["a", .null], "element 1 (`focus[1]`) is null; a list holds strings only"),
            ([["a"], "b"], "element 0 (`focus[0]`) is a list; a list holds strings only"),
            (["a", "b", 3], "element 2 (`focus[2]`) is an integer; a list holds strings only"),
            ([true], "element 0 (`focus[0]`) is a boolean; a list holds strings only"),
        ]
        for (value, message) in bad {
            let found = problems {
                try TemplateInstance(template: reviewTemplate, arguments: ["branch": "m", "focus": value])
            }
            #expect(found.map(\.parameter) == ["focus"], "\(value)")
            #expect(found.first?.message == message, "\(value)")
        }
        for text in [#"[{"k": "v"}]"#, "[null]", #"[["a"]]"#, "[1, 2]"] {
            let found = problems {
                try TemplateInstance(template: reviewTemplate, commandLine: ["branch": "m", "focus": text])
            }
            #expect(found.map(\.parameter) == ["focus"], "\(text)")
            #expect(found.first?.message.hasSuffix("a list holds strings only") == true, "\(text)")
            #expect(found.first?.message.hasPrefix("element 0 (`focus[0]`) is ") == true, "\(text)")
        }
        let t = template(["parameters": [["name": "l", "type": "list", "default": [1]]], "steps": []])
        let found = problems { try TemplateInstance(template: t, arguments: [:]) }
        #expect(
            found.first?.message
                == "the default does not fit: element 0 (`l[0]`) is an integer; a list holds strings only")
    }

    @Test func anInvalidDefaultIsBlamedOnTheTemplate() {
        let t = template(["parameters": [["name": "n", "type": "int", "default": "x"]], "steps": []])
        let found = problems { try TemplateInstance(template: t, arguments: [:]) }
        #expect(found.first?.message.hasPrefix("the default does not fit") == true)
        #expect(found.first?.hint == "fix the template's default")
    }
}

/// A template of one step of each kind, with `fields` merged into the step.
private func instance(
    step fields: Value, parameters: [String: Value] = [:], declared: [Value] = []
) throws -> (TemplateInstance, TemplateStep) {
    var step: [String: Value] = ["name": "s", "type": "shell"]
    for (k, v) in fields.object! { step[k] = v }
    let declaredParams: [Value] =
        declared.isEmpty
        ? parameters.keys.sorted().map { name in
            let type =
                switch parameters[name]! {
                case .int: "int"
                case .bool: "bool"
                case .array: "list"
                default: "string"
                }
            return ["name": .string(name), "type": .string(type)]
        } : declared
    let t = template(["parameters": .array(declaredParams), "steps": [.object(step)]])
    let i = try TemplateInstance(template: t, arguments: parameters, runID: "run-9", routine: "nightly")
    return (i, t.steps[0])
}

@Suite struct TemplateRenderingTests {
    @Test func promptsInsertValuesAsText() throws {
        let (i, s) = try instance(
            step: [
                "type": "agent",
                "prompt":
                    "${{ params.n }} on ${{ params.topic }}: ${{ params.focus }}; ${{ steps.a.output }}; ${{ run.id }} ${{ run.routine }} ${{ params.n > 2 }}",
            ],
            parameters: ["n": 3, "topic": "it's \"x\"", "focus": ["a", "b"]])
        let text = try i.renderPrompt(s, results: ["a": TemplateStepResult(.succeeded, output: "out")])
        #expect(text == "3 on it's \"x\": a, b; out; run-9 nightly true")
    }

    @Test func scriptsRenderAsWrittenAndNeverTakeAValue() throws {
        let (i, s) = try instance(step: ["run": "git clone \"$REPO\" src # ${ not a substitution }"], parameters: [:])
        #expect(try i.renderCommand(s) == "git clone \"$REPO\" src # ${ not a substitution }")
        let (j, t) = try instance(step: ["run": "git clone ${{ params.repo }}"], parameters: ["repo": "x"])
        let error = #expect(throws: TemplateRenderError.self) { try j.renderCommand(t) }
        #expect("\(error!)".contains("cannot be substituted into `run`"))
    }

    @Test func hostileValuesReachTheScriptAsDataThroughTheEnvironment() throws {
        let nasty: [String] = [
            "two words", "it's", #"a"b"#, "$(touch /tmp/charter-pwned)", "`id`", "line1\nline2", "x; rm -rf /",
            "$HOME", "\\", "'", "''", "*", "-n", "", "EOF\n$(id)\nEOF",
        ]
        for value in nasty {
            let (i, s) = try instance(
                step: [
                    "env": ["V": "${{ params.v }}"], "run": "printf '%s\\0' \"$V\" pre\"$V\"post; cat <<EOF\n$V\nEOF",
                ],
                parameters: ["v": .string(value)])
            let script = try #require(try i.renderCommand(s))
            let output = try runShell(script, environment: try i.renderEnvironment(s))
            #expect(output.prefix(2) == [value, "pre\(value)post"], "\(value)")
            #expect(output.last == value + "\n", "a heredoc expands the variable once and runs nothing: \(value)")
        }
        #expect(!FileManager.default.fileExists(atPath: "/tmp/charter-pwned"))
    }

    /// Runs `command` with `/bin/sh -c` and `environment`, and splits its NUL-terminated output.
    private func runShell(_ command: String, environment: [String: String]) throws -> [String] {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        p.arguments = ["-c", command]
        p.environment = environment.merging(["PATH": "/usr/bin:/bin"]) { a, _ in a }
        let pipe = Pipe()
        p.standardOutput = pipe
        try p.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        #expect(p.terminationStatus == 0)
        var parts = data.split(separator: 0, omittingEmptySubsequences: false).map {
            String(decoding: $0, as: UTF8.self)
        }
        if parts.last == "" { parts.removeLast() }
        return parts
    }

    @Test func environmentAndMessagesArePlainText() throws {
        let (i, s) = try instance(
            step: ["env": ["A": "x ${{ params.v }}", "B": "plain"], "message": "Merge ${{ params.v }}?"],
            parameters: ["v": "it's $(x)"])
        #expect(try i.renderEnvironment(s) == ["A": "x it's $(x)", "B": "plain"])
        #expect(try i.renderMessage(s) == "Merge it's $(x)?")
        #expect(try i.renderPrompt(s) == nil)
    }

    @Test func nulCannotReachTheEnvironment() throws {
        let (i, s) = try instance(
            step: ["run": "echo \"$A\"", "env": ["A": "${{ params.v }}"]], parameters: ["v": "a\0b"])
        #expect(throws: TemplateRenderError.self) { try i.renderEnvironment(s) }
    }

    @Test func whenConditions() throws {
        let (i, s) = try instance(
            step: ["when": "${{ params.post && steps.a.outcome != 'failed' }}"], parameters: ["post": true])
        #expect(try i.evaluateWhen(s, results: ["a": TemplateStepResult(.succeeded)]) == true)
        #expect(try i.evaluateWhen(s, results: ["a": TemplateStepResult(.failed)]) == false)
        let (j, t) = try instance(step: ["when": "params.post"], parameters: ["post": false])
        #expect(try j.evaluateWhen(t) == false)
        let (k, u) = try instance(step: [:])
        #expect(try k.evaluateWhen(u) == true)
    }

    @Test func readingAnUnfinishedStepIsAnErrorNamingTheStep() throws {
        let (i, s) = try instance(step: ["type": "agent", "prompt": "x ${{ steps.later.output }}"])
        do throws(TemplateRenderError) {
            _ = try i.renderPrompt(s)
            Issue.record("expected an error")
        } catch {
            #expect(error.step == "s" && error.field == "prompt" && error.error.offset == 6)
            #expect(error.description.contains("step `later` has not finished"))
        }
        // A skipped step has finished: its output is empty.
        #expect(try i.renderPrompt(s, results: ["later": TemplateStepResult(.skipped, output: "ignored")]) == "x ")
    }
}

@Suite struct TemplateLoadCheckTests {
    /// The template diagnostics of the fixture organization with `workflow.yaml` replaced.
    private func diagnostics(_ steps: String, parameters: String = defaultParameters) -> [Diagnostic] {
        let text = """
            apiVersion: charter/v1
            kind: Template
            metadata:
              name: standup
            spec:
              parameters:
            \(parameters)
              steps:
            \(steps)
            """
        return Fixtures.load(replacing: "workflow.yaml", with: text).diagnostics
    }

    private static let defaultParameters = """
            - name: topic
              default: status
            - name: rounds
              type: int
              default: 2
            - name: mode
              type: enum
              values: [fast, slow]
              default: fast
            - name: tags
              type: list
              default: []
        """

    /// A routine's list argument and a template's list default with something other than strings
    /// are refused at the element, with its path.
    @Test func listArgumentsAndDefaultsMustHoldStrings() {
        let workflow = Fixtures.workflow.replacingOccurrences(
            of: "    - name: rounds",
            with: "    - name: tags\n      type: list\n      default: [a, {b: c}]\n    - name: rounds"
        ).replacingOccurrences(of: "    topic: weekly", with: "    topic: weekly\n    tags: [x, [y], ~]")
        let d = Fixtures.load(replacing: "workflow.yaml", with: workflow).diagnostics
        #expect(d.map(\.code) == ["semantic.default", "semantic.argument", "semantic.argument"], "\(d)")
        #expect(
            d.map(\.path) == [
                JSONPointer("/spec/parameters/1/default/1"), JSONPointer("/spec/arguments/tags/1"),
                JSONPointer("/spec/arguments/tags/2"),
            ])
        #expect(
            d[1].message == "argument `tags`: element 1 (`tags[1]`) is a list; a list holds strings only", "\(d[1])")
        #expect(d[2].message.contains("element 2 (`tags[2]`) is null"), "\(d[2])")
    }

    /// A list's `pattern` holds for each element; a field that would do nothing for the
    /// parameter's type (`pattern` on an int, `values` on a string) is refused where it is written.
    @Test func aListsPatternChecksEachElementAndFieldsOfOtherTypesAreRefused() {
        let workflow = Fixtures.workflow.replacingOccurrences(
            of: "    - name: rounds",
            with: """
                    - name: tags
                      type: list
                      pattern: "[a-z]+"
                      default: [ok, "Not OK"]
                    - name: count
                      type: int
                      pattern: "[0-9]+"
                    - name: label
                      values: [a, b]
                    - name: rounds
                """
        ).replacingOccurrences(of: "    topic: weekly", with: "    topic: weekly\n    tags: [fine, \"no-dash\"]")
        let d = Fixtures.load(replacing: "workflow.yaml", with: workflow).diagnostics
        #expect(
            d.map(\.code) == ["semantic.default", "semantic.field", "semantic.field", "semantic.argument"], "\(d)")
        #expect(
            d.map(\.path) == [
                JSONPointer("/spec/parameters/1/default/1"), JSONPointer("/spec/parameters/2/pattern"),
                JSONPointer("/spec/parameters/3/values"), JSONPointer("/spec/arguments/tags/1"),
            ])
        #expect(
            d.first?.message.contains("element 1 (`tags[1]`): `Not OK` does not match the pattern `[a-z]+`") == true)
        #expect(
            d[1].message
                == "`pattern` applies to `string` and `list` parameters only; this one is `int`, so it would do nothing"
        )
        #expect(d[2].message.contains("`values` applies to `enum` parameters only; this one is `string`"))
    }

    @Test func examplesAndFixturesStayValid() {
        #expect(Fixtures.load(Fixtures.valid).diagnostics == [])
    }

    @Test func syntaxErrorsPointAtTheirColumn() {
        let d = diagnostics(
            """
                - name: notes
                  type: agent
                  role: scribe
                  prompt: About ${{ params.topic = 1 }}
            """)
        #expect(d.count == 1)
        #expect(d.first?.code == "template.syntax")
        #expect(d.first?.file == "workflow.yaml")
        // line 23 `      prompt: About ${{ params.topic = 1 }}`: `=` is at column 38
        #expect(d.first.map { "\($0.line):\($0.column)" } == "23:38")
        #expect(d.first?.path == JSONPointer("/spec/steps/0/prompt"))
        #expect(d.first?.message == "`=` is not an operator")
    }

    @Test func unknownParametersAndStepsAreReportedWithSuggestions() {
        let d = diagnostics(
            """
                - name: notes
                  type: agent
                  role: scribe
                  prompt: |
                    About ${{ params.topik }}
                    and ${{ steps.publsh.output }}
                - name: publish
                  type: shell
                  needs: [notes]
                  env: {NOTES: "${{ steps.notes.output }}"}
                  run: echo "$NOTES"
            """)
        #expect(d.map(\.code) == ["reference.missing", "reference.missing"])
        #expect(d.map { "\($0.line):\($0.column)" } == ["24:19", "25:17"])
        #expect(d[0].message == "template `standup` has no parameter `topik`; did you mean `topic`?")
        #expect(d[1].message.contains("`publsh` is not a step of this template; did you mean `publish`?"))
    }

    @Test func stepsMustBeUpstreamThroughNeeds() {
        let d = diagnostics(
            """
                - name: a
                  type: shell
                  env: {B: "${{ steps.b.output }}", A: "${{ steps.a.output }}"}
                  run: echo "$A $B"
                - name: b
                  type: shell
                  run: echo b
                - name: c
                  type: shell
                  needs: [b]
                  run: echo c
                - name: d
                  type: shell
                  needs: [c]
                  when: steps.b.outcome == 'succeeded'
                  env: {B: "${{ steps.b.output }}"}
                  run: echo "$B"
            """)
        #expect(d.map(\.code) == ["template.order", "template.order"])
        #expect(d[0].message.contains("`b` is not upstream") && d[0].hint == "add `b` to the `needs` of `a`")
        #expect(d[1].message.contains("its own result"))
    }

    @Test func substitutionsInRunAreRefusedWithTheSafeWay() {
        let d = diagnostics(
            """
                - name: a
                  type: shell
                  run: echo '${{ params.topic }}' "x ${{ params.topic }}" ${{ params.topic }}
            """)
        #expect(
            d.map(\.code) == ["template.run-substitution", "template.run-substitution", "template.run-substitution"])
        #expect(d.map(\.column) == [18, 42, 63])
        #expect(d[0].message.contains("a shell would read them as code"))
        #expect(d[0].hint?.contains("`env`") == true && d[0].hint?.contains("\"$NAME\"") == true)
    }

    @Test func typeMisuseIsCaughtBeforeAnyRun() throws {
        let d = diagnostics(
            """
                - name: a
                  type: shell
                  run: echo a
                - name: b
                  type: shell
                  needs: [a]
                  when: "${{ params.rounds > 'x' || params.mode == 'fsat' || steps.a.outcome == 'succeded' || params.rounds == '2' || contains(params.rounds, 1) || params.tags == 'x' }}"
                  run: echo b
            """)
        #expect(d.allSatisfy { $0.code == "template.type" && $0.path == JSONPointer("/spec/steps/1/when") })
        try #require(d.count == 6)
        let messages = d.map(\.message)
        #expect(messages[0] == "`>` compares integers, but this is a string")
        #expect(messages[1].contains("`fsat` is never a value here") && messages[1].contains("did you mean `fast`?"))
        #expect(messages[2].contains("did you mean `succeeded`?"))
        #expect(messages[3].contains("compares an integer with a string"))
        #expect(messages[4].contains("not in an integer"))
        #expect(messages[5].contains("does not compare lists"))
        // the `when` is a double-quoted scalar on line 26 whose quote is at column 13; `'x'` is at offset 20
        #expect(d[0].line == 26 && d[0].column == 13 + 1 + 20)
    }

    @Test func conditionsAreOneExpression() {
        let d = diagnostics(
            """
                - name: a
                  type: shell
                  when: ${{ params.topic }} && true
                  run: echo a
            """)
        #expect(d.map(\.code) == ["template.syntax"])
        #expect(d.first?.message.contains("text follows its `}}`") == true)
    }

    @Test func literalBlocksReportTheLineOfTheProblem() {
        let d = diagnostics(
            """
                - name: a
                  type: agent
                  role: scribe
                  prompt: |
                    first line
                      second ${{ params.nope }}
            """)
        // line 25: `          second ${{ params.nope }}`: the operand starts at column 22
        #expect(d.map { "\($0.line):\($0.column)" } == ["25:22"])
    }
}

@Suite struct ExampleTemplateTests {
    /// The example repository, loaded from disk.
    private func exampleState() throws -> OrgState {
        let root = SchemaFilesTests.exampleRepo
        let paths = try FileManager.default.subpathsOfDirectory(atPath: root.path)
            .filter { $0.hasSuffix(".yaml") }.sorted()
        let files = try paths.map {
            SourceFile(path: $0, contents: .bytes(Array(try Data(contentsOf: root.appendingPathComponent($0)))))
        }
        return try Loader.load(files).get()
    }

    @Test func codeReviewRendersFromCommandLineParameters() throws {
        let state = try exampleState()
        let t = try #require(state.templates["code-review"])
        let i = try TemplateInstance(
            template: t, commandLine: ["branch": "fix/a.b", "focus": "tests,docs", "postSummary": "false"], runID: "R1")
        let step = { (name: String) in t.steps.first { $0.name == name }! }
        #expect(
            try i.renderCommand(step("checkout"))
                == #"git clone --branch "$BRANCH" "https://git.northwind.example/$REPOSITORY.git" src"#)
        #expect(
            try i.renderEnvironment(step("checkout"))
                == ["BRANCH": "fix/a.b", "REPOSITORY": "northwind/platform", "GIT_TERMINAL_PROMPT": "0"])
        #expect(try i.renderMessage(step("sign-off"))?.hasPrefix("Merge fix/a.b into main?") == true)
        #expect(try i.evaluateWhen(step("summary"), results: ["review": TemplateStepResult(.succeeded)]) == false)
        let results = [
            "test": TemplateStepResult(.failed, output: "1 failure"),
            "diff": TemplateStepResult(.succeeded, output: "+x"),
        ]
        let prompt = try #require(try i.renderPrompt(step("review"), results: results))
        #expect(prompt.contains("Focus on: tests, docs."))
        #expect(prompt.contains("Test output:\n1 failure"))
    }

    @Test func everyRoutineInstantiatesItsTemplate() throws {
        let state = try exampleState()
        #expect(!state.routines.isEmpty)
        for (name, routine) in state.routines {
            let t = try #require(state.templates[routine.template])
            let i = try TemplateInstance(template: t, arguments: routine.arguments, runID: "x", routine: name)
            for step in t.steps {
                // every step renders once all earlier steps succeeded
                let done = Dictionary(uniqueKeysWithValues: t.steps.map { ($0.name, TemplateStepResult(.succeeded)) })
                _ = try i.renderPrompt(step, results: done)
                _ = try i.renderCommand(step)
                _ = try i.renderEnvironment(step, results: done)
                _ = try i.evaluateWhen(step, results: done)
            }
        }
    }
}
