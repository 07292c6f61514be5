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
    ]
}
