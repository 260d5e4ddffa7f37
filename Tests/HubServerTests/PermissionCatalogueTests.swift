import Testing

@testable import HubServer

@Suite struct PermissionCatalogueTests {
    @Test func theManualsFixedIdsHold() {
        let byID = Dictionary(uniqueKeysWithValues: PermissionCatalogue.all.map { ($0.id, $0) })
        #expect(byID[1] == .init(id: 1, name: "Can view health endpoint", appLabel: "filebrowser", codename: "view_health", model: "node"))
        #expect(byID[2] == .init(id: 2, name: "Can add alert", appLabel: "alerts", codename: "add_alert", model: "alert"))
        #expect(byID[3]?.codename == "change_alert")
        #expect(byID[7] == .init(id: 7, name: "Can change bucket", appLabel: "external_targets", codename: "change_bucket", model: "bucket"))
        #expect(byID[290] == .init(id: 290, name: "Can add log entry", appLabel: "admin", codename: "add_logentry", model: "logentry"))
        #expect(byID[293]?.codename == "view_logentry")
    }

    @Test func idsAndCodenamesAreUniqueAndEveryModelHasFour() {
        let all = PermissionCatalogue.all
        #expect(Set(all.map(\.id)).count == all.count)
        #expect(Set(all.map(\.codename)).count == all.count)
        for model in PermissionCatalogue.models.map(\.model) + ["logentry"] {
            for action in PermissionCatalogue.actions {
                #expect(all.contains { $0.codename == "\(action)_\(model)" }, "\(action)_\(model)")
            }
        }
        // The API's own models are covered.
        for model in ["user", "group", "permission", "clientkey", "site", "node", "job", "task", "workflow", "schedule", "space", "policy"] {
            #expect(PermissionCatalogue.modelNames.contains(model), "\(model)")
        }
    }
}
