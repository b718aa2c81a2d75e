import CharterYAML

extension Checker {
    /// Load-time checks of every substitution and condition of template `t`: syntax, operands
    /// that exist and are upstream, operator misuse, and quotes around substitutions in `run`.
    mutating func templateExpressions(_ res: Resource, _ t: Template) {
        let graph = TemplateGraph(t)
        for (i, step) in t.steps.enumerated() {
            let path = JSONPointer("/spec/steps/\(i)")
            var checker = ExpressionTypeChecker(template: t, graph: graph, step: step.name)
            var fields: [(JSONPointer, String)] = []
            if let prompt = step.prompt { fields.append((path.appending("prompt"), prompt)) }
            if let run = step.run { fields.append((path.appending("run"), run)) }
            if let message = step.message { fields.append((path.appending("message"), message)) }
            for (key, value) in step.env.sorted(by: { $0.key < $1.key }) {
                fields.append((path.appending("env").appending(key), value))
            }
            for (pointer, field) in fields {
                let text = TextLayout(field)
                let parsed: TemplateText
                do throws(TemplateExpressionError) {
                    parsed = try TemplateText(parsing: field)
                } catch {
                    out.add(res.templateDiagnostic("template.syntax", at: pointer, in: text, error))
                    continue
                }
                let isRun = pointer.tokens.last == "run" && pointer.tokens.count == path.tokens.count + 1
                for case .substitution(let e, let offset) in parsed.segments {
                    if isRun {
                        out.add(
                            res.templateDiagnostic(
                                "template.run-substitution", at: pointer, in: text,
                                TemplateExpressionError(
                                    TemplateInstance.runSubstitutionMessage, at: offset,
                                    hint: TemplateInstance.runSubstitutionHint)))
                        continue
                    }
                    checker.issues = []
                    checker.check(e)
                    for issue in checker.issues { report(res, issue, at: pointer, in: text) }
                }
            }
            if step.run != nil {
                // A value in a variable that a shell or the loader reads as code (or as where code is).
                for (key, value) in step.env.sorted(by: { $0.key < $1.key }) where value.contains("${{") {
                    guard let finding = ShellScriptScan.environmentFinding(name: key) else { continue }
                    out.add(
                        res.templateDiagnostic(
                            "template.reparse", at: path.appending("env").appending(key), in: TextLayout(value),
                            TemplateExpressionError(finding.message, at: 0, hint: finding.hint)))
                }
                for key in step.secrets.keys.sorted() {
                    guard let finding = ShellScriptScan.environmentFinding(name: key) else { continue }
                    out.add(
                        res.diagnostic(
                            "template.reparse", at: path.appending("secrets").appending(key), finding.message,
                            hint: finding.hint))
                }
            }
            if let run = step.run {
                // Variables that carry data: env entries with a substitution, and granted secrets.
                let values = Set(step.env.filter { $0.value.contains("${{") }.map(\.key) + step.secrets.keys)
                let layout = TextLayout(run)
                for finding in ShellScriptScan.findings(in: run, values: values) {
                    out.add(
                        res.templateDiagnostic(
                            "template.reparse", at: path.appending("run"), in: layout,
                            TemplateExpressionError(finding.message, at: finding.offset, hint: finding.hint)))
                }
            }
            if let condition = step.when {
                let pointer = path.appending("when")
                let when = TextLayout(condition)
                do throws(TemplateExpressionError) {
                    checker.issues = []
                    checker.check(try TemplateExpression.parseCondition(condition))
                    for issue in checker.issues { report(res, issue, at: pointer, in: when) }
                } catch {
                    out.add(res.templateDiagnostic("template.syntax", at: pointer, in: when, error))
                }
            }
        }
    }
}

extension Checker {
    /// Adds `issue`, working out its suggestion only when the diagnostic can be shown.
    mutating func report(_ res: Resource, _ issue: ExpressionIssue, at pointer: JSONPointer, in text: TextLayout) {
        let plain = res.templateDiagnostic(issue.code, at: pointer, in: text, issue.error)
        guard issue.suggestion != nil else { return out.add(plain) }
        guard out.admits(file: plain.file, line: plain.line, column: plain.column) else { return out.omit() }
        out.add(res.templateDiagnostic(issue.code, at: pointer, in: text, issue.resolved()))
    }
}

