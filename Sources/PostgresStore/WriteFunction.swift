import TokenRecords

/// `tokend.write`, the function every write calls (see ``PostgresSchema``), as this release
/// makes it: the puts of users, tokens, groups (and their shares), projects, memberships and web sessions are
/// generated from their ``RecordSchema``, so their columns are the ones the JSON coding and the
/// load use. Changing what it generates changes the function: ship it with a migration (even
/// an empty one), so existing databases get it. ``PostgresSchema/migrate(_:)``
/// installs it after the last migration it applies.
///
/// Under the write lock, if the log still ends at `since`, it appends `entries` (changes as the
/// JSON store's journal writes them, minus seq) after it, brings the tables up to date with
/// each, sets the next ids, and returns no row. If another write committed first it changes
/// nothing and returns the instance's sequence with the entries after `since`, as tokend's
/// catch-up query does; a worker that set `tokend.write_retry` to 'ready' on its connection then
/// keeps the write lock (a session hold, 'held') until its next call, its retry, which the lock
/// lets no other write overtake. Its statements are planned once per connection, which is most of what
/// a write costs the server; what most writes are (the log, new tokens, audit rows) is one
/// statement for the whole batch, each table one insert and each entry parsed once, and the
/// other changes follow one by one in the log's order.
enum WriteFunction {
    static var sql: String {
        """
        CREATE OR REPLACE FUNCTION tokend.write(since bigint, entries text[], ids bigint[])
        RETURNS TABLE (last_seq bigint, seq bigint, change text) LANGUAGE plpgsql AS $write$
        DECLARE
            current bigint;
            rest bigint[];
            o bigint;
            entry text;
            c jsonb;
            r jsonb;
            family bigint;
        BEGIN
            PERFORM pg_advisory_xact_lock(128021892001380);
            -- The retry after a lost attempt: this session kept the lock (below). Its session hold
            -- goes now; the transaction's own hold keeps the lock until its commit is flushed.
            IF current_setting('tokend.write_retry', true) = 'held' THEN
                PERFORM pg_advisory_unlock(128021892001380);
                PERFORM set_config('tokend.write_retry', 'ready', false);
            END IF;
            UPDATE tokend.instance i SET last_seq = since + cardinality(entries), next_user_id = ids[1], next_token_id = ids[2],
                next_group_id = ids[3], next_project_id = ids[4], next_hook_id = ids[5],
                -- A worker of the release before deploy tokens sends five ids: keep the sixth.
                next_deploy_token_id = coalesce(ids[6], i.next_deploy_token_id)
            WHERE i.last_seq = since;
            IF NOT FOUND THEN
                -- A worker that asked for it (`tokend.write_retry` 'ready') keeps the lock, as a
                -- session hold, for its retry on the entries missed, which then cannot lose again.
                IF current_setting('tokend.write_retry', true) = 'ready' THEN
                    PERFORM pg_advisory_lock(128021892001380);
                    PERFORM set_config('tokend.write_retry', 'held', false);
                END IF;
                SELECT i.last_seq INTO current FROM tokend.instance i;
                -- Bounded on both sides, so that the plan a connection keeps is an index scan
                -- whatever the table's size was when it was made.
                RETURN QUERY SELECT current, m.seq, m.change FROM (SELECT 1) one LEFT JOIN LATERAL
                    (SELECT ch.seq, ch.change FROM tokend.changes ch WHERE ch.seq > since AND ch.seq <= current
                     ORDER BY ch.seq LIMIT 10001) m ON true
                    ORDER BY m.seq;
                RETURN;
            END IF;
            -- One statement for what most writes are: the log, new tokens (and their
            -- families) and audit rows, each table in one insert, each entry parsed once.
            WITH p AS MATERIALIZED (
                SELECT since + u.o AS seq, u.t, u.t::jsonb AS c FROM unnest(entries) WITH ORDINALITY AS u(t, o)
            ), e AS MATERIALIZED (
                SELECT p.seq, p.t, p.c->'record' AS rec, p.c->>'line' AS line,
                    CASE (p.c->>'kind') || '/' || coalesce(p.c->>'op', 'put')
                    WHEN 'audit/put' THEN 'audit'
                    WHEN 'token/put' THEN CASE WHEN p.c->'record'->>'previous_id' IS NULL THEN 'token' END
                    END AS bulk
                FROM p
            ), log AS (
                INSERT INTO tokend.changes (seq, change) SELECT e.seq, e.t FROM e
            ), families AS (
                INSERT INTO tokend.token_families (id, user_id, created_at)
                SELECT (e.rec->>'id')::bigint, (e.rec->>'user_id')::bigint, tokend.ms((e.rec->>'created_at')::bigint) FROM e WHERE e.bulk = 'token'
                ON CONFLICT (id) DO NOTHING
            ), new_tokens AS (
                \(RecordSchema.token.upsertRows(from: "e WHERE e.bulk = 'token'", json: "e.rec", seq: "e.seq", extra: [("family_id", "(e.rec->>'id')::bigint")]))
            ), audit AS (
                INSERT INTO tokend.audit_events (id, change_seq, created_at, entity_type, entity_id, line)
                SELECT (e.line::jsonb->>'seq')::bigint, e.seq, (e.rec->>'time')::timestamptz, e.rec->'entity'->>'type',
                    (e.rec->'entity'->>'id')::bigint, e.line
                FROM e WHERE e.bulk = 'audit'
            )
            SELECT array_agg(e.seq - since ORDER BY e.seq) INTO rest FROM e WHERE e.bulk IS NULL;
            -- The others one after another, in the log's order.
            FOREACH o IN ARRAY coalesce(rest, '{}') LOOP
                entry := entries[o];
                c := entry::jsonb;
                r := c->'record';
                CASE (c->>'kind') || '/' || coalesce(c->>'op', 'put')
                WHEN 'user/put' THEN
                    \(RecordSchema.user.upsert())
                WHEN 'user/delete' THEN
                    DELETE FROM tokend.users WHERE id = (c->>'id')::bigint;
                WHEN 'token/put' THEN
                    -- A rotation's token joins its predecessor's family (new families went above).
                    SELECT coalesce(max(t.family_id), (r->>'previous_id')::bigint) INTO family
                    FROM tokend.tokens t WHERE t.id = (r->>'previous_id')::bigint;
                    \(RecordSchema.token.upsert(extra: [("family_id", "family")]))
                WHEN 'group/put' THEN
                    \(RecordSchema.group.upsert())
                    \(RecordSchema.groupShare.replaceChildren(of: "group_id", from: "shared_with"))
                WHEN 'group/delete' THEN
                    DELETE FROM tokend.group_shares WHERE group_id = (c->>'id')::bigint;
                    DELETE FROM tokend.groups WHERE id = (c->>'id')::bigint;
                WHEN 'project/put' THEN
                    \(RecordSchema.project.upsert())
                WHEN 'project/delete' THEN
                    DELETE FROM tokend.projects WHERE id = (c->>'id')::bigint;
                WHEN 'membership/put' THEN
                    \(RecordSchema.membership.upsert())
                WHEN 'membership/delete' THEN
                    DELETE FROM tokend.members WHERE resource_type = r->>'resource_type'
                        AND resource_id = (r->>'resource_id')::bigint AND user_id = (r->>'user_id')::bigint;
                WHEN 'session/put' THEN
                    \(RecordSchema.webSession.upsert())
                WHEN 'session/delete' THEN
                    DELETE FROM tokend.web_sessions WHERE digest = decode(r->>'digest', 'hex');
                WHEN 'deploy_token/put' THEN
                    \(RecordSchema.deployToken.upsert())
                WHEN 'deploy_token/delete' THEN
                    DELETE FROM tokend.deploy_tokens WHERE id = (c->>'id')::bigint;
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
                ELSE
                    RAISE EXCEPTION 'tokend.write: unknown change %', left(entry, 80) USING ERRCODE = 'TD002';
                END CASE;
            END LOOP;
        END
        $write$;
        """
    }
}
