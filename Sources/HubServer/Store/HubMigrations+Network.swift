import Postgres

extension HubMigrations {
    /// Datastores (external object stores) with their IP addresses, and links between site paths and
    /// datastore paths (manual spec/04 sections 8, 17, 33). Stored and served; not enforced on nodes yet.
    static let network = Migration(
        version: 6, name: "datastores, ip addresses, site links",
        sql: """
            CREATE TABLE datastores (
                id               bigserial PRIMARY KEY,
                name             text NOT NULL UNIQUE,
                type             text NOT NULL,
                endpoint         text,
                region           text,
                bucket           text,
                container        text,
                storageaccount   text,
                credentialsfile  text,
                accesskeyid      text,
                -- credentials: never shown by the API
                accesskey        text,
                secretaccesskey  text
            );
            CREATE TABLE ipaddresses (
                id            bigserial PRIMARY KEY,
                datastore_id  bigint NOT NULL REFERENCES datastores(id) ON DELETE CASCADE,
                ipaddr        inet NOT NULL,
                UNIQUE (datastore_id, ipaddr)
            );
            CREATE TABLE sitelinks (
                id              bigserial PRIMARY KEY,
                site_id         bigint NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
                site_path       text NOT NULL,
                datastore_id    bigint NOT NULL REFERENCES datastores(id) ON DELETE CASCADE,
                datastore_path  text NOT NULL,
                -- Mb/s for traffic over this link; null: the site's own limit
                bandwidth       integer CHECK (bandwidth >= 0),
                UNIQUE (site_id, site_path, datastore_id)
            );
            """)
}
