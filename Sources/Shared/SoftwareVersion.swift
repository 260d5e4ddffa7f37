/// The version of this software, reported by hub and worker (heartbeats, `/api/health/`, `--version`).
public enum SoftwareVersion {
    public static let current = "0.1.0"
}
