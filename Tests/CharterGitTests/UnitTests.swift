import Foundation
import Testing

@testable import CharterGit

@Suite struct UnitTests {
    @Test func objectIDValidatesAndShortens() {
        let id = ObjectID(hex: "ABCDEF0123456789abcdef0123456789ABCDEF01")
        #expect(id?.hex == "abcdef0123456789abcdef0123456789abcdef01")
        #expect(id?.short == "abcdef0")
        #expect(ObjectID(hex: "abc") == nil)
        #expect(ObjectID(hex: String(repeating: "g", count: 40)) == nil)
        #expect(ObjectID(id!.oid) == id)
    }

    @Test func redactsUserinfo() {
        #expect(redactingURLs(in: "fetch from https://user:s3cret@host/repo") == "fetch from https://***@host/repo")
        #expect(
            redactingURLs(in: "https://TOKEN@github.com/a/b and ssh://git@h:22/x")
                == "https://***@github.com/a/b and ssh://git@h:22/x")
        #expect(redactingURLs(in: "ssh://git:pw@h/x") == "ssh://git:***@h/x")
        #expect(redactingURLs(in: "git+ssh://u@h/x http://a:b@h") == "git+ssh://u@h/x http://***@h")
        #expect(redactingURLs(in: "git@host:path/repo") == "git@host:path/repo")
        #expect(redactingURLs(in: "https://host/a@b") == "https://host/a@b")
        let error = GitError(code: .auth, message: "bad https://u:tok@h/x", operation: "fetch x from https://u:tok@h/x")
        #expect(!error.description.contains("tok"))
    }

    @Test func parsesRemoteEndpoints() {
        let ssh = RemoteEndpoint("ssh://git@Example.com:2222/org/repo.git")
        #expect(ssh.scheme == "ssh" && ssh.host == "Example.com" && ssh.port == 2222)
        #expect(ssh.knownHostsName == "[Example.com]:2222")
        let scp = RemoteEndpoint("git@github.com:org/repo.git")
        #expect(scp.scheme == "ssh" && scp.host == "github.com" && scp.port == nil)
        #expect(scp.knownHostsName == "github.com")
        let https = RemoteEndpoint("https://tok@[::1]:8443/r")
        #expect(https.scheme == "https" && https.host == "::1" && https.port == 8443)
        #expect(RemoteEndpoint("/srv/repo.git").scheme == "local")
        #expect(RemoteEndpoint("file:///srv/repo.git").host == nil)
    }

    @Test func matchesKnownHosts() throws {
        let key = Data([1, 2, 3, 4])
        let other = Data([9, 9])
        let file = """
            # comment
            example.com,*.example.org,!bad.example.org ssh-ed25519 \(key.base64EncodedString())
            [127.0.0.1]:2222 ssh-ed25519 \(key.base64EncodedString()) comment
            @revoked revoked.example.com ssh-ed25519 \(key.base64EncodedString())
            revoked.example.com ssh-ed25519 \(key.base64EncodedString())
            |1|abc=|def= ssh-ed25519 \(key.base64EncodedString())
            """
        let hosts = KnownHosts(contents: file)
        #expect(hosts.verdict(host: "example.com", key: key) == .trusted)
        #expect(hosts.verdict(host: "EXAMPLE.com", key: key) == .trusted)
        #expect(hosts.verdict(host: "git.example.org", key: key) == .trusted)
        #expect(hosts.verdict(host: "bad.example.org", key: key) == .unknown)
        #expect(hosts.verdict(host: "example.com", key: other) == .unknown)
        #expect(hosts.verdict(host: "[127.0.0.1]:2222", key: key) == .trusted)
        #expect(hosts.verdict(host: "127.0.0.1", key: key) == .unknown)
        #expect(hosts.verdict(host: "revoked.example.com", key: key) == .revoked)
    }

    @Test func authDescriptionHidesSecrets() {
        let auth = GitAuth(.httpsToken(username: "bot", token: "ghp_SECRET"))
        #expect(!auth.description.contains("SECRET"))
        var dumped = ""
        dump(auth, to: &dumped)
        #expect(!dumped.contains("SECRET"))
        let key = GitAuth(.sshKeyFile(user: "git", privateKeyPath: "/k", passphrase: "PASSPHRASE"))
        #expect(!key.description.contains("PASSPHRASE"))
    }

    @Test func refusesUnsafeTreePaths() {
        for path in ["", "/abs", "a//b", "a/../b", ".git/config", "a/.GIT/x", "dir/", "a\\b", "./a"] {
            #expect(!GitRepository.isSafeTreePath(path), "\(path)")
        }
        #expect(GitRepository.isSafeTreePath("teams/platform.yaml"))
        #expect(GitRepository.isSafeTreePath(".gitignore"))
    }
}
