import CharterTestSupport
import Foundation
import Testing

@testable import CharterGit

/// A throwaway sshd on loopback with its own host key, user key and configuration.
struct SSHServer {
    let server: Server
    let userKey: URL
    let hostKeyLine: String
    let fingerprint: String
    let user: String

    static let available = FileManager.default.isExecutableFile(atPath: "/usr/sbin/sshd")

    static func start(in directory: URL) async throws -> SSHServer {
        let keygen = "/usr/bin/ssh-keygen"
        let hostKey = directory.appendingPathComponent("host_key")
        let userKey = directory.appendingPathComponent("user_key")
        for key in [hostKey, userKey] {
            try run(keygen, ["-q", "-t", "ed25519", "-N", "", "-C", "charter-test", "-f", key.path])
        }
        let authorized = directory.appendingPathComponent("authorized_keys")
        try FileManager.default.copyItem(at: userKey.appendingPathExtension("pub"), to: authorized)
        let port = try LoopbackServer.freePort()
        let config = directory.appendingPathComponent("sshd_config")
        try Data(
            """
            Port \(port)
            ListenAddress 127.0.0.1
            HostKey \(hostKey.path)
            AuthorizedKeysFile \(authorized.path)
            PasswordAuthentication no
            KbdInteractiveAuthentication no
            UsePAM no
            StrictModes no
            PidFile none
            PermitRootLogin prohibit-password
            LogLevel VERBOSE

            """.utf8
        ).write(to: config)
        // sshd insists on its privilege-separation directory even in the foreground.
        if getuid() == 0 {
            try FileManager.default.createDirectory(atPath: "/run/sshd", withIntermediateDirectories: true)
        }
        let server = try Server(
            "/usr/sbin/sshd", ["-D", "-e", "-f", config.path], port: port,
            log: directory.appendingPathComponent("sshd.log"))
        try await server.waitUntilListening()
        let fingerprint = try run(keygen, ["-l", "-f", hostKey.path + ".pub"]).split(separator: " ")[1]
        let publicKey = try String(contentsOf: hostKey.appendingPathExtension("pub"), encoding: .utf8)
            .split(separator: " ").prefix(2).joined(separator: " ")
        let user = String(cString: getpwuid(getuid())!.pointee.pw_name)
        return SSHServer(
            server: server, userKey: userKey, hostKeyLine: "[127.0.0.1]:\(port) \(publicKey)",
            fingerprint: String(fingerprint), user: user)
    }

    func url(_ repository: URL) -> String { "ssh://\(user)@127.0.0.1:\(server.port)\(repository.path)" }

    func auth(_ hostKeys: GitAuth.HostKeyPolicy, key: URL? = nil) -> GitAuth {
        GitAuth(.sshKeyFile(user: user, privateKeyPath: (key ?? userKey).path), hostKeys: hostKeys)
    }
}

@Suite(.enabled(if: SSHServer.available, "sshd not installed: apt-get install openssh-server to run the ssh tests"))
struct SSHTests {
    @Test func fetchesAndPushesWithPinnedHostKey() async throws {
        let fixture = try Fixture()
        let first = try fixture.commit(["a.yaml": "1\n"])
        let served = try fixture.bareClone(named: "served.git")
        let ssh = try await SSHServer.start(in: fixture.temp.url)
        let url = ssh.url(served)
        let auth = ssh.auth(.pinnedSHA256(ssh.fingerprint))
        let mirror = try await GitRepository.mirror(
            url: url, into: fixture.temp.sub("m.git"), branches: ["main"], auth: auth)
        #expect(try await mirror.resolve("main").hex == first)

        let next = try await mirror.createCommit(
            parent: ObjectID(hex: first), changes: ["b.yaml": .write([1])], message: "b", author: WriteTests.author)
        try await mirror.updateRef("refs/heads/main", to: next, expected: ObjectID(hex: first))
        try await mirror.push(to: url, refspecs: ["refs/heads/main:refs/heads/main"], auth: auth)
        #expect(try fixture.revParse("main", in: served) == next.hex)
    }

    @Test func checksAKnownHostsFile() async throws {
        let fixture = try Fixture()
        let first = try fixture.commit(["a.yaml": "1\n"])
        let served = try fixture.bareClone(named: "served.git")
        let ssh = try await SSHServer.start(in: fixture.temp.url)
        let knownHosts = fixture.temp.sub("known_hosts")
        try Data("\(ssh.hostKeyLine)\n".utf8).write(to: knownHosts)
        let repo = try await GitRepository.openOrCreateBare(at: fixture.temp.sub("m.git"))
        try await repo.fetch(
            from: ssh.url(served), refspecs: ["+refs/heads/main:refs/heads/main"],
            auth: ssh.auth(.knownHosts(file: knownHosts.path)))
        #expect(try await repo.resolve("main").hex == first)

        let empty = fixture.temp.sub("empty_known_hosts")
        try Data().write(to: empty)
        let error = try await #require(throws: GitError.self) {
            try await repo.fetch(
                from: ssh.url(served), refspecs: ["+refs/heads/main:refs/heads/main"],
                auth: ssh.auth(.knownHosts(file: empty.path)))
        }
        #expect(error.code == .certificate)
        #expect(error.message == "host key of [127.0.0.1]:\(ssh.server.port) is not in \(empty.path)")
    }

    @Test func refusesAWrongPinAndAWrongKey() async throws {
        let fixture = try Fixture()
        try fixture.commit(["a.yaml": "1\n"])
        let served = try fixture.bareClone(named: "served.git")
        let ssh = try await SSHServer.start(in: fixture.temp.url)
        let repo = try await GitRepository.openOrCreateBare(at: fixture.temp.sub("m.git"))
        let url = ssh.url(served)

        let wrongPin = "SHA256:" + String(repeating: "A", count: 43)
        let pinError = try await #require(throws: GitError.self) {
            try await repo.fetch(
                from: url, refspecs: ["+refs/heads/main:refs/heads/main"], auth: ssh.auth(.pinnedSHA256(wrongPin)))
        }
        #expect(pinError.code == .certificate)
        #expect(pinError.message == "host key of 127.0.0.1 is \(ssh.fingerprint), not the pinned \(wrongPin)")
        #expect(pinError.operation == "fetch refs/heads/main from \(url)")

        // An unauthorized key: libgit2 would ask forever; the callback gives up.
        let stranger = fixture.temp.sub("stranger")
        try run("/usr/bin/ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", stranger.path])
        let authError = try await #require(throws: GitError.self) {
            try await repo.fetch(
                from: url, refspecs: ["+refs/heads/main:refs/heads/main"],
                auth: ssh.auth(.pinnedSHA256(ssh.fingerprint), key: stranger))
        }
        #expect(authError.code == .auth)
        #expect(authError.message.hasPrefix("authentication to 127.0.0.1 failed"))
        let tries = ssh.server.output.components(separatedBy: "Failed publickey").count - 1
        #expect(tries >= 1 && tries <= 3)
    }
}
