import CharterModel
import Testing

@Suite struct IPAddressTests {
    @Test func strictIPv4IsAccepted() {
        #expect(IPAddress("127.0.0.1")?.bytes == [127, 0, 0, 1])
        #expect(IPAddress("0.0.0.0")?.bytes == [0, 0, 0, 0])
        #expect(IPAddress("255.255.255.255")?.bytes == [255, 255, 255, 255])
        #expect(IPAddress("169.254.169.254")?.description == "169.254.169.254")
    }

    @Test(arguments: [
        "127.1", "0x7f.0.0.1", "2852039166", "0177.0.0.1", "127.0.0.01", "256.0.0.1", "1.2.3", "1.2.3.4.5",
        "1.2.3.", ".1.2.3", "1..2.3", " 1.2.3.4", "1.2.3.4 ", "+1.2.3.4", "1.2.3.-4", "0x7f000001", "1.2.3.4/8",
        "١.٢.٣.٤", "", "localhost",
    ])
    func legacyAndMalformedIPv4IsRefused(text: String) {
        #expect(IPAddress(text) == nil)
    }

    @Test func ipv6TextFormsAreAccepted() {
        #expect(IPAddress("::")?.bytes == [UInt8](repeating: 0, count: 16))
        #expect(IPAddress("::1")?.bytes == [UInt8](repeating: 0, count: 15) + [1])
        #expect(IPAddress("2001:db8::1")?.description == "2001:db8::1")
        #expect(IPAddress("2001:0DB8:0000:0000:0000:0000:0000:0001")?.description == "2001:db8::1")
        #expect(IPAddress("1:2:3:4:5:6:7:8")?.description == "1:2:3:4:5:6:7:8")
        #expect(IPAddress("1::")?.description == "1::")
        #expect(IPAddress("::ffff:169.254.169.254")?.bytes.suffix(6) == [0xFF, 0xFF, 169, 254, 169, 254])
        #expect(IPAddress("::ffff:a9fe:a9fe") == IPAddress("::ffff:169.254.169.254"))
        #expect(IPAddress("::ffff:a9fe:a9fe")?.description == "::ffff:169.254.169.254")
        #expect(IPAddress("1:2:3:4:5:6:1.2.3.4")?.bytes.suffix(4) == [1, 2, 3, 4])
        // RFC 5952: the longest zero run is compressed, the first one on a tie; a single zero group is not.
        #expect(IPAddress("1:0:0:2:0:0:0:3")?.description == "1:0:0:2::3")
        #expect(IPAddress("1:0:0:2:3:0:0:4")?.description == "1::2:3:0:0:4")
        #expect(IPAddress("1:2:3:4:5:6:0:8")?.description == "1:2:3:4:5:6:0:8")
    }

    @Test(arguments: [
        ":::", "1::2::3", "12345::", "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7", "fe80::1%eth0", "[::1]", ":1::", "1::2:",
        "::g", "::1.2.3", "::1.2.3.4:5", "1:2:3:4:5:6:7:1.2.3.4", "::ffff:0177.0.0.1", "::ffff:127.1",
    ])
    func malformedIPv6IsRefused(text: String) {
        #expect(IPAddress(text) == nil)
    }

    @Test func bytesInitAcceptsOnlyFourOrSixteen() {
        #expect(IPAddress(bytes: [10, 0, 0, 1])?.description == "10.0.0.1")
        #expect(IPAddress(bytes: [UInt8](repeating: 0, count: 15) + [1])?.description == "::1")
        #expect(IPAddress(bytes: [1, 2, 3]) == nil)
        #expect(IPAddress(bytes: [UInt8](repeating: 0, count: 8)) == nil)
    }

    @Test func literalsMayCarryBracketsOnlyForIPv6() {
        #expect(IPAddress(literal: "[::1]")?.description == "::1")
        #expect(IPAddress(literal: "::1")?.description == "::1")
        #expect(IPAddress(literal: "127.0.0.1")?.description == "127.0.0.1")
        #expect(IPAddress(literal: "[127.0.0.1]") == nil)
        #expect(IPAddress(literal: "[::1") == nil)
        #expect(IPAddress(literal: "2852039166") == nil)
    }

