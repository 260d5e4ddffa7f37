import Shared

/// The workflows a new hub starts with: the manual's "Default Workflows" and "Hidden Workflows"
/// (L11969-12186), with labels, icons and field details from the API dump (L25077-25400) and the UI
/// (L1434-1458, L2573-2588) where the reference section gives none.
///
/// `bidirectional_sync` (L10831, L11595) is left out: its steps are not documented anywhere in the
/// manual (spec/03 §16.14), and it runs as two snapdiff phases in one job (L10839, L11607), which
/// a rule list cannot express. It needs its own engine path, not a guessed definition.
public enum DefaultWorkflows {
    public static let all: [WorkflowDefinition] = [
        migrate, premigrate, recall, send, unmanage, siteSync, importToSiteHydrated, importToSiteDehydrated,
        transparentRecall, reverseStub, deleteFile,
    ]

    /// The workflow called `name`, if it is a default one.
    public static func named(_ name: String) -> WorkflowDefinition? {
        all.first { $0.name == name }
    }

    // MARK: - Fields shared by several workflows

    /// Lock levels are `partial`, `implicit`, `none` (L11987). The dump lists only the implicit
    /// choice with this label (L25098-25103); the other two are offered as the reference section says.
    static func lockLevel(default value: String = "implicit") -> WorkflowField {
        WorkflowField(
            name: "lock_level", label: "Locking mode", type: "choices", defaultValue: .string(value),
            choices: [
                ["label": "Partial", "value": "partial"],
                ["label": "Per block (Implicit)", "value": "implicit"],
                ["label": "None", "value": "none"],
            ])
    }

    /// A queue on another site: a plain string, since `enum[queue]` lists the submission site's queues
    /// (L10399). Null by default, which leaves the step on the submission's queue, or `default` where
    /// the destination lacks it (L10094).
    static func destinationQueue() -> WorkflowField {
        WorkflowField(
            name: "destinationqueue", label: "Destination queue", type: "string", defaultValue: .null)
    }

    /// Recursive discovery, reporting missing paths: the options the API dump shows (L25126-25128).
    static let recursiveOptions: [String: JSONValue] = ["allow_missing_paths": false]

    static func allRule(_ steps: [ActionStep], description: String? = nil) -> FilterRule {
        FilterRule(state: "all", type: "all", action: steps, description: description)
    }

    // MARK: - Visible defaults (L11975-12146)

    /// L11975-11987 and L25081-25129. The reference section says the default lock level is `partial`
    /// (L11987); the API dump (L25104) and the task's own default (L12236) say `implicit`, as do
    /// premigrate and recall. We follow the dump: it is what the product returns.
    public static let migrate = WorkflowDefinition(
        name: "migrate", label: "Dehydrate", iconClasses: ["hurricane-01"], discovery: "recursive",
        discoveryOptions: recursiveOptions, fields: [lockLevel()],
        filterRules: [
            allRule(
                [ActionStep(name: "dynamo.tasks.migrate", kwargs: ["lock_level": "*lock_level"])],
                description: "Migrates a file off from a given path")
        ])

    /// L11989-12002 and L25131-25177 (which spells the kwarg `pre_migrate`).
    public static let premigrate = WorkflowDefinition(
        name: "premigrate", label: "Pre-Stage", iconClasses: ["check-done-01"], discovery: "recursive",
        discoveryOptions: recursiveOptions, fields: [lockLevel()],
        filterRules: [
            allRule(
                [ActionStep(name: "dynamo.tasks.migrate", kwargs: ["lock_level": "*lock_level", "premigrate": true])],
                description: "Premigrates a file on a given site")
        ])

    /// L12004-12016; labelled Hydrate in the UI (L1444, L2580).
    public static let recall = WorkflowDefinition(
        name: "recall", label: "Hydrate", discovery: "recursive", fields: [lockLevel()],
        filterRules: [allRule([ActionStep(name: "dynamo.tasks.recall", kwargs: ["lock_level": "*lock_level"])])])

