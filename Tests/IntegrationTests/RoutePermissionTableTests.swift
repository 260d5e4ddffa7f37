import Foundation
import Testing

/// Walks every route the hub registered (read from its own OpenAPI document) as anonymous, as a member of
/// Users (read-only) and as an administrator, and checks the answer against this table. A route added to
/// the hub without an entry here fails the suite, and so does one whose permission is not what the table
/// says.
@Suite struct RoutePermissionTableTests {
    enum Expect: Equatable {
        /// Anyone, no credentials.
        case `public`
        /// Credentials needed; `member` says whether a Users member passes the permission check.
        case protected(member: Bool)
    }

    static let table: [String: Expect] = [
        "POST /api/auth/token/": .public,
        "POST /api/auth/token/refresh/": .public,
        "POST /api/auth/token/verify/": .public,
        "GET /api/auth/token/publickey/": .public,
        "GET /api/auth/clientkeys/": .protected(member: true),
        "POST /api/auth/clientkeys/": .protected(member: false),
        "GET /api/auth/clientkeys/{id}/": .protected(member: true),
        "PATCH /api/auth/clientkeys/{id}/": .protected(member: false),
        "DELETE /api/auth/clientkeys/{id}/": .protected(member: false),
        "GET /api/users/": .protected(member: true),
        "POST /api/users/": .protected(member: false),
        "POST /api/users/change_password/": .protected(member: true),
        "GET /api/users/{username}/": .protected(member: true),
        "PATCH /api/users/{username}/": .protected(member: false),
        "DELETE /api/users/{username}/": .protected(member: false),
        "POST /api/users/{username}/activate/": .protected(member: false),
        "POST /api/users/{username}/deactivate/": .protected(member: false),
        "GET /api/groups/": .protected(member: true),
        "POST /api/groups/": .protected(member: false),
        "GET /api/groups/{id}/": .protected(member: true),
        "PATCH /api/groups/{id}/": .protected(member: false),
        "DELETE /api/groups/{id}/": .protected(member: false),
        "GET /api/permissions/": .protected(member: true),
        "GET /api/permissions/{id}/": .protected(member: true),
        "GET /api/my-permissions/": .protected(member: true),
        "GET /api/health/": .protected(member: true),
        "GET /api/nodes/": .protected(member: true),
        "GET /api/nodes/{id}/": .protected(member: true),
        "PATCH /api/nodes/{id}/": .protected(member: false),
        "DELETE /api/nodes/{id}/": .protected(member: false),
        "GET /api/workflows/": .protected(member: true),
        "POST /api/workflows/": .protected(member: false),
        "GET /api/workflows/{id}/": .protected(member: true),
        "PATCH /api/workflows/{id}/": .protected(member: false),
        "DELETE /api/workflows/{id}/": .protected(member: false),
        "POST /api/file/workflow/": .protected(member: false),
        "GET /api/jobs/": .protected(member: true),
        "POST /api/jobs/": .protected(member: false),
        "GET /api/jobs/recent/": .protected(member: true),
        "GET /api/jobs/stats/": .protected(member: true),
        "GET /api/jobs/jobtype_choices/": .protected(member: true),
        "GET /api/jobs/{id}/": .protected(member: true),
        "PATCH /api/jobs/{id}/": .protected(member: false),
        "DELETE /api/jobs/{id}/": .protected(member: false),
        "POST /api/jobs/{id}/cancel/": .protected(member: false),
        "POST /api/jobs/{id}/pause/": .protected(member: false),
        "POST /api/jobs/{id}/resume/": .protected(member: false),
        "POST /api/jobs/{id}/resubmit/": .protected(member: false),
        "GET /api/jobs/{id}/progress/": .protected(member: true),
        "GET /api/jobs/{id}/statistics/": .protected(member: true),
        "GET /api/jobs/{id}/files/": .protected(member: true),
        "GET /api/jobstats/": .protected(member: true),
        "GET /api/jobstats/{id}/": .protected(member: true),
        "GET /api/jobstats/{id}/history/": .protected(member: true),
        "GET /api/tasks/": .protected(member: true),
        "GET /api/tasks/{id}/": .protected(member: true),
        "GET /api/tasks/{id}/files/": .protected(member: true),
        "GET /api/sites/": .protected(member: true),
        "POST /api/sites/": .protected(member: false),
        "GET /api/sites/{id}/": .protected(member: true),
        "PATCH /api/sites/{id}/": .protected(member: false),
        "DELETE /api/sites/{id}/": .protected(member: false),
        "GET /api/sites/{id}/health/": .protected(member: true),
        "POST /api/sites/{id}/refresh/": .protected(member: false),
        "GET /api/sites/{id}/settings/": .protected(member: true),
        "PATCH /api/sites/{id}/settings/": .protected(member: false),
        "POST /api/sites/{id}/settings/refresh/": .protected(member: false),
        "GET /api/filesystems/": .protected(member: true),
        "GET /api/filesystems/{id}/": .protected(member: true),
        "GET /api/filesets/": .protected(member: true),
        "GET /api/storagepools/": .protected(member: true),
        "GET /api/storagepools/{id}/": .protected(member: true),
        "GET /api/servers/": .protected(member: true),
        "GET /api/servers/{id}/": .protected(member: true),
        "GET /api/configurations/": .protected(member: true),
        "PATCH /api/configurations/": .protected(member: false),
        "GET /api/features/": .protected(member: true),
        "GET /api/features/{name}/": .protected(member: true),
        "PATCH /api/features/{name}/": .protected(member: false),
        "GET /api/settings/": .protected(member: true),
        "PATCH /api/settings/": .protected(member: false),
        "POST /api/settings/sync/": .protected(member: false),
        "GET /api/settingstasks/": .protected(member: true),
        "GET /api/settingstasks/{id}/": .protected(member: true),
        "GET /api/alerts/": .protected(member: true),
        "GET /api/alerts/{id}/": .protected(member: true),
        "PATCH /api/alerts/{id}/": .protected(member: false),
        "GET /api/schedules/": .protected(member: true),
        "POST /api/schedules/": .protected(member: false),
        "GET /api/schedules/{id}/": .protected(member: true),
        "PATCH /api/schedules/{id}/": .protected(member: false),
        "DELETE /api/schedules/{id}/": .protected(member: false),
        "POST /api/schedules/{id}/run/": .protected(member: false),
        "GET /api/schedules/{id}/workflows/": .protected(member: true),
        "POST /api/schedules/{id}/workflows/": .protected(member: false),
        "GET /api/schedules/{id}/workflows/{workflow_id}/": .protected(member: true),
        "PATCH /api/schedules/{id}/workflows/{workflow_id}/": .protected(member: false),
        "DELETE /api/schedules/{id}/workflows/{workflow_id}/": .protected(member: false),
        "GET /api/automatedschedules/": .protected(member: true),
        "GET /api/policies/": .protected(member: true),
        "POST /api/policies/": .protected(member: false),
        "GET /api/policies/{id}/": .protected(member: true),
        "PATCH /api/policies/{id}/": .protected(member: false),
        "DELETE /api/policies/{id}/": .protected(member: false),
        "POST /api/policies/{id}/run/": .protected(member: false),
        "GET /api/datastores/": .protected(member: true),
        "POST /api/datastores/": .protected(member: false),
        "GET /api/datastores/{id}/": .protected(member: true),
        "PATCH /api/datastores/{id}/": .protected(member: false),
        "DELETE /api/datastores/{id}/": .protected(member: false),
        "GET /api/ipaddresses/": .protected(member: true),
        "POST /api/ipaddresses/": .protected(member: false),
        "GET /api/ipaddresses/{id}/": .protected(member: true),
        "PATCH /api/ipaddresses/{id}/": .protected(member: false),
        "DELETE /api/ipaddresses/{id}/": .protected(member: false),
        "GET /api/sitelinks/": .protected(member: true),
        "POST /api/sitelinks/": .protected(member: false),
        "GET /api/sitelinks/{id}/": .protected(member: true),
        "PATCH /api/sitelinks/{id}/": .protected(member: false),
        "DELETE /api/sitelinks/{id}/": .protected(member: false),
        "GET /api/pki/ca/": .protected(member: true),
        "POST /api/pki/enrol/": .protected(member: false),
        "GET /api/pki/certificates/": .protected(member: true),
        "GET /api/pki/lifetime/": .protected(member: true),
        "GET /api/pki/lifetime/{id}/": .protected(member: true),
        "PATCH /api/pki/lifetime/{id}/": .protected(member: false),
        "GET /api/queues/": .protected(member: true),
        "GET /api/queues/{id}/": .protected(member: true),
        "GET /api/schema/": .public,
        "GET /api/docs/": .public,
    ]