    @Test(arguments: [
        ("8.8.8.8", AddressRange.public), ("1.1.1.1", .public), ("2606:4700::1111", .public),
        ("0.0.0.0", .unspecified), ("0.1.2.3", .unspecified), ("::", .unspecified),
        ("127.0.0.1", .loopback), ("127.255.0.9", .loopback), ("::1", .loopback),
        ("10.1.2.3", .privateNetwork), ("172.16.0.1", .privateNetwork), ("172.31.255.255", .privateNetwork),
        ("172.32.0.1", .public), ("192.168.1.1", .privateNetwork), ("fd12::1", .privateNetwork),
        ("fc00::1", .privateNetwork), ("169.254.169.254", .linkLocal), ("fe80::1", .linkLocal),
        ("febf::1", .linkLocal), ("100.64.0.1", .sharedAddressSpace), ("100.100.100.200", .sharedAddressSpace),
        ("100.128.0.1", .public), ("224.0.0.1", .multicast), ("239.255.255.250", .multicast), ("ff02::1", .multicast),
        ("240.0.0.1", .reserved), ("255.255.255.255", .broadcast), ("192.0.2.1", .documentation),
        ("198.51.100.7", .documentation), ("203.0.113.9", .documentation), ("2001:db8::1", .documentation),
        ("198.18.0.1", .benchmarking), ("198.19.255.255", .benchmarking), ("198.20.0.1", .public),
        ("192.0.0.8", .protocolAssignments), ("100::1", .discardOnly), ("2001:0:4136:e378::1", .teredo),
        // IPv6 forms that lead to an IPv4 host are classified by it.
        ("::ffff:127.0.0.1", .loopback), ("::ffff:169.254.169.254", .linkLocal), ("::ffff:8.8.8.8", .public),
        ("::10.0.0.1", .privateNetwork), ("64:ff9b::169.254.169.254", .linkLocal), ("64:ff9b::8.8.8.8", .public),
        ("2002:7f00:1::", .loopback), ("2002:a9fe:a9fe::1", .linkLocal), ("2002:808:808::1", .public),
        // Outside 2000::/3 nothing is allocated for the internet.
        ("4000::1", .reserved), ("fec0::1", .reserved),
    ])
    func rangesAreClassified(text: String, range: AddressRange) {
        #expect(IPAddress(text)?.range == range, "\(text)")
        #expect(IPAddress(text)?.isPublic == (range == .public))
    }

    @Test func prefixesCompareTheLeadingBits() {
        let address = IPAddress("172.20.1.2")!
        #expect(address.hasPrefix(.v4(172, 16, 0, 0), length: 12))
        #expect(!address.hasPrefix(.v4(172, 16, 0, 0), length: 16))
        #expect(address.hasPrefix(.v4(1, 2, 3, 4), length: 0))
        #expect(!address.hasPrefix(IPAddress("::")!, length: 0), "families never match")
        #expect(address.masked(to: 12) == .v4(172, 16, 0, 0))
    }
}

@Suite struct NetworkRuleTests {
    @Test(arguments: [
        ("*:*", "*:*"), ("example.com:443", "example.com:443"), ("Example.COM.:443", "example.com:443"),
        ("*.example.com:443", "*.example.com:443"), ("api.example.com:8000-8099", "api.example.com:8000-8099"),
        ("10.0.0.0/8:*", "10.0.0.0/8:*"), ("127.0.0.1:8080", "127.0.0.1:8080"), ("1.2.3.4/32:1", "1.2.3.4:1"),
        ("[::1]:443", "[::1]:443"), ("[2001:DB8::/32]:443", "[2001:db8::/32]:443"), ("[::/0]:53", "[::/0]:53"),
        ("0.0.0.0/0:*", "0.0.0.0/0:*"), ("localhost:65535", "localhost:65535"), ("a-b.c1:22-22", "a-b.c1:22"),
    ])
    func validRulesParseToTheirNormalForm(text: String, normal: String) throws {
        #expect(try NetworkRule(text).description == normal)
    }

