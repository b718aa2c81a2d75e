import CharterModel

/// A run's DAG as inline SVG: one box per step in columns by depth (a step sits right of every
/// step it needs), arrows for `needs`, each box colored by state and always labelled with the
/// state's name, attempts and duration — color is never the only signal — and a `<title>` per
/// box for assistive technology and hover.
enum RunGraph {
    static let boxWidth = 230
    static let boxHeight = 54
    static let columnGap = 50
    static let rowGap = 16
    static let margin = 10

    /// Fill per state; states not listed are grey.
    static let fills: [String: String] = [
        "succeeded": "#d9f2dd", "failed": "#fbdada", "running": "#fff2c6", "pending": "#eef1f4",
        "waiting": "#e4e1fb", "waitingApproval": "#e4e1fb", "cancelled": "#eceff2", "skipped": "#eceff2",
        "retrying": "#ffe3c2",
    ]

    /// The SVG for the summary's `steps` (from ``RunStatusWriter/summary``).
    static func render(steps: [Value], run: String) -> HTML {
        let names = steps.compactMap { $0["name"]?.string }
        var needs: [String: [String]] = [:]
        for s in steps { needs[s["name"]?.string ?? ""] = (s["needs"]?.array ?? []).compactMap(\.string) }
        // Depth: the longest chain of needs below a step; a cycle (never valid) is cut by the guard.
        var depth: [String: Int] = [:]
        func depthOf(_ name: String, _ seen: Set<String>) -> Int {
            if let d = depth[name] { return d }
            guard !seen.contains(name) else { return 0 }
            let d = (needs[name] ?? []).filter(names.contains).map { depthOf($0, seen.union([name])) + 1 }.max() ?? 0
            depth[name] = d
            return d
        }
        var columns: [[String]] = []
        for name in names {
            let d = depthOf(name, [])
            while columns.count <= d { columns.append([]) }
            columns[d].append(name)
        }
        var position: [String: (x: Int, y: Int)] = [:]
        for (c, column) in columns.enumerated() {
            for (r, name) in column.enumerated() {
                position[name] = (margin + c * (boxWidth + columnGap), margin + r * (boxHeight + rowGap))
            }
        }
        let width = margin * 2 + max(1, columns.count) * (boxWidth + columnGap) - columnGap
        let height = margin * 2 + max(1, columns.map(\.count).max() ?? 1) * (boxHeight + rowGap) - rowGap
        var edges: HTML = ""
        for name in names {
            guard let to = position[name] else { continue }
            for need in needs[name] ?? [] {
                guard let from = position[need] else { continue }
                let x1 = from.x + boxWidth
                let y1 = from.y + boxHeight / 2
                let x2 = to.x - 2
                let y2 = to.y + boxHeight / 2
                edges +=
                    "<path d=\"M\(x1),\(y1) C\(x1 + columnGap / 2),\(y1) \(x2 - columnGap / 2),\(y2) \(x2),\(y2)\" fill=\"none\" stroke=\"#5a6570\" marker-end=\"url(#arrow)\"/>"
            }
        }
        var boxes: HTML = ""
        for s in steps {
            let name = s["name"]?.string ?? ""
            guard let p = position[name] else { continue }
            let state = s["state"]?.string ?? ""
            let attempts = s["attempts"]?.int ?? 0
            let duration = s["durationMs"]?.int.map(durationText) ?? ""
            let detail =
                "\(state) · \(attempts) attempt\(attempts == 1 ? "" : "s")\(duration.isEmpty ? "" : " · \(duration)")"
            let label = "\(name) (\(s["type"]?.string ?? "")): \(detail)"
            boxes += """
                <g class="step"><title>\(plain: label)</title>\
                <rect x="\(p.x)" y="\(p.y)" width="\(boxWidth)" height="\(boxHeight)" rx="6" \
                fill="\(attribute: fills[state] ?? "#eef1f4")" stroke="#5a6570"/>\
                <text x="\(p.x + 8)" y="\(p.y + 21)" font-weight="600">\(plain: clip(name))</text>\
                <text x="\(p.x + 8)" y="\(p.y + 41)">\(plain: clip(detail))</text></g>
                """
        }
        return """
            <svg class="dag" role="img" aria-labelledby="dag-title dag-desc" width="\(width)" height="\(height)" \
            viewBox="0 0 \(width) \(height)" xmlns="http://www.w3.org/2000/svg">\
            <title id="dag-title">Steps of run \(plain: run)</title>\
            <desc id="dag-desc">\(plain: "\(names.count) steps; an arrow goes from a step to each step that needs it.")</desc>\
            <defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" \
            orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#5a6570"/></marker></defs>\
            \(raw: edges)\(raw: boxes)</svg>
            """
    }

    /// A box holds about 32 characters; the full text is in the box's title and the steps table.
    static func clip(_ text: String, _ limit: Int = 32) -> String {
        text.count > limit ? String(text.prefix(limit - 1)) + "…" : text
    }

    static func durationText(_ ms: Int) -> String {
        ms < 1000
            ? "\(ms) ms"
            : ms < 60_000 ? "\(ms / 100 / 10).\(ms / 100 % 10) s" : "\(ms / 60_000) min \(ms / 1000 % 60) s"
    }
}
