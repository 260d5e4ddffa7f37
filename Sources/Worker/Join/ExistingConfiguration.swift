import Foundation

/// What `join` reads from the worker configuration, if the file exists: the defaults for the site, the
/// node name, the hub, and the `openssl` command. Read leniently (only these keys), because a worker
/// being set up may not have a complete file yet; the full validation is the daemon's.
struct ExistingConfiguration {
    var path: String
    var exists: Bool
    var site: String?
    var nodeName: String?
    var hub: HubEndpoint?
    var commands: [String: String] = [:]
    /// The file's text, kept as it is apart from the keys `join` sets.
    var text: String?

    static func read(path: String) throws(JoinFailure) -> ExistingConfiguration {
        guard FileManager.default.fileExists(atPath: path) else { return ExistingConfiguration(path: path, exists: false) }
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw .usage("\(path): cannot read the worker configuration (permission denied, or not UTF-8 text)")
        }
        do {
            let ini = try INIFile(text: text, path: path)
            var result = ExistingConfiguration(path: path, exists: true, text: text)
            guard let section = ini.section("settings") else { return result }
            let reader = SectionReader(section: section, path: path)
            result.site = try reader.optionalString("site")
            result.nodeName = try reader.optionalString("node_name")
            result.commands = (try? reader.stringMap("commands")) ?? [:]
            if let host = try reader.optionalString("api_host") {
                result.hub = HubEndpoint(
                    secure: try reader.bool("api_secure", default: true), host: host,
                    port: try reader.int("api_port", default: 8000, range: 1...65535))
            }
            return result
        } catch {
            throw .usage("\(error)")
        }
    }
}