    @Test func partsAreTyped() throws {
        #expect(try NetworkRule("*.example.com:443").host == .subdomains(of: "example.com"))
        #expect(try NetworkRule("10.0.0.0/8:*").host == .network(.v4(10, 0, 0, 0), prefixLength: 8))
        #expect(try NetworkRule("10.0.0.0/8:*").ports == .any)
        #expect(try NetworkRule("x.io:8000-8099").ports == .range(8000...8099))
        #expect(try NetworkRule("10.0.0.0/8:1").isAddressRule)
        #expect(try NetworkRule("[::1]:1").isAddressRule)
        #expect(try !NetworkRule("*:1").isAddressRule)
        #expect(try !NetworkRule("localhost:1").isAddressRule)
    }

    @Test(arguments: [
        ("example.com", "add the port, e.g. `example.com:443`"), ("", "is empty"), (":443", "has no host"),
        ("example.com:", "has no port"), ("example.com:0", "out of range"), ("example.com:65536", "out of range"),
        ("example.com:99999", "out of range"), ("example.com:80-70", "backwards"), ("example.com:http", "not a port"),
        ("example.com:1-2-3", "not a port"), ("example.com:080", "not a port"), ("example.com:-1", "not a port"),
        ("10.0.0.1/8:*", "did you mean `10.0.0.0/8`?"), ("10.0.0.0/33:*", "longer than 32"),
        ("10.0.0.0/:*", "no valid prefix length"), ("[fd00::1/8]:*", "did you mean `[fd00::/8]`?"),
        ("[::/129]:*", "longer than 128"), ("::1:443", "without brackets"), ("[::1]443", "has no port"),
        ("[::1:443", "without `]`"), ("[1.2.3.4]:443", "not an IPv6 address"), ("127.1:80", "dotted-quad"),
        ("0x7f.0.0.1:80", "dotted-quad"), ("2852039166:80", "dotted-quad"), ("0177.0.0.1:80", "dotted-quad"),
        ("exa mple.com:443", "a space"), ("exämple.com:443", "non-ASCII"), ("ex_ample.com:443", "not a valid DNS"),
        ("-example.com:443", "not a valid DNS"), ("a..b:443", "not a valid DNS"), ("foo.*.com:443", "`*` inside"),
        ("*example.com:443", "`*` inside"), ("*.:443", "without a domain"), ("1.2.3.4/8/8:1", "no valid prefix length"),
    ])
    func invalidRulesSayWhatIsWrong(text: String, fragment: String) {
        #expect(throws: NetworkRuleError.self) { try NetworkRule(text) }
        do {
            _ = try NetworkRule(text)
        } catch {
            #expect(error.description.contains(fragment), "\(error)")
            #expect(!error.hint.isEmpty)
        }
    }