extension Resource {
    /// A diagnostic about the expression problem `error` in the text of the field at `pointer`,
    /// placed at the problem's own line and column where the scalar's style allows.
    func templateDiagnostic(
        _ code: String, at pointer: JSONPointer, in text: TextLayout, _ error: TemplateExpressionError
    ) -> Diagnostic {
        var d = diagnostic(code, at: pointer, error.message, hint: error.hint)
        if let (line, column) = position(of: error.offset, in: text, at: pointer) {
            d.line = line
            d.column = column
        }
        return d
    }

    /// The source line and column of the scalar offset `offset` of the field at `pointer`.
    ///
    /// Exact for one-line plain and quoted scalars (before any escape) and for literal blocks
    /// (`|`) indented two spaces deeper than their key, as usual. Folded blocks (`>`) join lines
    /// with spaces that the parsed text cannot tell apart from written ones: the first content line.
    func position(of offset: Int, in text: String, at pointer: JSONPointer) -> (Int, Int)? {
        position(of: offset, in: TextLayout(text), at: pointer)
    }

    /// ``position(of:in:at:)`` with the text's layout computed once for all its offsets: a script
    /// can have thousands of findings, and scanning its text for each was quadratic.
    func position(of offset: Int, in layout: TextLayout, at pointer: JSONPointer) -> (Int, Int)? {
        guard let (node, parent) = node(at: pointer), case .scalar(_, let style) = node.content else { return nil }
        let blockColumn = parent.mark.column + 2
        switch style {
        case .plain where offset <= layout.firstNewline:
            return (node.mark.line, node.mark.column + offset)
        case .singleQuoted where offset <= min(layout.firstNewline, layout.firstSingleQuote),
            .doubleQuoted where offset <= layout.firstEscaped:
            return (node.mark.line, node.mark.column + 1 + offset)
        case .literal:
            let (line, start) = layout.line(containing: offset)
            return (node.mark.line + line + 1, blockColumn + (offset - start))
        case .folded:
            return (node.mark.line + 1, blockColumn)
        default:
            return nil
        }
    }

    /// The YAML node at `pointer` and the collection holding it.
    private func node(at pointer: JSONPointer) -> (YAMLNode, YAMLNode)? {
        guard var node = self.node else { return nil }
        var parent = node
        for token in pointer.tokens {
            let next: YAMLNode?
            switch node.content {
            case .mapping(let pairs): next = pairs.first { $0.key.scalarText == token }?.value
            case .sequence(let items): next = Int(token).flatMap { items.indices.contains($0) ? items[$0] : nil }
            case .scalar: next = nil
            }
            guard let next else { return nil }
            parent = node
            node = next
        }
        return (node, parent)
    }
}

/// Where the lines of a field's text start, and where the first characters that end a one-line
/// position are: computed on first use, once per text, so placing many offsets is cheap.
final class TextLayout {
    let text: String

    init(_ text: String) { self.text = text }

    private lazy var scalars = Array(text.unicodeScalars)

    /// Scalar offsets where lines start; the first is 0.
    private(set) lazy var lineStarts: [Int] = {
        var starts = [0]
        for (i, u) in scalars.enumerated() where u == "\n" { starts.append(i + 1) }
        return starts
    }()

    /// The offset of the first line break, or `Int.max`.
    private(set) lazy var firstNewline: Int = scalars.firstIndex(of: "\n") ?? .max
    /// The offset of the first `'`, or `Int.max`.
    private(set) lazy var firstSingleQuote: Int = scalars.firstIndex(of: "'") ?? .max
    /// The offset of the first character a double-quoted scalar writes differently, or `Int.max`.
    private(set) lazy var firstEscaped: Int =
        scalars.firstIndex { $0 == "\n" || $0 == "\\" || $0 == "\"" || $0.value < 0x20 } ?? .max

    /// The 0-based line holding `offset`, and the offset where that line starts.
    func line(containing offset: Int) -> (line: Int, start: Int) {
        // The last start that is <= offset.
        var low = 0
        var high = lineStarts.count - 1
        while low < high {
            let mid = (low + high + 1) / 2
            if lineStarts[mid] <= offset { low = mid } else { high = mid - 1 }
        }
        return (low, lineStarts[low])
    }
}
