import Postgres

extension HubMigrations {
    /// The hub's certificate authority (docs/pki.md): its one CA, the lifetime of the certificates it issues
    /// (`/api/pki/lifetime/1/`, manual L11383-11417) and the record of what it issued to worker nodes.
    static let pki = Migration(
        version: 7, name: "certificate authority, certificate lifetime, issued certificates",
        sql: """
            -- One row: generated at the first start, shared by every replica. The key is secret: never served.
            CREATE TABLE pki_ca (
                id               smallint PRIMARY KEY CHECK (id = 1),
                certificate_pem  text NOT NULL,
                private_key_pem  text NOT NULL,
                created          timestamptz NOT NULL DEFAULT now()
            );
            -- One row (id 1): days a newly issued certificate is valid (CERTIFICATE_LIFE_TIME_DAYS, L7197).
            CREATE TABLE pki_certificate_lifetime (
                id          integer PRIMARY KEY CHECK (id = 1),
                days        integer NOT NULL CHECK (days BETWEEN 1 AND 36500),
                updated_at  timestamptz NOT NULL DEFAULT now(),
                updated_by  bigint REFERENCES auth_user(id) ON DELETE SET NULL
            );
            INSERT INTO pki_certificate_lifetime (id, days) VALUES (1, 36500);
            -- Client certificates issued by `ngenea-worker join`. Site and node are kept as names: the record
            -- outlives a deleted site.
            CREATE TABLE pki_certificate (
                id          bigserial PRIMARY KEY,
                serial      text NOT NULL UNIQUE,
                site        text NOT NULL,
                node        text NOT NULL,
                not_before  timestamptz NOT NULL,
                not_after   timestamptz NOT NULL,
                issued_by   bigint REFERENCES auth_user(id) ON DELETE SET NULL,
                created     timestamptz NOT NULL DEFAULT now()
            );
            CREATE INDEX pki_certificate_site_node ON pki_certificate (site, node);
            """)
}