    @Test func boundsAreEnforced() throws {
        let label = String(repeating: "a", count: 63)
        #expect(throws: Never.self) { try NetworkRule("\(label).com:1") }
        #expect(throws: NetworkRuleError.self) { try NetworkRule("a\(label).com:1") }
        let long = Array(repeating: String(repeating: "a", count: 49), count: 5).joined(separator: ".") + ".abc"
        #expect(long.count == 253)
        #expect(throws: Never.self) { try NetworkRule("\(long):1") }
        #expect(throws: NetworkRuleError.self) { try NetworkRule("a\(long):1") }
        let huge = String(repeating: "a", count: 400) + ":1"
        #expect(throws: NetworkRuleError.self) { try NetworkRule(huge) }
        do { _ = try NetworkRule(huge) } catch { #expect(error.description.contains("longer than 300")) }
    }

    @Test func nameRulesMatchNamesOnly() throws {
        let rule = try NetworkRule("Example.com:443")
        #expect(rule.matches(host: "example.com", port: 443))
        #expect(rule.matches(host: "EXAMPLE.COM.", port: 443))
        #expect(!rule.matches(host: "example.com", port: 444))
        #expect(!rule.matches(host: "www.example.com", port: 443))
        #expect(!rule.matches(host: "example.com.evil.io", port: 443))
        #expect(!rule.covers(address: .v4(93, 184, 216, 34), port: 443), "a name rule never covers an address")
        let localhost = try NetworkRule("localhost:80")
        #expect(!localhost.matches(host: "127.0.0.1", port: 80))
    }

    @Test func wildcardRulesMatchStrictlyBelow() throws {
        let rule = try NetworkRule("*.example.com:*")
        #expect(rule.matches(host: "api.example.com", port: 1))
        #expect(rule.matches(host: "a.b.c.EXAMPLE.com.", port: 65535))
        #expect(!rule.matches(host: "example.com", port: 443))
        #expect(!rule.matches(host: "badexample.com", port: 443))
        #expect(!rule.matches(host: "api.example.com", port: 0))
        #expect(!rule.matches(host: "api.example.com", port: 65536))
    }

    @Test func anyHostMatchesNamesAndLiterals() throws {
        let rule = try NetworkRule("*:443")
        for host in ["example.com", "127.0.0.1", "[::1]", "::1", "2852039166", "0x7f.1"] {
            #expect(rule.matches(host: host, port: 443), "\(host)")
        }
        #expect(!rule.covers(address: .v4(127, 0, 0, 1), port: 443), "`*` is not an address rule")
    }

    @Test func addressRulesMatchStrictLiteralsOnly() throws {
        let loopback = try NetworkRule("127.0.0.0/8:*")
        #expect(loopback.matches(host: "127.0.0.1", port: 80))
        #expect(loopback.matches(host: "127.9.9.9", port: 80))
        #expect(!loopback.matches(host: "127.1", port: 80))
        #expect(!loopback.matches(host: "2130706433", port: 80))
        #expect(!loopback.matches(host: "0x7f.0.0.1", port: 80))
        #expect(!loopback.matches(host: "localhost", port: 80))
        #expect(!loopback.matches(host: "128.0.0.1", port: 80))
        let v6 = try NetworkRule("[fd00::/8]:443")
        #expect(v6.matches(host: "[fd12::1]", port: 443))
        #expect(v6.matches(host: "fd12::1", port: 443))
        #expect(!v6.matches(host: "[fe80::1]", port: 443))
        #expect(!v6.matches(host: "[fd12::1]", port: 80))
    }

    @Test func addressRulesCoverIPv6FormsOfTheirIPv4Hosts() throws {
        let metadata = try NetworkRule("169.254.169.254:80")
        #expect(metadata.covers(address: .v4(169, 254, 169, 254), port: 80))
        #expect(metadata.covers(address: IPAddress("::ffff:169.254.169.254")!, port: 80))
        #expect(metadata.covers(address: IPAddress("64:ff9b::a9fe:a9fe")!, port: 80))
        #expect(!metadata.covers(address: .v4(169, 254, 169, 254), port: 81))
        #expect(!metadata.covers(address: .v4(169, 254, 169, 253), port: 80))
        let network = try NetworkRule("10.0.0.0/8:*")
        #expect(network.covers(address: IPAddress("::ffff:10.9.8.7")!, port: 1))
        #expect(network.matches(host: "[::ffff:10.9.8.7]", port: 1), "names and addresses are checked alike")
        #expect(!network.covers(address: IPAddress("::ffff:11.0.0.1")!, port: 1))
    }
}

@Suite struct EgressRulesTests {
    private func rules(
        step: [String] = ["*:*"], allow: [String] = ["*:*"], deny: [String] = [],
        reserved: [EgressRules.Endpoint] = [], hostAddresses: [IPAddress] = []
    ) throws -> EgressRules {
        EgressRules(
            step: try step.map { try NetworkRule($0) }, allow: try allow.map { try NetworkRule($0) },
            deny: try deny.map { try NetworkRule($0) }, reserved: reserved, hostAddresses: hostAddresses)
    }

    @Test func aNameNeedsTheStepAndAPolicyAndNoDeny() throws {
        let r = try rules(
            step: ["api.example.com:443", "*.github.com:443"], allow: ["*.example.com:443", "*:443"],
            deny: ["evil.github.com:*"])
        #expect(r.checkName(host: "api.example.com", port: 443).allowed)
        #expect(r.checkName(host: "codeload.github.com", port: 443).allowed)

        let undeclared = r.checkName(host: "www.example.com", port: 443)
        #expect(!undeclared.allowed)
        #expect(undeclared.reason.contains("the step does not declare `www.example.com:443`"))

        let denied = r.checkName(host: "evil.github.com", port: 443)
        #expect(!denied.allowed)
        #expect(denied.reason.contains("denied by the Policy rule `evil.github.com:*`"))

        let noPolicy = try rules(step: ["*:*"], allow: ["*.example.com:443"]).checkName(host: "example.org", port: 443)
        #expect(!noPolicy.allowed)
        #expect(noPolicy.reason.contains("no Policy allows `example.org:443`"))

        let wrongPort = try rules(step: ["*:*"], allow: ["*:443"]).checkName(host: "example.org", port: 80)
        #expect(!wrongPort.allowed)
    }

