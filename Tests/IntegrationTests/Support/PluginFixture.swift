import Foundation

/// Writes a plugin folder (`plugin.json` plus `bin/run`) with one task run by `script`; returns its path.
@discardableResult
func writePlugin(
    _ name: String, in parent: URL, version: String = "1.0.0", task: String, timeout: Int = 60, script: String
) throws -> String {
    let folder = parent.appendingPathComponent(name)
    try FileManager.default.createDirectory(at: folder.appendingPathComponent("bin"), withIntermediateDirectories: true)
    let program = folder.appendingPathComponent("bin/run").path
    try script.write(toFile: program, atomically: true, encoding: .utf8)
    try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: program)
    try #"{"name": "\#(name)", "version": "\#(version)", "tasks": [{"name": "\#(task)", "exec": "bin/run", "timeout": \#(timeout)}]}"#
        .write(to: folder.appendingPathComponent("plugin.json"), atomically: true, encoding: .utf8)
    return folder.path
}
