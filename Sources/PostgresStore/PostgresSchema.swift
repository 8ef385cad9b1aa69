/// The tables, in schema `tokend`, and the migrations that make them: applied in order, each in
/// its own transaction, recorded in `tokend.schema_migrations` (`tokend store migrate`, and
/// `tokend init`). A release never edits a migration it shipped; it adds the next one.
///
/// Two kinds of table:
/// - `changes`: the change log every host replays (`seq`, the change as the JSON store's journal
///   writes it, minus `seq`), and `instance` (the secret, the last `seq`, the next ids).
/// - the records, normalised, for operators to query: `users`, `tokens` (unique keyed digest),
///   `token_families` (one row per rotation chain, named by its first token), `groups`,
///   `group_shares`, `projects`, `members`, `deploy_tokens`, `hooks`, `expiry_notices`, and `audit_events` (GitLab's
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
            -- `tokend.write` is installed after the migrations, generated from the record schemas
            -- (WriteFunction.swift): every database gets the same function, whatever it started at.
            """
        ),
        // From here on `tokend.write` is generated from the record schemas (``WriteFunction``)
        // and installed after the last migration applied: a migration that adds a column to a
        // record's table is its `ALTER TABLE` alone.
        (2, "tokend.write generated from the record schemas", ""),
        // Users', groups' (with their shares), projects' and memberships' puts generated too.
        (3, "tokend.write: every record's put generated from its schema", ""),
        // Service accounts: the user type and the group or project that provisioned one.
        (
            4, "users: service accounts",
            """
            ALTER TABLE tokend.users ADD COLUMN service_account_kind text CHECK (service_account_kind IN ('instance', 'project', 'group'));
            ALTER TABLE tokend.users ADD COLUMN service_account_of bigint;
            """
        ),
        // Passwords, Devise lockable's count and lock, and signed-in browsers' sessions.
        (
            5, "passwords and web sessions",
            """
            ALTER TABLE tokend.users ADD COLUMN encrypted_password text;
            ALTER TABLE tokend.users ADD COLUMN failed_attempts bigint NOT NULL DEFAULT 0;
            ALTER TABLE tokend.users ADD COLUMN locked_at timestamptz;
            CREATE TABLE tokend.web_sessions (
                digest bytea PRIMARY KEY,
                user_id bigint NOT NULL,
                created_at timestamptz NOT NULL,
                last_active_at timestamptz NOT NULL,
                method text NOT NULL,
                client_address text,
                user_agent text
            );
            CREATE INDEX web_sessions_user ON tokend.web_sessions (user_id);
            """
        ),
        // Deploy tokens: their table (columns of ``RecordSchema/deployToken``) and their own
        // id sequence; `tokend.write` gets their put and delete.
        (
            6, "deploy tokens",
            """
            CREATE TABLE tokend.deploy_tokens (
                id bigint PRIMARY KEY,
                resource_type text NOT NULL CHECK (resource_type IN ('project', 'group')),
                resource_id bigint NOT NULL,
                name text NOT NULL,
                username text,
                scopes text[] NOT NULL,
                digest bytea NOT NULL,
                revoked boolean NOT NULL,
                expires_at timestamptz,
                created_at timestamptz NOT NULL,
                creator_id bigint
            );
            CREATE UNIQUE INDEX deploy_tokens_digest ON tokend.deploy_tokens (digest);
            CREATE INDEX deploy_tokens_resource ON tokend.deploy_tokens (resource_type, resource_id);
            ALTER TABLE tokend.instance ADD COLUMN next_deploy_token_id bigint NOT NULL DEFAULT 1;
            """
        ),
        // A project's settings (ProjectSettings) and a user's profile (UserProfile), each at
        // GitLab's default for the rows before.
        (
            7, "project settings and user profiles",
            """
            ALTER TABLE tokend.users ADD COLUMN bio text NOT NULL DEFAULT '';
            ALTER TABLE tokend.users ADD COLUMN can_create_group boolean NOT NULL DEFAULT true;
            ALTER TABLE tokend.users ADD COLUMN external boolean NOT NULL DEFAULT false;
            ALTER TABLE tokend.users ADD COLUMN job_title text NOT NULL DEFAULT '';
            ALTER TABLE tokend.users ADD COLUMN location text NOT NULL DEFAULT '';
            ALTER TABLE tokend.users ADD COLUMN note text;
            ALTER TABLE tokend.users ADD COLUMN organization text NOT NULL DEFAULT '';
            ALTER TABLE tokend.users ADD COLUMN projects_limit bigint NOT NULL DEFAULT 100000;
            ALTER TABLE tokend.users ADD COLUMN pronouns text;
            ALTER TABLE tokend.users ADD COLUMN website_url text NOT NULL DEFAULT '';
            ALTER TABLE tokend.projects ADD COLUMN issues_access_level text NOT NULL DEFAULT 'enabled';
            ALTER TABLE tokend.projects ADD COLUMN repository_access_level text NOT NULL DEFAULT 'enabled';
            ALTER TABLE tokend.projects ADD COLUMN merge_requests_access_level text NOT NULL DEFAULT 'enabled';
            ALTER TABLE tokend.projects ADD COLUMN forking_access_level text NOT NULL DEFAULT 'enabled';
            ALTER TABLE tokend.projects ADD COLUMN wiki_access_level text NOT NULL DEFAULT 'enabled';
            ALTER TABLE tokend.projects ADD COLUMN builds_access_level text NOT NULL DEFAULT 'enabled';
            ALTER TABLE tokend.projects ADD COLUMN snippets_access_level text NOT NULL DEFAULT 'enabled';
            ALTER TABLE tokend.projects ADD COLUMN pages_access_level text NOT NULL DEFAULT 'private';
            ALTER TABLE tokend.projects ADD COLUMN analytics_access_level text NOT NULL DEFAULT 'enabled';
            ALTER TABLE tokend.projects ADD COLUMN container_registry_access_level text NOT NULL DEFAULT 'enabled';
            ALTER TABLE tokend.projects ADD COLUMN security_and_compliance_access_level text NOT NULL DEFAULT 'enabled';
            ALTER TABLE tokend.projects ADD COLUMN releases_access_level text NOT NULL DEFAULT 'enabled';
            ALTER TABLE tokend.projects ADD COLUMN environments_access_level text NOT NULL DEFAULT 'enabled';
            ALTER TABLE tokend.projects ADD COLUMN feature_flags_access_level text NOT NULL DEFAULT 'enabled';
            ALTER TABLE tokend.projects ADD COLUMN infrastructure_access_level text NOT NULL DEFAULT 'enabled';
            ALTER TABLE tokend.projects ADD COLUMN monitor_access_level text NOT NULL DEFAULT 'enabled';
            ALTER TABLE tokend.projects ADD COLUMN model_experiments_access_level text NOT NULL DEFAULT 'enabled';
            ALTER TABLE tokend.projects ADD COLUMN model_registry_access_level text NOT NULL DEFAULT 'enabled';
            ALTER TABLE tokend.projects ADD COLUMN packages_enabled boolean NOT NULL DEFAULT true;
            ALTER TABLE tokend.projects ADD COLUMN resolve_outdated_diff_discussions boolean NOT NULL DEFAULT false;
            ALTER TABLE tokend.projects ADD COLUMN service_desk_enabled boolean NOT NULL DEFAULT false;
            ALTER TABLE tokend.projects ADD COLUMN emails_enabled boolean NOT NULL DEFAULT true;
            ALTER TABLE tokend.projects ADD COLUMN shared_runners_enabled boolean NOT NULL DEFAULT true;
            ALTER TABLE tokend.projects ADD COLUMN lfs_enabled boolean NOT NULL DEFAULT true;
            ALTER TABLE tokend.projects ADD COLUMN public_jobs boolean NOT NULL DEFAULT true;
            ALTER TABLE tokend.projects ADD COLUMN only_allow_merge_if_pipeline_succeeds boolean NOT NULL DEFAULT false;
            ALTER TABLE tokend.projects ADD COLUMN allow_merge_on_skipped_pipeline boolean NOT NULL DEFAULT false;
            ALTER TABLE tokend.projects ADD COLUMN request_access_enabled boolean NOT NULL DEFAULT true;
            ALTER TABLE tokend.projects ADD COLUMN only_allow_merge_if_all_discussions_are_resolved boolean NOT NULL DEFAULT false;
            ALTER TABLE tokend.projects ADD COLUMN remove_source_branch_after_merge boolean NOT NULL DEFAULT true;
            ALTER TABLE tokend.projects ADD COLUMN printing_merge_request_link_enabled boolean NOT NULL DEFAULT true;
            ALTER TABLE tokend.projects ADD COLUMN autoclose_referenced_issues boolean NOT NULL DEFAULT true;
            ALTER TABLE tokend.projects ADD COLUMN merge_method text NOT NULL DEFAULT 'merge';
            ALTER TABLE tokend.projects ADD COLUMN squash_option text NOT NULL DEFAULT 'default_off';
            ALTER TABLE tokend.projects ADD COLUMN ci_config_path text;
            """
        ),
        // The page's flash kept in a session (sealed: ``WebSession/flash``).
        (8, "web sessions: the flash", "ALTER TABLE tokend.web_sessions ADD COLUMN flash text;"),
        // tokend.write: the log, new tokens (and their families) and audit rows each in one
        // insert for the whole call. `tokend.ms` is STABLE, as its body is (timestamptz
        // arithmetic): the planner then inlines it instead of running a SQL function per value.
        (
            9, "tokend.write: one insert per table for the log, new tokens and audit rows",
            """
            ALTER FUNCTION tokend.ms(bigint) STABLE;
            """
        ),
        // tokend.write: a lost attempt keeps the lock for the worker's retry (when the worker
        // asks, `tokend.write_retry`), and answers the entries missed with a range that a kept
        // plan scans by index. The function alone changes: installed after this migration.
        (10, "tokend.write: the retry after a lost attempt keeps the lock", "SELECT 1;"),
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
