/// The tables, in schema `tokend`, and the migrations that make them: applied in order, each in
/// its own transaction, recorded in `tokend.schema_migrations` (`tokend store migrate`, and
/// `tokend init`). A release never edits a migration it shipped; it adds the next one.
///
/// Two kinds of table:
/// - `changes`: the change log every host replays (`seq`, the change as the JSON store's journal
///   writes it, minus `seq`), and `instance` (the secret, the last `seq`, the next ids).
/// - the records, normalised, for operators to query: `users`, `tokens` (unique keyed digest),
///   `token_families` (one row per rotation chain, named by its first token), `groups`,
///   `group_shares`, `projects`, `members`, `hooks`, `expiry_notices`, and `audit_events` (GitLab's
///   audit events API reads them). Every write updates them in the same transaction as
///   the log; a host starting up loads them, then follows the log.
enum PostgresSchema {
    static let migrations: [(version: Int, name: String, sql: String)] = [
        (
            1, "tables",
            """
            CREATE SCHEMA IF NOT EXISTS tokend;
            CREATE TABLE tokend.instance (
                id integer PRIMARY KEY CHECK (id = 1),
                secret text NOT NULL,
                last_seq bigint NOT NULL DEFAULT 0,
                next_user_id bigint NOT NULL DEFAULT 1,
                next_token_id bigint NOT NULL DEFAULT 1,
                next_group_id bigint NOT NULL DEFAULT 1,
                next_project_id bigint NOT NULL DEFAULT 1,
                next_hook_id bigint NOT NULL DEFAULT 1,
                audit_key text NOT NULL DEFAULT ''
            );
            CREATE TABLE tokend.changes (
                seq bigint PRIMARY KEY,
                change text NOT NULL,
                committed_at timestamptz NOT NULL DEFAULT now()
            );
            CREATE TABLE tokend.users (
                id bigint PRIMARY KEY,
                username text NOT NULL,
                name text NOT NULL,
                email text NOT NULL,
                is_admin boolean NOT NULL,
                is_bot boolean NOT NULL,
                bot_resource_type text CHECK (bot_resource_type IN ('project', 'group')),
                bot_resource_id bigint,
                state text NOT NULL CHECK (state IN ('active', 'blocked')),
                created_at timestamptz NOT NULL
            );
            CREATE INDEX users_username ON tokend.users (lower(username));
            CREATE TABLE tokend.token_families (
                id bigint PRIMARY KEY,
                user_id bigint NOT NULL,
                created_at timestamptz NOT NULL
            );
            CREATE TABLE tokend.tokens (
                id bigint PRIMARY KEY,
                user_id bigint NOT NULL,
                family_id bigint NOT NULL,
                previous_token_id bigint,
                name text NOT NULL,
                description text,
                scopes text[] NOT NULL,
                digest bytea NOT NULL,
                revoked boolean NOT NULL,
                impersonation boolean NOT NULL,
                expires_at date,
                created_at timestamptz NOT NULL,
                updated_at timestamptz NOT NULL,
                last_used_at timestamptz,
                last_used_ips text[] NOT NULL
            );
            CREATE UNIQUE INDEX tokens_digest ON tokend.tokens (digest);
            CREATE INDEX tokens_user ON tokend.tokens (user_id);
            CREATE INDEX tokens_family ON tokend.tokens (family_id);
            CREATE TABLE tokend.groups (
                id bigint PRIMARY KEY,
                name text NOT NULL,
                path text NOT NULL,
                description text NOT NULL,
                parent_id bigint,
                visibility text NOT NULL,
                created_at timestamptz NOT NULL
            );
            CREATE TABLE tokend.group_shares (
                group_id bigint NOT NULL,
                position integer NOT NULL,
                shared_with_group_id bigint NOT NULL,
                access_level integer NOT NULL,
                expires_at date,
                PRIMARY KEY (group_id, position)
            );
            CREATE TABLE tokend.projects (
                id bigint PRIMARY KEY,
                name text NOT NULL,
                path text NOT NULL,
                description text,
                namespace_kind text NOT NULL CHECK (namespace_kind IN ('group', 'user')),
                namespace_id bigint NOT NULL,
                visibility text NOT NULL,
                created_at timestamptz NOT NULL
            );
            CREATE TABLE tokend.members (
                resource_type text NOT NULL CHECK (resource_type IN ('project', 'group')),
                resource_id bigint NOT NULL,
                user_id bigint NOT NULL,
                access_level integer NOT NULL,
                expires_at date,
                created_at timestamptz NOT NULL,
                created_by bigint,
                PRIMARY KEY (resource_type, resource_id, user_id)
            );
            CREATE INDEX members_user ON tokend.members (user_id);
            -- Webhooks and the expiry notices sent through them: the change that put each one, as
            -- the log has it (the replica decodes it as it decodes the log).
            CREATE TABLE tokend.hooks (id bigint PRIMARY KEY, change text NOT NULL);
            CREATE TABLE tokend.expiry_notices (
                hook_id bigint NOT NULL,
                token_id bigint NOT NULL,
                notice_interval text NOT NULL,
                change text NOT NULL,
                PRIMARY KEY (hook_id, token_id, notice_interval)
            );
            -- The audit events (GitLab's audit events API reads them), written in the transaction
            -- of the change they describe: `id` is the event's seq in the audit chain (its id in
            -- the API, as on the JSON store), `change_seq` the change's seq in the log, `line` the
            -- event's chained line (seq, jseq, event, prev, mac under audit_key), as the JSON
            -- store's audit files hold it, which `tokend audit verify` checks in `id` order.
            CREATE TABLE tokend.audit_events (
                id bigint PRIMARY KEY,
                change_seq bigint NOT NULL UNIQUE,
                created_at timestamptz NOT NULL,
                entity_type text NOT NULL,
                entity_id bigint,
                line text NOT NULL
            );
            CREATE INDEX audit_events_created_at ON tokend.audit_events (created_at);
            -- Milliseconds since the epoch (the records' times) as a timestamptz, exactly.
            CREATE FUNCTION tokend.ms(bigint) RETURNS timestamptz LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
                AS $ms$ SELECT timestamptz 'epoch' + $1 * interval '1 millisecond' $ms$;
            -- One write: under the write lock, if the log still ends at `since`, appends `entries`
            -- (changes as the JSON store's journal writes them, minus seq) after it, brings the
            -- tables up to date with each, sets the next ids, and returns no row. If another write
            -- committed first it changes nothing and returns the instance's sequence with the
            -- entries after `since`, as tokend's catch-up query does. Its statements are planned
            -- once per connection, which is most of what a write costs the server.
            CREATE FUNCTION tokend.write(since bigint, entries text[], ids bigint[])
            RETURNS TABLE (last_seq bigint, seq bigint, change text) LANGUAGE plpgsql AS $write$
            DECLARE
                current bigint;
                n bigint := since;
                entry text;
                c jsonb;
                r jsonb;
                family bigint;
            BEGIN
                PERFORM pg_advisory_xact_lock(128021892001380);
                SELECT i.last_seq INTO current FROM tokend.instance i;
                IF current IS DISTINCT FROM since THEN
                    RETURN QUERY SELECT current, m.seq, m.change FROM (SELECT 1) one LEFT JOIN LATERAL
                        (SELECT ch.seq, ch.change FROM tokend.changes ch WHERE ch.seq > since ORDER BY ch.seq LIMIT 10001) m ON true
                        ORDER BY m.seq;
                    RETURN;
                END IF;
                FOREACH entry IN ARRAY entries LOOP
                    n := n + 1;
                    INSERT INTO tokend.changes (seq, change) VALUES (n, entry);
                    c := entry::jsonb;
                    r := c->'record';
                    CASE (c->>'kind') || '/' || coalesce(c->>'op', 'put')
                    WHEN 'user/put' THEN
                        INSERT INTO tokend.users (id, username, name, email, is_admin, is_bot, bot_resource_type, bot_resource_id, state, created_at)
                        VALUES ((r->>'id')::bigint, r->>'username', r->>'name', r->>'email', (r->>'admin')::boolean, (r->>'bot')::boolean,
                            r->'bot_of'->>'kind', (r->'bot_of'->>'id')::bigint, r->>'state', tokend.ms((r->>'created_at')::bigint))
                        ON CONFLICT (id) DO UPDATE SET username = EXCLUDED.username, name = EXCLUDED.name, email = EXCLUDED.email,
                            is_admin = EXCLUDED.is_admin, is_bot = EXCLUDED.is_bot, bot_resource_type = EXCLUDED.bot_resource_type,
                            bot_resource_id = EXCLUDED.bot_resource_id, state = EXCLUDED.state, created_at = EXCLUDED.created_at;
                    WHEN 'user/delete' THEN
                        DELETE FROM tokend.users WHERE id = (c->>'id')::bigint;
                    WHEN 'token/put' THEN
                        IF r->>'previous_id' IS NULL THEN
                            family := (r->>'id')::bigint;
                            INSERT INTO tokend.token_families (id, user_id, created_at)
                            VALUES (family, (r->>'user_id')::bigint, tokend.ms((r->>'created_at')::bigint)) ON CONFLICT (id) DO NOTHING;
                        ELSE
                            SELECT coalesce(max(t.family_id), (r->>'previous_id')::bigint) INTO family
                            FROM tokend.tokens t WHERE t.id = (r->>'previous_id')::bigint;
                        END IF;
                        INSERT INTO tokend.tokens (id, user_id, family_id, previous_token_id, name, description, scopes, digest, revoked,
                            impersonation, expires_at, created_at, updated_at, last_used_at, last_used_ips)
                        VALUES ((r->>'id')::bigint, (r->>'user_id')::bigint, family, (r->>'previous_id')::bigint, r->>'name', r->>'description',
                            ARRAY(SELECT jsonb_array_elements_text(r->'scopes')), decode(r->>'digest', 'hex'), (r->>'revoked')::boolean,
                            (r->>'impersonation')::boolean, (r->>'expires_at')::date, tokend.ms((r->>'created_at')::bigint),
                            tokend.ms((r->>'updated_at')::bigint), tokend.ms((r->>'last_used_at')::bigint),
                            ARRAY(SELECT jsonb_array_elements_text(r->'last_used_ips')))
                        ON CONFLICT (id) DO UPDATE SET user_id = EXCLUDED.user_id, family_id = EXCLUDED.family_id,
                            previous_token_id = EXCLUDED.previous_token_id, name = EXCLUDED.name, description = EXCLUDED.description,
                            scopes = EXCLUDED.scopes, digest = EXCLUDED.digest, revoked = EXCLUDED.revoked,
                            impersonation = EXCLUDED.impersonation, expires_at = EXCLUDED.expires_at, created_at = EXCLUDED.created_at,
                            updated_at = EXCLUDED.updated_at, last_used_at = EXCLUDED.last_used_at, last_used_ips = EXCLUDED.last_used_ips;
                    WHEN 'group/put' THEN
                        INSERT INTO tokend.groups (id, name, path, description, parent_id, visibility, created_at)
                        VALUES ((r->>'id')::bigint, r->>'name', r->>'path', r->>'description', (r->>'parent_id')::bigint, r->>'visibility',
                            tokend.ms((r->>'created_at')::bigint))
                        ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, path = EXCLUDED.path, description = EXCLUDED.description,
                            parent_id = EXCLUDED.parent_id, visibility = EXCLUDED.visibility, created_at = EXCLUDED.created_at;
                        DELETE FROM tokend.group_shares WHERE group_id = (r->>'id')::bigint;
                        INSERT INTO tokend.group_shares (group_id, position, shared_with_group_id, access_level, expires_at)
                        SELECT (r->>'id')::bigint, x.ord - 1, (x.e->>'group_id')::bigint, (x.e->>'access_level')::integer, (x.e->>'expires_at')::date
                        FROM jsonb_array_elements(coalesce(r->'shared_with', '[]'::jsonb)) WITH ORDINALITY AS x(e, ord);
                    WHEN 'group/delete' THEN
                        DELETE FROM tokend.group_shares WHERE group_id = (c->>'id')::bigint;
                        DELETE FROM tokend.groups WHERE id = (c->>'id')::bigint;
                    WHEN 'project/put' THEN
                        INSERT INTO tokend.projects (id, name, path, description, namespace_kind, namespace_id, visibility, created_at)
                        VALUES ((r->>'id')::bigint, r->>'name', r->>'path', r->>'description', r->>'namespace_kind',
                            (r->>'namespace_id')::bigint, r->>'visibility', tokend.ms((r->>'created_at')::bigint))
                        ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, path = EXCLUDED.path, description = EXCLUDED.description,
                            namespace_kind = EXCLUDED.namespace_kind, namespace_id = EXCLUDED.namespace_id, visibility = EXCLUDED.visibility,
                            created_at = EXCLUDED.created_at;
                    WHEN 'project/delete' THEN
                        DELETE FROM tokend.projects WHERE id = (c->>'id')::bigint;
                    WHEN 'membership/put' THEN
                        INSERT INTO tokend.members (resource_type, resource_id, user_id, access_level, expires_at, created_at, created_by)
                        VALUES (r->>'resource_type', (r->>'resource_id')::bigint, (r->>'user_id')::bigint, (r->>'access_level')::integer,
                            (r->>'expires_at')::date, tokend.ms((r->>'created_at')::bigint), (r->>'created_by')::bigint)
                        ON CONFLICT (resource_type, resource_id, user_id) DO UPDATE SET access_level = EXCLUDED.access_level,
                            expires_at = EXCLUDED.expires_at, created_at = EXCLUDED.created_at, created_by = EXCLUDED.created_by;
                    WHEN 'membership/delete' THEN
                        DELETE FROM tokend.members WHERE resource_type = r->>'resource_type'
                            AND resource_id = (r->>'resource_id')::bigint AND user_id = (r->>'user_id')::bigint;
                    WHEN 'hook/put' THEN
                        INSERT INTO tokend.hooks (id, change) VALUES ((r->>'id')::bigint, entry)
                        ON CONFLICT (id) DO UPDATE SET change = EXCLUDED.change;
                    WHEN 'hook/delete' THEN
                        DELETE FROM tokend.hooks WHERE id = (c->>'id')::bigint;
                    WHEN 'notice/put' THEN
                        INSERT INTO tokend.expiry_notices (hook_id, token_id, notice_interval, change)
                        VALUES ((r->>'hook_id')::bigint, (r->>'token_id')::bigint, r->>'interval', entry)
                        ON CONFLICT (hook_id, token_id, notice_interval) DO UPDATE SET change = EXCLUDED.change;
                    WHEN 'notice/delete' THEN
                        DELETE FROM tokend.expiry_notices WHERE hook_id = (r->>'hook_id')::bigint
                            AND token_id = (r->>'token_id')::bigint AND notice_interval = r->>'interval';
                    WHEN 'audit/put' THEN
                        INSERT INTO tokend.audit_events (id, change_seq, created_at, entity_type, entity_id, line)
                        VALUES (((c->>'line')::jsonb->>'seq')::bigint, n, (r->>'time')::timestamptz, r->'entity'->>'type',
                            (r->'entity'->>'id')::bigint, c->>'line');
                    ELSE
                        RAISE EXCEPTION 'tokend.write: unknown change %', left(entry, 80) USING ERRCODE = 'TD002';
                    END CASE;
                END LOOP;
                UPDATE tokend.instance i SET last_seq = n, next_user_id = ids[1], next_token_id = ids[2], next_group_id = ids[3],
                    next_project_id = ids[4], next_hook_id = ids[5];
            END
            $write$;
            """
        ),
        // From here on `tokend.write` is generated from the record schemas (``WriteFunction``)
        // and installed after the last migration applied: a migration that adds a column to a
        // record's table is its `ALTER TABLE` alone.
        (2, "tokend.write generated from the record schemas", ""),
        // Users', groups' (with their shares), projects' and memberships' puts generated too.
        (3, "tokend.write: every record's put generated from its schema", ""),
    ]

