/// The version of the JSON messages exchanged between hub and workers.
///
/// Every message carries it as `"v"`. Add fields as optionals and keep the version; bump it only for a
/// change an older peer cannot safely ignore. A peer that receives a newer major version refuses the
/// message with a clear error instead of guessing (see `docs/wire-protocol.md`).
public enum WireVersion {
    public static let current = 1
}
