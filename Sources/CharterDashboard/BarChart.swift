import CharterBroker

/// A horizontal bar chart as inline SVG: one labelled bar per row, its value written next to it
/// (so the numbers are read, not estimated), and an optional limit drawn as a dashed line.
enum BarChart {
    struct Bar {
        var label: String
        var value: Int64
        var text: String
    }

    static let labelWidth = 180
    static let barWidth = 420
    static let rowHeight = 22

    /// `title` names the chart for assistive technology; `limit` (same unit as the values) is a
    /// budget line.
    static func render(title: String, bars: [Bar], limit: Int64? = nil, limitText: String? = nil) -> HTML {
        guard !bars.isEmpty else { return "<p class=\"empty\">Nothing recorded.</p>" }
        let top = max(bars.map(\.value).max() ?? 0, limit ?? 0, 1)
        let height = bars.count * rowHeight + 24
        let width = labelWidth + barWidth + 140
        var rows: HTML = ""
        for (i, bar) in bars.enumerated() {
            let y = 4 + i * rowHeight
            let w = Int(Double(barWidth) * Double(bar.value) / Double(top))
            rows += """
                <g><title>\(plain: "\(bar.label): \(bar.text)")</title>\
                <text x="\(labelWidth - 6)" y="\(y + 14)" text-anchor="end">\(plain: RunGraph.clip(bar.label, 26))</text>\
                <rect x="\(labelWidth)" y="\(y + 2)" width="\(max(w, 1))" height="\(rowHeight - 6)" fill="#4a78b5"/>\
                <text x="\(labelWidth + max(w, 1) + 6)" y="\(y + 14)">\(plain: bar.text)</text></g>
                """
        }
        if let limit {
            let x = labelWidth + Int(Double(barWidth) * Double(limit) / Double(top))
            rows += """
                <g><title>\(plain: "budget: \(limitText ?? String(limit))")</title>\
                <line x1="\(x)" y1="0" x2="\(x)" y2="\(height - 18)" stroke="#b3261e" stroke-dasharray="4 3"/>\
                <text x="\(x + 4)" y="\(height - 6)" fill="#b3261e">\(plain: "budget \(limitText ?? String(limit))")</text></g>
                """
        }
        return """
            <svg class="chart" role="img" aria-label="\(attribute: title)" width="\(width)" height="\(height)" \
            viewBox="0 0 \(width) \(height)" xmlns="http://www.w3.org/2000/svg"><title>\(plain: title)</title>\(raw: rows)</svg>
            """
    }
}