    /// L12018-12035: premigrate on the source, then create the files on the destination.
    /// `destinationsite` is "(string)" in the reference; it is declared `enum[site]` (as the ngclient
    /// example's `destinationsite` is, L17806) so the UI offers the sites and submissions are checked.
    public static let send = WorkflowDefinition(
        name: "send", label: "Send", discovery: "recursive",
        fields: [
            WorkflowField(name: "destinationsite", label: "Destination site", type: "enum[site]"),
            destinationQueue(),
            WorkflowField(name: "hydrate", label: "Hydrate files on the destination site", type: "bool"),
        ],
        filterRules: [
            allRule([
                ActionStep(name: "dynamo.tasks.remove_location_xattrs_for_moved"),
                ActionStep(name: "dynamo.tasks.migrate", kwargs: ["premigrate": true]),
                ActionStep(
                    name: "dynamo.tasks.reverse_stub", site: "*destinationsite", queue: "*destinationqueue",
                    kwargs: ["hydrate": "*hydrate"]),
            ])
        ])

    /// L12037-12051. `no_flock` "(optional)" is the task's bool (L12283-12293); `storage_key` "(pattern)"
    /// is a string whose null default means "all keys".
    public static let unmanage = WorkflowDefinition(
        name: "unmanage", label: "Unmanage", discovery: "recursive",
        fields: [
            WorkflowField(name: "no_flock", label: "Disable lock files", type: "bool", defaultValue: false),
            lockLevel(),
            WorkflowField(
                name: "storage_key", label: "Storage keys to remove (extended globs separated by |)", type: "string",
                defaultValue: .null),
        ],
        filterRules: [
            allRule([
                ActionStep(
                    name: "dynamo.tasks.unmanage",
                    kwargs: ["lock_level": "*lock_level", "no_flock": "*no_flock", "storage_key": "*storage_key"])
            ])
        ])

    /// L12053-12112; labelled "Sync Space to Site" in the UI (L1448, L2587). Run with the link point of
    /// an independent fileset (L12059). Wiring the manual leaves implicit:
    /// - moves and deletes are applied on the destination (L12100, L12108), so those steps run there;
    /// - "subject to sync_preference" (L12071, L12085) reaches `reverse_stub` as its `conflict_preference`,
    ///   which takes the same three values (L12262-12281), and `check_sync_state` as `sync_preference`;
    /// - `check_sync_state` names the site to compare with `site` (L12318), but `site` in an action is
    ///   where the step runs (L10357), so the comparison site travels as `target_site`;
    /// - `sync_preference` defaults to `local`: one-way sync does not consider the destination's
    ///   changes (L11561). The reference gives no default.
    /// - `snappdiff_rotate_on_error` (sic, L11909) is read by the engine, not by a step; true is the
    ///   documented default (L11901).
    public static let siteSync: WorkflowDefinition = {
        let toDestination: (String, [String: JSONValue]) -> ActionStep = { task, kwargs in
            ActionStep(name: task, site: "*destination", queue: "*destinationqueue", kwargs: kwargs)
        }
        let send: [ActionStep] = [
            ActionStep(name: "dynamo.tasks.remove_location_xattrs_for_moved"),
            ActionStep(
                name: "dynamo.tasks.migrate", kwargs: ["premigrate": true, "overwrite": true, "abort_missing": true]),
            toDestination("dynamo.tasks.reverse_stub", ["overwrite": true, "conflict_preference": "*sync_preference"]),
        ]
        let check = ActionStep(
            name: "dynamo.tasks.check_sync_state",
            kwargs: ["sync_preference": "*sync_preference", "target_site": "*destination"])
        return WorkflowDefinition(
            name: "site_sync", label: "Sync Space to Site", discovery: "snapdiff",
            fields: [
                WorkflowField(name: "destination", label: "Destination site", type: "enum[site]"),
                destinationQueue(),
                WorkflowField(
                    name: "sync_preference", label: "Conflict resolution", type: "choices", defaultValue: "local",
                    choices: [
                        ["label": "Newest", "value": "newest"],
                        ["label": "Local", "value": "local"],
                        ["label": "Ignore", "value": "ignore"],
                    ]),
                WorkflowField(
                    name: "snappdiff_rotate_on_error", label: "Rotate snapshots on error", type: "bool",
                    defaultValue: true),
            ],
            filterRules: [
                FilterRule(
                    state: "created", type: "all", action: send,
                    description: "Files with state created are sent to the destination site"),
                FilterRule(
                    state: "updated", type: "all", action: [check] + send,
                    description: "Files with state updated are sent to the destination site"),
                FilterRule(
                    state: "moved", type: "all", action: [toDestination("dynamo.tasks.move_paths_on_gpfs", [:])],
                    description: "Files with state moved are moved in place on the destination site"),
                FilterRule(
                    state: "deleted", type: "all", action: [toDestination("dynamo.tasks.delete_paths_from_gpfs", [:])],
                    description: "Files with state deleted are removed on the destination site"),
            ])
    }()