    @Test func everyRouteEnforcesItsPermission() async throws {
        try await withTestHub { hub in
            let admin = try await hub.admin()
            let member = try await hub.user("reader", admin: admin)
            let anonymous = hub.api

            let schema = try await anonymous.get("/api/schema/")
            #expect(schema.status == 200)
            let paths = try #require(schema.object["paths"] as? [String: [String: Any]])
            var routes: [(method: String, path: String, operation: [String: Any])] = []
            for (path, operations) in paths {
                for (method, operation) in operations {
                    routes.append((method.uppercased(), path, operation as? [String: Any] ?? [:]))
                }
            }
            let registered = Set(routes.map { "\($0.method) \($0.path)" })
            #expect(registered == Set(Self.table.keys), """
                routes without an entry in the table: \(registered.subtracting(Self.table.keys).sorted())
                entries without a route: \(Set(Self.table.keys).subtracting(registered).sorted())
                """)

            let nobody = "nobody-\(UUID().uuidString.prefix(8))"
            for route in routes.sorted(by: { ($0.path, $0.method) < ($1.path, $1.method) }) {
                let key = "\(route.method) \(route.path)"
                guard let expected = Self.table[key] else { continue }
                // Objects that do not exist: a passed check then gives 404 (or 400 for a bad body), never
                // a side effect on real data.
                let concrete = route.path.replacingOccurrences(of: "{id}", with: "999999")
                    .replacingOccurrences(of: "{username}", with: nobody)
                let body: Any? = route.method == "POST" || route.method == "PATCH" ? [String: Any]() : nil

                let asAnonymous = try await anonymous.send(route.method, concrete, json: body)
                let asMember = try await member.send(route.method, concrete, json: body)
                let asAdmin = try await admin.send(route.method, concrete, json: body)
                switch expected {
                case .public:
                    #expect(asAnonymous.status != 401 && asAnonymous.status != 403, "\(key) as anonymous: \(asAnonymous.status)")
                    #expect((route.operation["security"] as? [Any])?.isEmpty == true, "\(key) is public but documents security")
                case .protected(let memberPasses):
                    #expect(asAnonymous.status == 401, "\(key) as anonymous: \(asAnonymous.status) \(asAnonymous.text)")
                    #expect(asAnonymous.detail == "Authentication credentials were not provided.", "\(key)")
                    #expect((route.operation["security"] as? [Any])?.isEmpty == false, "\(key) does not document its security")
                    if memberPasses {
                        #expect(asMember.status != 401 && asMember.status != 403, "\(key) as a Users member: \(asMember.status) \(asMember.text)")
                    } else {
                        #expect(asMember.status == 403, "\(key) as a Users member: \(asMember.status) \(asMember.text)")
                        #expect(asMember.detail == "You do not have permission to perform this action.", "\(key): \(asMember.text)")
                    }
                }
                #expect(asAdmin.status != 401 && asAdmin.status != 403, "\(key) as administrator: \(asAdmin.status) \(asAdmin.text)")
                #expect(asAdmin.status < 500 && asMember.status < 500 && asAnonymous.status < 500, "\(key) failed with a 5xx")
            }
            return ["Us3r-Pa55word!"]
        }
    }
}
