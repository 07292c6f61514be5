/// The append-only migration list. Each entry runs once, in its own transaction, and bumps
/// `PRAGMA user_version`. Never edit an entry that has shipped: add a new one.
public enum Schema {
    public static let migrations: [String] = [
        // 1: datasets, their rows and line errors, and the job queue.
        """
        CREATE TABLE datasets (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL,
            mode TEXT NOT NULL CHECK (mode IN ('chat', 'seeds')),
            base_model TEXT NOT NULL,
            skill_prompt TEXT,
            status TEXT NOT NULL,
            byte_size INTEGER NOT NULL DEFAULT 0,
            line_count INTEGER NOT NULL DEFAULT 0,
            row_count INTEGER NOT NULL DEFAULT 0,
            summary TEXT,
            parent_id INTEGER REFERENCES datasets(id) ON DELETE SET NULL,
            created_at INTEGER NOT NULL,
            updated_at INTEGER NOT NULL
        ) STRICT;
        CREATE INDEX datasets_parent ON datasets(parent_id);

        CREATE TABLE dataset_rows (
            dataset_id INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
            idx INTEGER NOT NULL,
            line INTEGER NOT NULL,
            body TEXT NOT NULL,
            tokens INTEGER NOT NULL,
            meta TEXT,
            PRIMARY KEY (dataset_id, idx)
        ) STRICT, WITHOUT ROWID;

        CREATE TABLE dataset_errors (
            dataset_id INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
            seq INTEGER NOT NULL,
            line INTEGER NOT NULL,
            field TEXT NOT NULL,
            code TEXT NOT NULL,
            message TEXT NOT NULL,
            PRIMARY KEY (dataset_id, seq)
        ) STRICT, WITHOUT ROWID;

        CREATE TABLE jobs (
            id INTEGER PRIMARY KEY,
            kind TEXT NOT NULL,
            dataset_id INTEGER REFERENCES datasets(id) ON DELETE SET NULL,
            state TEXT NOT NULL CHECK (state IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
            payload TEXT NOT NULL DEFAULT '{}',
            attempts INTEGER NOT NULL DEFAULT 0,
            lease_owner TEXT,
            lease_expires_at INTEGER,
            error TEXT,
            created_at INTEGER NOT NULL,
            started_at INTEGER,
            finished_at INTEGER
        ) STRICT;
        CREATE INDEX jobs_claim ON jobs(state, id);
        CREATE INDEX jobs_dataset ON jobs(dataset_id, state);
        """,

        // 2: accounts, sessions, API tokens, the teacher-key vault and the audit log.
        """
        CREATE TABLE users (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE COLLATE NOCASE,
            password_hash TEXT NOT NULL,
            role TEXT NOT NULL CHECK (role IN ('admin', 'member')),
            created_at INTEGER NOT NULL,
            password_changed_at INTEGER NOT NULL
        ) STRICT;

        CREATE TABLE sessions (
            id INTEGER PRIMARY KEY,
            token_hash TEXT NOT NULL UNIQUE,
            user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            csrf_token TEXT NOT NULL,
            created_at INTEGER NOT NULL,
            last_seen_at INTEGER NOT NULL,
            remote_address TEXT NOT NULL DEFAULT ''
        ) STRICT;
        CREATE INDEX sessions_user ON sessions(user_id);

        CREATE TABLE api_tokens (
            id INTEGER PRIMARY KEY,
            user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            name TEXT NOT NULL,
            token_hash TEXT NOT NULL UNIQUE,
            prefix TEXT NOT NULL,
            created_at INTEGER NOT NULL,
            last_used_at INTEGER,
            revoked_at INTEGER
        ) STRICT;
        CREATE INDEX api_tokens_user ON api_tokens(user_id);

        CREATE TABLE teacher_keys (
            id INTEGER PRIMARY KEY,
            user_id INTEGER REFERENCES users(id) ON DELETE CASCADE,
            provider TEXT NOT NULL,
            label TEXT NOT NULL,
            last_four TEXT NOT NULL,
            sealed BLOB,
            job_id INTEGER REFERENCES jobs(id) ON DELETE CASCADE,
            created_at INTEGER NOT NULL,
            last_used_at INTEGER
        ) STRICT;
        CREATE INDEX teacher_keys_user ON teacher_keys(user_id);

        CREATE TABLE vault_canary (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            sealed BLOB NOT NULL
        ) STRICT;

        CREATE TABLE audit_log (
            id INTEGER PRIMARY KEY,
            at INTEGER NOT NULL,
            user_id INTEGER,
            user_name TEXT NOT NULL DEFAULT '',
            action TEXT NOT NULL,
            detail TEXT NOT NULL DEFAULT '',
            remote_address TEXT NOT NULL DEFAULT ''
        ) STRICT;
        CREATE INDEX audit_log_at ON audit_log(at);

        ALTER TABLE datasets ADD COLUMN created_by INTEGER REFERENCES users(id) ON DELETE SET NULL;
        """,

        // 3: synthesis jobs and their per-seed state (the engine commits each answer as it arrives).
        """
        CREATE TABLE synthesis_jobs (
            job_id INTEGER PRIMARY KEY REFERENCES jobs(id) ON DELETE CASCADE,
            parent_dataset_id INTEGER REFERENCES datasets(id) ON DELETE SET NULL,
            child_dataset_id INTEGER REFERENCES datasets(id) ON DELETE SET NULL,
            created_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
            provider TEXT NOT NULL,
            model TEXT NOT NULL,
            settings TEXT NOT NULL,
            key_id INTEGER REFERENCES teacher_keys(id) ON DELETE SET NULL,
            status TEXT NOT NULL DEFAULT 'queued'
                CHECK (status IN ('queued', 'running', 'completed', 'synthesis_failed', 'cancelled')),
            total INTEGER NOT NULL DEFAULT 0,
            written INTEGER NOT NULL DEFAULT 0,
            skipped INTEGER NOT NULL DEFAULT 0,
            retries INTEGER NOT NULL DEFAULT 0,
            tokens_in INTEGER NOT NULL DEFAULT 0,
            tokens_out INTEGER NOT NULL DEFAULT 0,
            cost_usd REAL NOT NULL DEFAULT 0,
            estimate TEXT,
            cancel_requested INTEGER NOT NULL DEFAULT 0,
            created_at INTEGER NOT NULL,
            started_at INTEGER,
            finished_at INTEGER,
            failure TEXT
        ) STRICT;
        CREATE INDEX synthesis_jobs_parent ON synthesis_jobs(parent_dataset_id);

        CREATE TABLE synthesis_seeds (
            job_id INTEGER NOT NULL REFERENCES synthesis_jobs(job_id) ON DELETE CASCADE,
            idx INTEGER NOT NULL,
            line INTEGER NOT NULL,
            input TEXT NOT NULL,
            status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'in_flight', 'done', 'skipped')),
            attempts INTEGER NOT NULL DEFAULT 0,
            error_code TEXT,
            error_message TEXT,
            tokens_in INTEGER NOT NULL DEFAULT 0,
            tokens_out INTEGER NOT NULL DEFAULT 0,
            cost_usd REAL NOT NULL DEFAULT 0,
            latency_ms INTEGER,
            row_json TEXT,
            metadata TEXT,
            PRIMARY KEY (job_id, idx)
        ) STRICT, WITHOUT ROWID;
        CREATE INDEX synthesis_seeds_status ON synthesis_seeds(job_id, status);
        """,

        // 4 (issue 7, synthesis retries): failed attempts per stage and the raised token limits are kept per
        // seed, so the attempt cap and the limit ladder hold across restarts.
        """
        ALTER TABLE synthesis_seeds ADD COLUMN failures INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE synthesis_seeds ADD COLUMN judge_failures INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE synthesis_seeds ADD COLUMN answer_limit INTEGER;
        ALTER TABLE synthesis_seeds ADD COLUMN judge_limit INTEGER;
        """,

        // 5: recipes (a run's reusable settings, stored as Distillery recipe JSON) and the jobs that
        // used one. A finished job keeps its own settings, so deleting its recipe only clears the link;
        // RecipeStore.delete refuses while a queued or running job uses the recipe.
        """
        CREATE TABLE recipes (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL,
            body TEXT NOT NULL,
            created_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
            created_at INTEGER NOT NULL,
            updated_at INTEGER NOT NULL
        ) STRICT;
        ALTER TABLE synthesis_jobs ADD COLUMN recipe_id INTEGER REFERENCES recipes(id) ON DELETE SET NULL;
        CREATE INDEX synthesis_jobs_recipe ON synthesis_jobs(recipe_id, status);
        """,

        // 6 (issue 8, the engine): answered requests, tokens and cost per endpoint of a job (synthesis: teacher and judge),
        // added up as answers are committed, in the same transaction as the job's totals.
        """
        CREATE TABLE job_endpoint_usage (
            job_id INTEGER NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
            endpoint TEXT NOT NULL CHECK (endpoint IN ('teacher', 'judge')),
            answered INTEGER NOT NULL DEFAULT 0,
            tokens_in INTEGER NOT NULL DEFAULT 0,
            tokens_out INTEGER NOT NULL DEFAULT 0,
            cost_usd REAL NOT NULL DEFAULT 0,
            PRIMARY KEY (job_id, endpoint)
        ) STRICT, WITHOUT ROWID;
        """,
    ]
}
