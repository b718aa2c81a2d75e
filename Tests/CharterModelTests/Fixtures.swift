import CharterModel

/// A small valid organization, as files, that tests change one piece at a time.
enum Fixtures {
    static let organization = """
        apiVersion: charter/v1
        kind: Organization
        metadata:
          name: acme
        spec:
          displayName: Acme
          timeZone: Europe/Berlin
        """

    static let people = """
        apiVersion: charter/v1
        kind: Person
        metadata:
          name: ada
        spec:
          displayName: Ada
          email: ada@acme.example
        ---
        apiVersion: charter/v1
        kind: Person
        metadata:
          name: bob
        spec:
          displayName: Bob
          manager: ada
          teams: [core]
        ---
        apiVersion: charter/v1
        kind: Person
        metadata:
          name: scribe-bot
        spec:
          displayName: Scribe
          type: agent
          role: scribe
        """

    static let team = """
        apiVersion: charter/v1
        kind: Team
        metadata:
          name: core
        spec:
          displayName: Core
          lead: ada
          members: [ada]
        """

    static let role = """
        apiVersion: charter/v1
        kind: Role
        metadata:
          name: scribe
        spec:
          capacityClass: general
        ---
        apiVersion: charter/v1
        kind: CapacitySource
        metadata:
          name: offline
        spec:
          provider: offline
          class: general
        """

    static let board = """
        apiVersion: charter/v1
        kind: Board
        metadata:
          name: exec
        spec:
          displayName: Exec
          members:
            - person: ada
            - team: core
          quorum:
            rule: majority
        """

    static let workflow = """
        apiVersion: charter/v1
        kind: Template
        metadata:
          name: standup
        spec:
          parameters:
            - name: topic
              default: status
            - name: rounds
              type: int
              default: 2
          steps:
            - name: notes
              type: agent
              role: scribe
              prompt: "Write notes about ${{ params.topic }}"
            - name: publish
              type: shell
              needs: [notes]
              run: echo done
        ---
        apiVersion: charter/v1
        kind: Routine
        metadata:
          name: daily
        spec:
          schedule: "0 9 * * MON-FRI"
          template: standup
          arguments:
            topic: weekly
        """

    static var valid: [String: String] {
        [
            "organization.yaml": organization, "people.yaml": people, "teams/core.yaml": team, "roles.yaml": role,
            "boards/exec.yaml": board, "workflow.yaml": workflow,
        ]
    }

    static func files(_ files: [String: String]) -> [SourceFile] {
        files.sorted { $0.key < $1.key }.map { SourceFile(path: $0.key, contents: .bytes(Array($0.value.utf8))) }
    }

    static func load(_ files: [String: String]) -> LoadResult { Loader.load(Self.files(files)) }

    /// The valid organization with one file replaced or added.
    static func load(replacing path: String, with text: String) -> LoadResult {
        var f = valid
        f[path] = text
        return load(f)
    }
}