    @Test func denyWinsOverAnyAllow() throws {
        let r = try rules(step: ["*:*"], allow: ["*:*", "10.0.0.0/8:*"], deny: ["10.0.0.0/8:22"])
        #expect(!r.checkName(host: "10.1.1.1", port: 22).allowed)
        #expect(r.checkName(host: "10.1.1.1", port: 23).allowed)
        let byAddress = r.checkAddress(.v4(10, 1, 1, 1), host: "build.internal", port: 22)
        #expect(!byAddress.allowed)
        #expect(byAddress.reason.contains("denied by the Policy rule `10.0.0.0/8:22`"))
        #expect(!r.checkAddress(IPAddress("::ffff:10.1.1.1")!, host: "build.internal", port: 22).allowed)
        #expect(r.checkAddress(.v4(10, 1, 1, 1), host: "build.internal", port: 23).allowed)
    }

    @Test func publicAddressesPass() throws {
        let r = try rules()
        let decision = r.checkAddress(.v4(93, 184, 216, 34), host: "example.com", port: 443)
        #expect(decision.allowed)
        #expect(decision.reason.contains("public"))
        #expect(r.checkAddress(IPAddress("2606:4700::1111")!, host: "example.com", port: 443).allowed)
    }

    @Test func namesNeverReachNonPublicAddresses() throws {
        let r = try rules(step: ["*:*"], allow: ["*:*", "localhost:*", "*.internal:*"])
        for text in [
            "127.0.0.1", "::1", "0.0.0.0", "10.0.0.1", "192.168.1.1", "169.254.169.254", "100.100.100.200", "fd00::1",
            "fe80::1", "::ffff:127.0.0.1", "64:ff9b::7f00:1", "2002:7f00:1::1", "224.0.0.1", "2001::1",
        ] {
            let decision = r.checkAddress(IPAddress(text)!, host: "localhost", port: 80)
            #expect(!decision.allowed, "\(text)")
            #expect(decision.reason.contains("only a Policy rule naming that address"), "\(decision.reason)")
        }
    }

    @Test func theMetadataRefusalExplainsItself() throws {
        let decision = try rules().checkAddress(.v4(169, 254, 169, 254), host: "169.254.169.254", port: 80)
        #expect(
            decision.reason
                == "`169.254.169.254` is link-local (cloud metadata lives there); only a Policy rule naming that "
                + "address, such as `169.254.169.254:80`, allows it")
        let viaName = try rules().checkAddress(.v4(127, 0, 0, 1), host: "localhost", port: 8080)
        #expect(viaName.reason.hasPrefix("`127.0.0.1` (which localhost resolved to) is loopback"))
    }

    @Test func anAddressRuleAdmitsANonPublicAddress() throws {
        let r = try rules(step: ["*:*"], allow: ["*:*", "127.0.0.1:8080", "10.0.0.0/8:443", "[fd00::/8]:*"])
        #expect(r.checkAddress(.v4(127, 0, 0, 1), host: "localhost", port: 8080).allowed)
        #expect(!r.checkAddress(.v4(127, 0, 0, 1), host: "localhost", port: 8081).allowed)
        #expect(!r.checkAddress(.v4(127, 0, 0, 2), host: "localhost", port: 8080).allowed)
        #expect(r.checkAddress(.v4(10, 2, 3, 4), host: "git.internal", port: 443).allowed)
        #expect(!r.checkAddress(.v4(10, 2, 3, 4), host: "git.internal", port: 22).allowed)
        #expect(r.checkAddress(IPAddress("fd00::5")!, host: "[fd00::5]", port: 22).allowed)
    }

