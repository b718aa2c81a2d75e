import CharterFoundation

/// Text built to make a rendering lie: every bidirectional control, zero-width and other invisible
/// characters, spaces that are not spaces, terminal escapes, line breaks of every kind, combining
/// towers and letters from other scripts that pass for Latin ones. Renderer tests run each through
/// a renderer and check that what is printed either reads back as the exact value or is flagged.
public enum DisplayAttacks {
    /// Every bidirectional formatting character Unicode defines (Trojan Source, CVE-2021-42574).
    public static let bidiControls: [Unicode.Scalar] = [
        "\u{061C}", "\u{200E}", "\u{200F}", "\u{202A}", "\u{202B}", "\u{202C}", "\u{202D}", "\u{202E}",
        "\u{2066}", "\u{2067}", "\u{2068}", "\u{2069}",
    ]

    /// Characters that print as nothing at all.
    public static let invisible: [Unicode.Scalar] = [
        "\u{00AD}", "\u{034F}", "\u{115F}", "\u{1160}", "\u{180E}", "\u{200B}", "\u{200C}", "\u{200D}", "\u{2060}",
        "\u{2061}", "\u{2062}", "\u{2063}", "\u{2064}", "\u{3164}", "\u{FEFF}", "\u{FFA0}", "\u{E0041}", "\u{E007F}",
        "\u{FE00}",
    ]

    /// Characters that print as a space but are not U+0020.
    public static let spaces: [Unicode.Scalar] = [
        "\u{00A0}", "\u{1680}", "\u{2000}", "\u{2007}", "\u{200A}", "\u{202F}", "\u{205F}", "\u{3000}", "\u{2800}",
    ]

    /// Line breaks and terminal controls.
    public static let controls: [Unicode.Scalar] = [
        "\n", "\r", "\t", "\u{0B}", "\u{0C}", "\u{1B}", "\u{07}", "\u{08}", "\u{7F}", "\u{85}", "\u{9B}", "\u{2028}",
        "\u{2029}",
    ]

    /// Values that must never print raw, each with a short label for test names.
    public static let values: [(label: String, value: String)] = {
        var out: [(String, String)] = [
            ("trojan-source", "Research \u{202E}baL\u{202C}"),
            ("isolate-reorder", "approve \u{2067}deny\u{2069} all"),
            ("zero-width-in-name", "ada\u{200B}"),
            ("ansi-clear", "ok\u{1B}[2J\u{1B}[1;1Hforged"),
            ("ansi-title", "\u{1B}]0;pwned\u{07}"),
            ("forged-line", "real\n  + spec.budget: 1000000"),
            ("carriage-return", "visible\roverwritten"),
            ("key-value", "x\" level=error msg=\"forged"),
            ("tag-smuggling", "note\u{E0069}\u{E0067}\u{E006E}\u{E006F}\u{E0072}\u{E0065}"),
            ("zalgo", "a" + String(repeating: "\u{0301}", count: 12)),
            ("nbsp", "Research\u{00A0}Lab"),
            ("overlong", String(repeating: "A", count: 5000) + "\u{202E}tail"),
            ("backslash-escape-lookalike", #"literal \u{202E} text"#),
        ]
        for scalar in bidiControls + invisible + spaces + controls {
            out.append(("U+\(String(scalar.value, radix: 16, uppercase: true))", "a\(scalar)b"))
        }
        return out
    }()

    /// Values whose letters pass for other letters; a plan must flag each.
    public static let lookalikes: [(label: String, value: String)] = [
        ("cyrillic-e", "R\u{0435}search Lab"),
        ("cyrillic-a", "\u{0430}da"),
        ("whole-script", "\u{0440}\u{0430}\u{0443}\u{0440}\u{0430}l"),
        ("greek-omicron", "g\u{03BF}\u{03BF}gle"),
        ("fullwidth", "\u{FF21}dmin"),
        ("mixed-digits", "budget 1\u{0660}0"),
    ]

    /// Text in real scripts that must not be flagged.
    public static let honestNonASCII: [String] = [
        "Ελληνικά", "Müller", "東京 Tokyo", "café résumé", "Иван Петров", "Don\u{2019}t panic", "العربية",
        "❤\u{FE0F} team", "👩\u{200D}💻 engineers",
    ]
}
