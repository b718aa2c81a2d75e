internal import CLibYAML

/// The explicit tags Charter accepts: the YAML 1.2 core schema's own, in their `!!` forms.
enum YAMLTag {
    static let prefix = "tag:yaml.org,2002:"
    static let str = prefix + "str"
    static let int = prefix + "int"
    static let bool = prefix + "bool"
    static let null = prefix + "null"
    static let float = prefix + "float"
    static let map = prefix + "map"
    static let seq = prefix + "seq"

    /// The short form users wrote, for messages (`!!int`), or the tag itself when it is not standard.
    static func shortForm(_ tag: String) -> String {
        tag.hasPrefix(prefix) ? "!!" + tag.dropFirst(prefix.count) : tag
    }
}

extension TreeBuilder {
    /// Accepts a standard scalar tag whose text fits it: `!!int abc` is refused here rather
    /// than surfacing later as a confusing type error.
    static func checkedScalarTag(
        _ raw: UnsafeMutablePointer<yaml_char_t>,
        text: String,
        at mark: Mark
    ) throws(YAMLError) -> String {
        let tag = String(cString: raw)
        let fits: Bool
        switch tag {
        case YAMLTag.str:
            fits = true
        case YAMLTag.int:
            if case .int = PlainScalar.resolve(text) { fits = true } else { fits = false }
        case YAMLTag.float:
            switch PlainScalar.resolve(text) {
            case .int, .float: fits = true
            default: fits = false
            }
        case YAMLTag.bool:
            if case .bool = PlainScalar.resolve(text) { fits = true } else { fits = false }
        case YAMLTag.null:
            fits = PlainScalar.resolve(text) == .null
        case YAMLTag.map, YAMLTag.seq:
            throw YAMLError(
                mark: mark,
                message: "tag \(YAMLTag.shortForm(tag)) cannot be used on a scalar",
                kind: .tag
            )
        default:
            throw unsupported(tag, at: mark)
        }
        guard fits else {
            throw YAMLError(
                mark: mark,
                message: "'\(text)' is not a valid \(YAMLTag.shortForm(tag)) value",
                kind: .tag
            )
        }
        return tag
    }

    static func checkedCollectionTag(
        _ raw: UnsafeMutablePointer<yaml_char_t>,
        isMapping: Bool,
        at mark: Mark
    ) throws(YAMLError) -> String {
        let tag = String(cString: raw)
        switch tag {
        case YAMLTag.map where isMapping, YAMLTag.seq where !isMapping:
            return tag
        case YAMLTag.str, YAMLTag.int, YAMLTag.float, YAMLTag.bool, YAMLTag.null, YAMLTag.map, YAMLTag.seq:
            throw YAMLError(
                mark: mark,
                message: "tag \(YAMLTag.shortForm(tag)) cannot be used on a \(isMapping ? "mapping" : "sequence")",
                kind: .tag
            )
        default:
            throw unsupported(tag, at: mark)
        }
    }

    private static func unsupported(_ tag: String, at mark: Mark) -> YAMLError {
        YAMLError(
            mark: mark,
            message: "tag '\(YAMLTag.shortForm(tag))' is not supported; "
                + "only !!str, !!int, !!bool, !!null, !!float, !!map and !!seq are allowed",
            kind: .tag
        )
    }
}
