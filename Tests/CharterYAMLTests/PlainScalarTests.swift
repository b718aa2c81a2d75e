import CharterYAML
import Testing

@Suite("Plain scalar resolution (YAML 1.2 core schema)")
struct PlainScalarTests {
    func resolve(_ text: String) throws -> PlainScalar? {
        let documents = try YAMLParser.parse(Array("v: \(text)\n".utf8))
        guard case .mapping(let pairs)? = documents.first?.root?.content else { return nil }
        return pairs.first?.value.plainResolution
    }

    static let table: [(String, PlainScalar)] = [
        ("~", .null), ("null", .null), ("Null", .null), ("NULL", .null), ("", .null),
        ("true", .bool(true)), ("True", .bool(true)), ("TRUE", .bool(true)),
        ("false", .bool(false)), ("False", .bool(false)), ("FALSE", .bool(false)),
        ("no", .string("no")), ("on", .string("on")), ("yes", .string("yes")), ("NO", .string("NO")),
        ("tRUE", .string("tRUE")), ("nULL", .string("nULL")), ("~~", .string("~~")),
        ("0", .int(0)), ("12", .int(12)), ("-12", .int(-12)), ("+12", .int(12)),
        ("0755", .int(755)), ("0o755", .int(493)), ("0x1F", .int(31)), ("0xff", .int(255)),
        ("0o8", .string("0o8")), ("0xG", .string("0xG")), ("-0x1F", .string("-0x1F")),
        ("1_000", .string("1_000")), ("0b101", .string("0b101")),
        ("9223372036854775807", .int(.max)), ("9223372036854775808", .float(9_223_372_036_854_775_808)),
        ("1.10", .float(1.1)), ("1.", .float(1)), (".5", .float(0.5)), ("-.5", .float(-0.5)),
        ("1e3", .float(1000)), ("1E-2", .float(0.01)), ("+1.5e+2", .float(150)), ("6.02e23", .float(6.02e23)),
        (".inf", .float(.infinity)), ("-.Inf", .float(-.infinity)), ("+.INF", .float(.infinity)),
        (".", .string(".")), ("1e", .string("1e")), ("e3", .string("e3")), ("1.2.3", .string("1.2.3")),
        ("-x", .string("-x")), ("+", .string("+")), ("1:20", .string("1:20")), ("2024-01-31", .string("2024-01-31")),
        ("hello world", .string("hello world")), ("p123@example.com", .string("p123@example.com")),
    ]

    @Test(arguments: table)
    func resolution(text: String, expected: PlainScalar) throws {
        #expect(try resolve(text) == expected)
    }

    @Test func notANumber() throws {
        for text in [".nan", ".NaN", ".NAN"] {
            guard case .float(let value)? = try resolve(text) else {
                Issue.record("\(text) did not resolve to a float")
                continue
            }
            #expect(value.isNaN)
        }
        #expect(try resolve("-.nan") == .string("-.nan"))
    }

    @Test func quotedAndBlockScalarsAreNotResolved() throws {
        let documents = try YAMLParser.parse(Array("a: 'true'\nb: \"12\"\nc: |\n  ~\nd: [x]\n".utf8))
        guard case .mapping(let pairs)? = documents.first?.root?.content else {
            Issue.record("not a mapping")
            return
        }
        #expect(pairs.map(\.value.plainResolution) == [nil, nil, nil, nil])
    }

    @Test func descriptions() {
        #expect(PlainScalar.bool(false).description == "the boolean false")
        #expect(PlainScalar.int(755).description == "the integer 755")
        #expect(PlainScalar.string("x").description == "the string 'x'")
    }
}

@Suite("YAML 1.1 surprises")
struct YAML11SurpriseTests {
    static let surprises: [(String, YAML11Surprise)] = [
        ("no", .boolWord(false)), ("NO", .boolWord(false)), ("No", .boolWord(false)), ("n", .boolWord(false)),
        ("off", .boolWord(false)), ("OFF", .boolWord(false)),
        ("on", .boolWord(true)), ("On", .boolWord(true)), ("y", .boolWord(true)), ("Y", .boolWord(true)),
        ("yes", .boolWord(true)), ("YES", .boolWord(true)),
        ("0755", .octal(493)), ("-010", .octal(-8)), ("0_7", .octal(7)),
        ("0b1010", .binary(10)), ("-0b1", .binary(-1)),
        ("1:20", .sexagesimal), ("190:20:30", .sexagesimal), ("1:20.5", .sexagesimal),
        ("1_000", .underscoredNumber), ("1_000.5", .underscoredNumber),
        ("2024-01-31", .timestamp), ("2001-12-14t21:59:43.10-05:00", .timestamp), ("2001-12-14 21:59:43", .timestamp),
    ]

    @Test(arguments: surprises)
    func surprise(text: String, expected: YAML11Surprise) {
        #expect(yaml11Surprise(text) == expected)
    }

    @Test(arguments: [
        "true", "false", "null", "~", "12", "0", "00", "007", "0x1F", "1.10", "hello", "yesterday", "nO", "1:60",
        "1:2:", "2024-1-31", "12:30pm", "v1.2", "",
    ])
    func agreement(text: String) {
        #expect(yaml11Surprise(text) == nil)
    }
}