    @Test func reservedEndpointsNeedAnExactRule() throws {
        let webhook = EgressRules.Endpoint(address: .v4(127, 0, 0, 1), port: 8080)
        let broad = try rules(allow: ["*:*", "127.0.0.0/8:*"], reserved: [webhook])
        let refused = broad.checkAddress(.v4(127, 0, 0, 1), host: "127.0.0.1", port: 8080)
        #expect(!refused.allowed)
        #expect(refused.reason.contains("the controller's own endpoint 127.0.0.1:8080"))
        #expect(!broad.checkAddress(IPAddress("::ffff:127.0.0.1")!, host: "x", port: 8080).allowed)
        #expect(broad.checkAddress(.v4(127, 0, 0, 1), host: "127.0.0.1", port: 8081).allowed)
        #expect(broad.checkAddress(.v4(127, 0, 0, 2), host: "127.0.0.2", port: 8080).allowed)

        let exact = try rules(allow: ["127.0.0.0/8:*", "127.0.0.1:8080"], reserved: [webhook])
        #expect(exact.checkAddress(.v4(127, 0, 0, 1), host: "127.0.0.1", port: 8080).allowed)
        let zero = try rules(allow: ["*:*", "0.0.0.0:*"], reserved: [webhook])
        #expect(!zero.checkAddress(.v4(0, 0, 0, 0), host: "0.0.0.0", port: 8080).allowed, "0.0.0.0 reaches it too")
        #expect(zero.checkAddress(.v4(0, 0, 0, 0), host: "0.0.0.0", port: 8081).allowed)
        let range = try rules(allow: ["127.0.0.1:8080-8081"], reserved: [webhook])
        #expect(!range.checkAddress(.v4(127, 0, 0, 1), host: "127.0.0.1", port: 8080).allowed)
    }

    @Test func anEndpointOnEveryAddressCoversThisMachine() throws {
        let own = IPAddress("203.0.113.5")!
        let anywhere = EgressRules.Endpoint(address: nil, port: 9000)
        let r = try rules(
            allow: ["*:*", "127.0.0.0/8:*", "0.0.0.0:*", "[::1]:*"], reserved: [anywhere], hostAddresses: [own])
        for text in ["127.0.0.1", "127.3.2.1", "::1", "0.0.0.0", "8.8.8.8"] {
            let expected = text == "8.8.8.8"
            #expect(r.checkAddress(IPAddress(text)!, host: "h", port: 9000).allowed == expected, "\(text)")
        }
        // 203.0.113.5 is documentation space, so its own rule is needed first; then the reservation applies.
        let withOwn = try rules(allow: ["*:*", "203.0.113.5:*"], reserved: [anywhere], hostAddresses: [own])
        #expect(!withOwn.checkAddress(own, host: "me", port: 9000).allowed)
        #expect(withOwn.checkAddress(own, host: "me", port: 9001).allowed)
        let publicOwn = try rules(reserved: [anywhere], hostAddresses: [.v4(8, 8, 4, 4)])
        #expect(!publicOwn.checkAddress(.v4(8, 8, 4, 4), host: "me", port: 9000).allowed)
        let exact = try rules(allow: ["*:*", "8.8.4.4:9000"], reserved: [anywhere], hostAddresses: [.v4(8, 8, 4, 4)])
        #expect(exact.checkAddress(.v4(8, 8, 4, 4), host: "me", port: 9000).allowed)
    }

    @Test func thisMachinesOwnPublicAddressIsReachableOnlyByAddress() throws {
        let own = IPAddress.v4(8, 8, 4, 4)
        let byName = try rules(hostAddresses: [own])
        let refused = byName.checkAddress(own, host: "me.example.com", port: 8080)
        #expect(!refused.allowed && refused.reason.contains("an address of this machine"), "\(refused.reason)")
        #expect(byName.checkAddress(.v4(8, 8, 8, 8), host: "other", port: 8080).allowed, "other public hosts are fine")
        let named = try rules(allow: ["*:*", "8.8.4.4:8080"], hostAddresses: [own])
        #expect(named.checkAddress(own, host: "8.8.4.4", port: 8080).allowed)
    }

    @Test func outOfRangePortsAreRefused() throws {
        let r = try rules()
        #expect(!r.checkName(host: "example.com", port: 0).allowed)
        #expect(!r.checkName(host: "example.com", port: 70000).allowed)
    }
}
