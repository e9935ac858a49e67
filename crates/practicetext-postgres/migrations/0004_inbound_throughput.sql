-- Version 4, for the throughput of inbound texts: directory versions and
-- usage counters in shards.
--
-- A version for each organization's directory, so a store can keep the
-- directory it read and check with one indexed lookup that it is
-- still current (the engine reads the directory for every inbound text).
--
-- Every write to `organizations`, `users`, `groups` or `numbers` (by the
-- store or by hand, TRUNCATE included) gives the organizations it touches
-- a new version, in the same transaction: readers see the new version
-- exactly when they see the write. Versions come from one sequence, so a
-- version is never handed out twice, not even after a rolled-back
-- transaction that a reader saw from inside (a per-organization counter
-- could give a rolled-back version to the next writer, and a store that
-- kept the rolled-back directory would take it for current). Writers of
-- one organization's directory wait for each other at its version row.

CREATE SEQUENCE directory_version_seq;

CREATE TABLE directory_versions (
    organization_id TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    version         BIGINT NOT NULL
);

INSERT INTO directory_versions (organization_id, version)
SELECT organization_id, nextval('directory_version_seq') FROM (
    SELECT id AS organization_id FROM organizations
    UNION SELECT organization_id FROM users
    UNION SELECT organization_id FROM groups
    UNION SELECT organization_id FROM numbers
) AS orgs;

-- The row's organization is the column named by the trigger's argument
-- (`id` in `organizations`, `organization_id` elsewhere). The function's
-- search_path is the store's schema, whoever writes.
CREATE FUNCTION bump_directory_version() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
    org TEXT;
BEGIN
    FOR org IN
        SELECT DISTINCT o FROM unnest(ARRAY[
            CASE WHEN TG_OP <> 'INSERT' THEN to_jsonb(OLD) ->> TG_ARGV[0] END,
            CASE WHEN TG_OP <> 'DELETE' THEN to_jsonb(NEW) ->> TG_ARGV[0] END
        ]) AS o WHERE o IS NOT NULL
    LOOP
        INSERT INTO directory_versions AS v (organization_id, version)
        VALUES (org, nextval('directory_version_seq'))
        ON CONFLICT (organization_id) DO UPDATE SET version = EXCLUDED.version;
    END LOOP;
    RETURN NULL;
END;
$$;

CREATE FUNCTION bump_every_directory_version() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    UPDATE directory_versions SET version = nextval('directory_version_seq');
    RETURN NULL;
END;
$$;

CREATE TRIGGER organizations_version AFTER INSERT OR UPDATE OR DELETE ON organizations
    FOR EACH ROW EXECUTE FUNCTION bump_directory_version('id');
CREATE TRIGGER users_version AFTER INSERT OR UPDATE OR DELETE ON users
    FOR EACH ROW EXECUTE FUNCTION bump_directory_version('organization_id');
CREATE TRIGGER groups_version AFTER INSERT OR UPDATE OR DELETE ON groups
    FOR EACH ROW EXECUTE FUNCTION bump_directory_version('organization_id');
CREATE TRIGGER numbers_version AFTER INSERT OR UPDATE OR DELETE ON numbers
    FOR EACH ROW EXECUTE FUNCTION bump_directory_version('organization_id');

CREATE TRIGGER organizations_truncated AFTER TRUNCATE ON organizations
    FOR EACH STATEMENT EXECUTE FUNCTION bump_every_directory_version();
CREATE TRIGGER users_truncated AFTER TRUNCATE ON users
    FOR EACH STATEMENT EXECUTE FUNCTION bump_every_directory_version();
CREATE TRIGGER groups_truncated AFTER TRUNCATE ON groups
    FOR EACH STATEMENT EXECUTE FUNCTION bump_every_directory_version();
CREATE TRIGGER numbers_truncated AFTER TRUNCATE ON numbers
    FOR EACH STATEMENT EXECUTE FUNCTION bump_every_directory_version();

-- Usage counters in shards. Every inbound text of an organization adds to
-- the same counter row of the day, which then stays locked until the
-- text's transaction commits: app servers' texts queued there one by one.
-- A connection now adds to the shard of its server process id (modulo
-- 16, always the same one: no new lock order between rows), and reads sum
-- the shards.
ALTER TABLE usage_days ADD COLUMN shard SMALLINT NOT NULL DEFAULT 0 CHECK (shard >= 0);
ALTER TABLE usage_days DROP CONSTRAINT usage_days_pkey;
ALTER TABLE usage_days ADD PRIMARY KEY (organization_id, day, has_user, username, shard);
