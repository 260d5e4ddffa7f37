import Foundation

/// `plugins create NAME`: a new plugin folder with a manifest and a template program (manual L8901-8909,
/// where the template is a Python `example_task`; here the task is already named `dynamo.custom.NAME`).
extension PluginDirectory {
    /// Creates `<plugins_dir>/<name>/` with `plugin.json` and `bin/<name>`.
    /// - Throws: `PluginError` when the name is invalid, the folder exists, or it cannot be written.
    @discardableResult
    func create(name: String) throws(PluginError) -> PluginBundle {
        do { try PluginManifest.validate(pluginName: name) } catch {
            throw PluginError(path: path, field: nil, message: error.message)
        }
        let folder = path + "/" + name
        let files = FileManager.default
        guard !files.fileExists(atPath: folder) else {
            throw PluginError(path: folder, field: nil, message: "already exists")
        }
        let program = folder + "/bin/" + name
        do {
            try files.createDirectory(atPath: folder + "/bin", withIntermediateDirectories: true)
            try Data(Self.manifestTemplate(name: name).utf8).write(to: URL(fileURLWithPath: folder + "/" + PluginManifest.fileName))
            try Data(Self.programTemplate.replacingOccurrences(of: "@TASK@", with: PluginManifest.taskPrefix + name).utf8)
                .write(to: URL(fileURLWithPath: program))
            try files.setAttributes([.posixPermissions: 0o755], ofItemAtPath: program)
        } catch {
            throw PluginError(path: folder, field: nil, message: "cannot create: \(error.localizedDescription)")
        }
        return try PluginBundle.load(folder: folder, requireFolderName: true)
    }

    static func manifestTemplate(name: String) -> String {
        """
        {
          "name": "\(name)",
          "version": "0.1.0",
          "description": "What \(name) does.",
          "tasks": [
            {"name": "\(PluginManifest.taskPrefix)\(name)", "exec": "bin/\(name)", "timeout": 600}
          ]
        }

        """
    }

    /// The template program: Python 3, marks every input path processed (the manual's `example_task`).
    static let programTemplate = #"""
        #!/usr/bin/env python3
        """ngenea-worker plugin task @TASK@ (protocol: docs/plugins.md).

        The task envelope arrives as one JSON object on stdin: jobid, task, task_id, queue, site,
        parsed_queue {site, queue, function}, kwargs (the workflow action's fields) and paths
        ([{"path": ..., "size": ...}]). Print one JSON object per line on stdout, nothing else:
            {"add": {"state": "processed", "path": "/mmfs1/...", "message": ["optional"]}}
            {"log": "any text"}
        States: processed, skipped, aborted, failures. Paths you do not report are not passed on.
        Exit 0 when the task ran; any other status fails the task, with the end of stderr as the reason.
        """
        import json
        import sys


        def emit(**line):
            print(json.dumps(line), flush=True)


        def main():
            envelope = json.load(sys.stdin)
            kwargs = envelope.get("kwargs", {})
            emit(log="job %s: %d paths, kwargs %s" % (envelope["jobid"], len(envelope["paths"]), sorted(kwargs)))
            for item in envelope["paths"]:
                emit(add={"state": "processed", "path": item["path"]})
            return 0


        if __name__ == "__main__":
            sys.exit(main())

        """#
}