    static var latestVersion: Int { migrations.last!.version }

    /// Applies the migrations not yet applied, each in one transaction, under an advisory lock
    /// so two hosts migrating at once do not collide; the last one's transaction also installs
    /// this release's `tokend.write` (``WriteFunction``). Returns the versions applied.
    static func migrate(_ connection: PostgresConnection) throws(PostgresError) -> [Int] {
        try connection.script(
            """
            SELECT pg_advisory_lock(\(unsafeSQL: String(PostgresStore.migrationLockKey)));
            CREATE SCHEMA IF NOT EXISTS tokend;
            CREATE TABLE IF NOT EXISTS tokend.schema_migrations (
                version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())
            """, timeoutMilliseconds: 60_000)
        defer {
            _ = try? connection.script(
                "SELECT pg_advisory_unlock(\(unsafeSQL: String(PostgresStore.migrationLockKey)))", timeoutMilliseconds: 5_000)
        }
        let current = try currentVersion(connection)
        let pending = migrations.filter { $0.version > current }
        var applied: [Int] = []
        for migration in pending {
            do {
                // The migrations are the code's own text; their version and name go as values.
                try connection.script("BEGIN; \(unsafeSQL: migration.sql)", timeoutMilliseconds: 60_000)
                try connection.query(
                    "INSERT INTO tokend.schema_migrations (version, name) VALUES (\(migration.version)::integer, \(migration.name))",
                    timeoutMilliseconds: 60_000)
                if migration.version == pending.last?.version {
                    try connection.script(SQLScript(unsafeSQL: WriteFunction.sql), timeoutMilliseconds: 60_000)
                }
                try connection.script("COMMIT", timeoutMilliseconds: 60_000)
            } catch {
                _ = try? connection.script("ROLLBACK", timeoutMilliseconds: 5_000)
                throw error
            }
            applied.append(migration.version)
        }
        return applied
    }

    /// The highest migration applied (0: none, or no schema at all).
    static func currentVersion(_ connection: PostgresConnection) throws(PostgresError) -> Int {
        let exists = try connection.query("SELECT to_regclass('tokend.schema_migrations') IS NOT NULL AS present", timeoutMilliseconds: 5_000)
        guard exists.rowCount == 1, try exists.decode(Bool.self, 0, exists.column("present")) else { return 0 }
        let version = try connection.query("SELECT coalesce(max(version), 0) AS version FROM tokend.schema_migrations", timeoutMilliseconds: 5_000)
        guard version.rowCount == 1 else { return 0 }
        return try version.decode(Int.self, 0, version.column("version"))
    }
}
