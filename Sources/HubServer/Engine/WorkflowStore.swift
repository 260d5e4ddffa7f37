import Foundation
import HubCore
import Logging
import Postgres
import Shared

/// Workflow definitions in PostgreSQL, stored as HubCore's `WorkflowDefinition` JSON.
struct WorkflowStore: Sendable {
    let pool: PostgresPool

    struct Row: Sendable {
        var id: Int64
        var definition: WorkflowDefinition
    }

    /// Adds the default workflows (spec/03 section 12) that are missing. An administrator's changes to a
    /// default are kept: an existing name is never overwritten, and a deleted default is not re-created
    /// once the hub has seeded it (the `workflows_seeded` marker).
    func seedDefaults(logger: Logger) async throws {
        let encoder = WireCoding.encoder()
        let definitions = try DefaultWorkflows.all.map { String(decoding: try encoder.encode($0), as: UTF8.self) }
        let names = DefaultWorkflows.all.map(\.name)
        let added = try await pool.transaction { conn in
            try conn.execute("SELECT pg_advisory_xact_lock(727401)")
            return try conn.query(
                """
                WITH candidates AS (
                    SELECT n.name, n.definition::jsonb AS definition
                    FROM unnest($1::text[], $2::text[]) AS n(name, definition)
                    WHERE NOT EXISTS (SELECT 1 FROM workflows_seeded s WHERE s.name = n.name)
                ), inserted AS (
                    INSERT INTO workflows (name, definition) SELECT name, definition FROM candidates
                    ON CONFLICT (name) DO NOTHING RETURNING name
                ), marked AS (
                    INSERT INTO workflows_seeded (name) SELECT name FROM candidates ON CONFLICT DO NOTHING
                )
                SELECT name FROM inserted
                """, [.array(names), .array(definitions)]
            ).decodeColumn(String.self, "name")
        }
        if !added.isEmpty { logger.info("seeded default workflows \(added)") }
    }

    private static func row(_ row: PostgresRow) throws -> Row {
        let text = try row.decode(String.self, "definition")
        return Row(
            id: try row.decode(Int64.self, "id"),
            definition: try WireCoding.decode(WorkflowDefinition.self, from: Array(text.utf8)))
    }

    func count() async throws -> Int {
        try await pool.query("SELECT count(*) AS n FROM workflows").decodeColumn(Int.self, "n").first ?? 0
    }

    func list(limit: Int?, offset: Int) async throws -> [Row] {
        try await pool.query(
            "SELECT id, definition::text AS definition FROM workflows ORDER BY id LIMIT $1 OFFSET $2",
            [limit.map { .int($0) }, .int(offset)]
        ).map(Self.row)
    }

    func find(id: Int64) async throws -> Row? {
        try await pool.query("SELECT id, definition::text AS definition FROM workflows WHERE id = $1", [.int64(id)])
            .map(Self.row).first
    }

    func find(name: String) async throws -> Row? {
        try await pool.query("SELECT id, definition::text AS definition FROM workflows WHERE name = $1", [.string(name)])
            .map(Self.row).first
    }

    /// Creates a workflow; nil when the name is taken.
    func create(_ definition: WorkflowDefinition) async throws -> Int64? {
        let json = try PostgresBind.json(encoding: definition, encoder: WireCoding.encoder())
        return try await pool.query(
            "INSERT INTO workflows (name, definition) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING RETURNING id",
            [.string(definition.name), json]
        ).decodeColumn(Int64.self, "id").first
    }

    func update(id: Int64, _ definition: WorkflowDefinition) async throws {
        let json = try PostgresBind.json(encoding: definition, encoder: WireCoding.encoder())
        _ = try await pool.execute(
            "UPDATE workflows SET definition = $2, modified = now() WHERE id = $1", [.int64(id), json])
    }

    func delete(id: Int64) async throws -> Bool {
        try await pool.execute("DELETE FROM workflows WHERE id = $1", [.int64(id)]) > 0
    }
}