    /// L12114-12146. Paths are remote object paths of an external target (L12372), hence
    /// `external_only` ("only applicable to external targets", L25225). `lock_level` is "(string)" in
    /// the reference with the same three values; it is a choices field like the others.
    static func importToSite(hydrated: Bool) -> WorkflowDefinition {
        WorkflowDefinition(
            name: hydrated ? "import_to_site_hydrated" : "import_to_site_dehydrated",
            label: hydrated ? "Import to Site (hydrated)" : "Import to Site (dehydrated)",
            discovery: nil, externalOnly: true,
            fields: [
                WorkflowField(name: "endpoint", label: "Ngenea target", type: "string"),
                WorkflowField(name: "location", label: "Local destination path", type: "string", defaultValue: .null),
                lockLevel(),
            ],
            filterRules: [
                allRule([
                    ActionStep(
                        name: "dynamo.tasks.import_files_from_external_target",
                        kwargs: [
                            "endpoint": "*endpoint", "location": "*location", "lock_level": "*lock_level",
                            "hydrate": .bool(hydrated),
                        ])
                ])
            ])
    }

    public static let importToSiteHydrated = importToSite(hydrated: true)
    public static let importToSiteDehydrated = importToSite(hydrated: false)

    // MARK: - Hidden workflows (L12148-12186)

    /// L12152-12161: run by the transparent-recall policy on the paths it is given, so no discovery.
    public static let transparentRecall = WorkflowDefinition(
        name: "transparent_recall", label: "Transparent Recall", discovery: nil, visible: false,
        filterRules: [allRule([ActionStep(name: "dynamo.tasks.recall", kwargs: ["lock_level": "partial"])])])

    /// L12163-12174 and L25358-25400.
    public static let reverseStub = WorkflowDefinition(
        name: "reverse_stub", label: "Reverse Stub", discovery: nil, visible: false,
        fields: [
            WorkflowField(name: "hydrate", label: "Hydrate files on site", type: "bool"),
            WorkflowField(name: "overwrite", label: "Overwrite files on site", type: "bool"),
        ],
        filterRules: [
            allRule([
                ActionStep(name: "dynamo.tasks.reverse_stub", kwargs: ["hydrate": "*hydrate", "overwrite": "*overwrite"])
            ])
        ])

    /// L12176-12186, icons and description from the example definition at L8722-8747. (That section
    /// says the hub has no delete workflow by default, L8720; the reference section, which lists it, wins.)
    public static let deleteFile = WorkflowDefinition(
        name: "delete_file", label: "Delete File",
        iconClasses: ["fa fa-cloud fa-stack-2x text-success", "fa fa-angle-up fa-stack-2x text-light"],
        discovery: nil, visible: false,
        fields: [
            WorkflowField(name: "recursive", label: "Delete non-empty directories", type: "bool", defaultValue: false)
        ],
        filterRules: [
            allRule(
                [ActionStep(name: "dynamo.tasks.delete_paths_from_gpfs", kwargs: ["recursive": "*recursive"])],
                description: "Delete the file at a given path")
        ])
}
