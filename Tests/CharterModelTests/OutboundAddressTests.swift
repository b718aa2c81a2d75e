import CharterModel
import Testing

/// URLs a repository gives the controller (CapacitySource endpoints, ToolServer URLs) reach only
/// public addresses unless the Organization's `spec.endpoints.allowCIDRs` lists the network, in
/// whatever spelling the address is written; cloud metadata only when named exactly.
@Suite struct OutboundAddressTests {
    static func source(_ endpoint: String) -> String {
        """
        apiVersion: charter/v1
        kind: CapacitySource
        metadata:
          name: local
        spec:
          provider: openai
          class: general
          endpoint: \(endpoint)
          model: m
        """
    }

    static func organization(allow: [String]) -> String {
        Fixtures.organization
            + "\n  endpoints:\n    allowCIDRs: [\(allow.map { "\"\($0)\"" }.joined(separator: ", "))]\n"
    }

    static func diagnostics(_ endpoint: String, allow: [String]? = nil) -> [Diagnostic] {
        var files = Fixtures.valid
        files["capacity.yaml"] = source(endpoint)
        if let allow { files["organization.yaml"] = organization(allow: allow) }
        return Fixtures.load(files).diagnostics
    }

    /// Every spelling of a metadata, link-local, loopback or private address that `inet_aton`, a
    /// WHATWG URL parser or `getaddrinfo` reads as one.
    static let hostile: [(String, String)] = [
        ("http://169.254.169.254/latest/meta-data", "169.254.169.254"),
        ("http://2852039166/", "169.254.169.254"),
        ("http://0xA9FEA9FE/", "169.254.169.254"),
        ("http://0xa9fea9fe/", "169.254.169.254"),
        ("http://0251.0376.0251.0376/", "169.254.169.254"),
        ("http://0251.254.169.254/", "169.254.169.254"),
        ("http://169.254.43518/", "169.254.169.254"),
        ("http://169.16689662/", "169.254.169.254"),
        ("http://0xA9.0xFE.0xA9.0xFE/", "169.254.169.254"),
        ("http://169.254.169.254./", "169.254.169.254"),
        ("http://[::ffff:169.254.169.254]/", "169.254.169.254"),
        ("http://[::ffff:a9fe:a9fe]/", "169.254.169.254"),
        ("http://[::169.254.169.254]/", "169.254.169.254"),
        ("http://[64:ff9b::a9fe:a9fe]/", "169.254.169.254"),
        ("http://[2002:a9fe:a9fe::]/", "169.254.169.254"),
        ("http://[fd00:ec2::254]/", "fd00:ec2::254"),
        ("http://100.100.100.200/", "100.100.100.200"),
        ("http://metadata.google.internal/computeMetadata/v1", "169.254.169.254"),
        ("http://metadata/", "169.254.169.254"),
        ("http://METADATA.google.internal./", "169.254.169.254"),
        ("http://[fe80::1]/", "link-local"),
        ("http://169.254.1.1/", "link-local"),
        ("http://127.0.0.1:8000/v1", "loopback"),
        ("http://127.1/", "loopback"),
        ("http://2130706433/", "loopback"),
        ("http://0x7f000001/", "loopback"),
        ("http://017700000001/", "loopback"),
        ("http://0177.0.0.1/", "loopback"),
        ("http://[::1]/", "loopback"),
        ("http://[0:0:0:0:0:0:0:1]/", "loopback"),
        ("http://[::ffff:127.0.0.1]/", "loopback"),
        ("http://localhost:11434/v1", "loopback"),
        ("http://LocalHost./", "loopback"),
        ("http://api.localhost/", "loopback"),
        ("http://0.0.0.0/", "unspecified"),
        ("http://0/", "unspecified"),
        ("http://[::]/", "unspecified"),
        ("http://10.0.0.5/", "private"),
        ("http://012.0.0.5/", "private"),
        ("http://172.16.0.1/", "private"),
        ("http://192.168.1.10/", "private"),
        ("http://3232235786/", "private"),
        ("http://[fd12:3456::1]/", "private"),
        ("http://[::ffff:10.0.0.1]/", "private"),
        ("http://100.64.0.1/", "CGNAT"),
        ("http://224.0.0.1/", "multicast"),
        ("http://[ff02::1]/", "multicast"),
        ("http://255.255.255.255/", "broadcast"),
        ("http://240.0.0.1/", "reserved"),
    ]

    @Test(arguments: hostile) func hostileSpellingsAreRefusedAtValidate(_ url: String, _ what: String) throws {
        let found = Self.diagnostics(url).filter { $0.code == "semantic.endpoint" }
        try #require(found.count == 1, "\(url): \(Self.diagnostics(url).map(\.description))")
        let d = found[0]
        #expect(d.file == "capacity.yaml" && d.line == 8 && d.column > 0, "\(d)")
        #expect(d.message.contains(what), "\(url): \(d.message)")
        #expect(d.hint?.contains("spec.endpoints.allowCIDRs") == true, "\(d)")
    }

    /// Numeric-looking hosts that are no address in any spelling: parsers disagree about them.
    @Test(arguments: [
        "http://1.2.3.4.5/", "http://08.0.0.1/", "http://256.256.256.256/", "http://1.2.3.256/",
        "http://example.0x1/", "http://4294967296/", "http://1.16777216/", "http://a..b/", "http://[1::2::3]/",
    ])
    func malformedNumericHostsAreRefused(_ url: String) {
        let found = Self.diagnostics(url).map(\.description)
        #expect(found.count == 1, "\(url): \(found)")
    }

    @Test(arguments: [
        "https://api.openai.com/v1", "http://8.8.8.8/", "http://0x08080808/", "https://[2606:4700::1111]/",
        "https://llm-1.example.com:8443/v1", "https://123abc.example.com/",
    ])
    func publicEndpointsPass(_ url: String) {
        #expect(Self.diagnostics(url) == [], "\(url)")
    }

    @Test func theOrganizationAllowsNetworks() {
        let allow = ["127.0.0.0/8", "::1/128", "10.0.0.0/8", "169.254.0.0/16", "fd00::/8"]
        for url in [
            "http://127.0.0.1:8000/v1", "http://2130706433/", "http://localhost/", "http://[::1]/", "http://10.1.2.3/",
            "http://[::ffff:10.1.2.3]/", "http://169.254.1.1/", "http://[fd12::1]/",
        ] {
            #expect(Self.diagnostics(url, allow: allow) == [], "\(url)")
        }
        // Only what is listed: 192.168/16 and CGNAT are still refused, and `localhost` needs ::1 too.
        #expect(Self.diagnostics("http://192.168.1.1/", allow: allow).count == 1)
        #expect(Self.diagnostics("http://100.64.0.1/", allow: allow).count == 1)
        let v4only = Self.diagnostics("http://localhost/", allow: ["127.0.0.0/8"]).map(\.description)
        #expect(v4only.count == 1 && v4only[0].contains("::1"), "\(v4only)")
    }

    @Test func metadataStaysRefusedInsideAnAllowedNetworkUnlessNamedExactly() {
        let wide = ["169.254.0.0/16", "fd00::/8", "100.64.0.0/10", "0.0.0.0/0", "::/0"]
        for url in [
            "http://169.254.169.254/", "http://2852039166/", "http://[::ffff:169.254.169.254]/",
            "http://[fd00:ec2::254]/", "http://100.100.100.200/", "http://metadata.google.internal/",
            "http://168.63.129.16/",
        ] {
            let found = Self.diagnostics(url, allow: wide)
            #expect(found.count == 1 && found[0].message.contains("cloud metadata"), "\(url): \(found)")
        }
        #expect(Self.diagnostics("http://0xA9FEA9FE/", allow: ["169.254.169.254/32"]) == [])
        #expect(Self.diagnostics("http://[fd00:ec2::254]/", allow: ["fd00:ec2::254"]) == [])
    }

    @Test func theAllowListMustParse() {
        var files = Fixtures.valid
        files["organization.yaml"] = Self.organization(allow: ["10.0.0.1/8", "127.1/8", "::1/129"])
        let found = Fixtures.load(files).diagnostics
        #expect(found.count == 3, "\(found.map(\.description))")
        #expect(
            found.contains {
                $0.message.contains("bits set after the prefix") && $0.hint == "did you mean `10.0.0.0/8`?"
            })
        // All three on the `allowCIDRs:` line, each at its own column.
        #expect(found.allSatisfy { $0.file == "organization.yaml" && $0.line == found[0].line && $0.line > 8 })
        #expect(Set(found.map(\.column)).count == 3, "\(found.map(\.description))")
    }

    @Test func toolServerURLsAreCheckedToo() {
        var files = Fixtures.valid
        files["tools.yaml"] = """
            apiVersion: charter/v1
            kind: ToolServer
            metadata:
              name: tickets
            spec:
              http:
                url: http://0x7f.1:9000/mcp
            """
        let found = Fixtures.load(files).diagnostics
        #expect(found.count == 1 && found[0].code == "semantic.endpoint" && found[0].line == 7, "\(found)")
        files["organization.yaml"] = Self.organization(allow: ["127.0.0.0/8"])
        #expect(Fixtures.load(files).diagnostics == [])
    }

    @Test func everySpellingParsesToTheSameAddress() {
        for text in [
            "2852039166", "0xA9FEA9FE", "0251.0376.0251.0376", "169.254.43518", "169.16689662", "169.254.169.254.",
        ] {
            #expect(IPAddress.parseAnyIPv4(text) == .address(.v4(169, 254, 169, 254)), "\(text)")
        }
        #expect(IPAddress.parseAnyIPv4("example.com") == .name)
        #expect(IPAddress.parseAnyIPv4("1.2.3.4.5") == .malformed)
        #expect(IPAddress.parseAnyIPv4("0x") == .address(.v4(0, 0, 0, 0)))
    }

    @Test func resolvedAddressesAreCheckedAtRunTime() {
        let rules = OutboundAddressRules(allowed: [try! IPNetwork("10.0.0.0/8")])
        #expect(rules.refusal(resolved: .v4(10, 1, 1, 1), host: "llm.internal.example") == nil)
        #expect(rules.refusal(resolved: .v4(192, 168, 1, 1), host: "llm.internal.example") != nil)
        #expect(
            rules.refusal(resolved: .v4(169, 254, 169, 254), host: "evil.example")?.message.contains("metadata") == true
        )
        #expect(rules.refusal(resolved: .v4(93, 184, 216, 34), host: "example.com") == nil)
        #expect(OutboundAddressRules.publicOnly.refusal(url: "http://0x7f000001:8080/v1") != nil)
    }
}
