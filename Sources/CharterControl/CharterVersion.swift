/// Charter's release version.
public enum CharterVersion {
    public static let current = "0.1.0"
}
