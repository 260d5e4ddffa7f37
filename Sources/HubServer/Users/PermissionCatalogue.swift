/// The permission catalogue: Django-style `{id, name, app_label, codename, model}` entries, `add_`,
/// `change_`, `delete_` and `view_` for every model the API exposes (spec/04), plus `view_health`.
///
/// Ids are part of the API (groups list permission ids), so they are fixed here, never derived from
/// insertion order at run time. The manual's fixed points are kept: 1 `view_health`, 2 `add_alert`,
/// 3 `change_alert`, 7 `change_bucket`, 290 `add_logentry` (L20058-20071, L20134-20157, L20206-20214).
/// **Append only**: a new model goes at the end of `models`; reordering would renumber stored permissions.
enum PermissionCatalogue {
    struct Entry: Sendable, Equatable {
        var id: Int
        var name: String
        var appLabel: String
        var codename: String
        var model: String
    }

    /// (app label, model, verbose name). Each gets four consecutive ids: add, change, delete, view.
    static let models: [(app: String, model: String, verbose: String)] = [
        ("alerts", "alert", "alert"),  // 2-5
        ("external_targets", "bucket", "bucket"),  // 6-9
        ("external_targets", "externaltarget", "external target"),
        ("external_targets", "datastore", "datastore"),
        ("external_targets", "ipaddress", "ip address"),
        ("external_targets", "sitelink", "site link"),
        ("actions", "action", "action"),
        ("configurations", "configuration", "configuration"),
        ("features", "feature", "feature"),
        ("filebrowser", "node", "node"),
        ("filebrowser", "filestatustype", "file status type"),
        ("jobs", "job", "job"),
        ("jobs", "jobstat", "job stat"),
        ("jobs", "task", "task"),
        ("pki", "certificate", "certificate"),
        ("pki", "certificatelifetime", "certificate lifetime"),
        ("policies", "policy", "policy"),
        ("queues", "queue", "queue"),
        ("schedules", "schedule", "schedule"),
        ("search", "search", "search"),
        ("search", "tag", "tag"),
        ("servers", "server", "server"),
        ("settings", "setting", "setting"),
        ("settings", "settingstask", "settings task"),
        ("shares", "nfsshare", "nfs share"),
        ("shares", "sambashare", "samba share"),
        ("sites", "site", "site"),
        ("sites", "filesystem", "filesystem"),
        ("sites", "fileset", "fileset"),
        ("sites", "storagepool", "storage pool"),
        ("spaces", "space", "space"),
        ("workflows", "workflow", "workflow"),
        ("auth", "user", "user"),
        ("auth", "group", "group"),
        ("auth", "permission", "permission"),
        ("clientkeys", "clientkey", "client key"),
    ]

    /// Models whose ids are pinned by the manual rather than by their place in `models`.
    static let pinned: [(id: Int, app: String, model: String, verbose: String)] = [
        (290, "admin", "logentry", "log entry")  // 290-293
    ]

    static let actions = ["add", "change", "delete", "view"]

    static let all: [Entry] = {
        var entries = [
            Entry(id: 1, name: "Can view health endpoint", appLabel: "filebrowser", codename: "view_health", model: "node")
        ]
        var next = 2
        for model in models {
            for action in actions {
                entries.append(
                    Entry(id: next, name: "Can \(action) \(model.verbose)", appLabel: model.app,
                          codename: "\(action)_\(model.model)", model: model.model))
                next += 1
            }
        }
        precondition(next < 290, "the catalogue has grown into the pinned ids; continue numbering after them")
        for model in pinned {
            for (offset, action) in actions.enumerated() {
                entries.append(
                    Entry(id: model.id + offset, name: "Can \(action) \(model.verbose)", appLabel: model.app,
                          codename: "\(action)_\(model.model)", model: model.model))
            }
        }
        return entries
    }()

    /// Whether the Users group (read-only) gets a permission when it is first created: every `view_`.
    static func isReadOnly(_ entry: Entry) -> Bool { entry.codename.hasPrefix("view_") }

    /// Model names, for validating object permissions.
    static let modelNames: Set<String> = Set(all.map(\.model))
}
