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

        // 6 (issue 8, one status vocabulary): job and dataset statuses get the CHECKs of their Core enums
        // (`JobStatus`, `DatasetStatus`). The queue and synthesis jobs share one job vocabulary, so the queue says
        // how a job ended ('succeeded' becomes the synthesis job's own ending, 'synthesis_failed' becomes 'failed'),
        // and the queue records who started a job. SQLite cannot alter a CHECK, so `datasets`, `jobs` and
        // `synthesis_jobs` are rebuilt the documented way (new table, copy, drop, rename, indexes), with foreign
        // keys off and checked before the commit (`Migrator`). Columns are listed by name: a migration that adds
        // a column to one of these tables must come after this one.
        """
        CREATE TABLE new_datasets (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL,
            mode TEXT NOT NULL CHECK (mode IN ('chat', 'seeds')),
            base_model TEXT NOT NULL,
            skill_prompt TEXT,
            status TEXT NOT NULL CHECK (status IN ('validating', 'valid', 'valid_with_warnings', 'invalid', 'valid_seeds',
                'synthesizing', 'ready_for_training')),
            byte_size INTEGER NOT NULL DEFAULT 0,
            line_count INTEGER NOT NULL DEFAULT 0,
            row_count INTEGER NOT NULL DEFAULT 0,
            summary TEXT,
            parent_id INTEGER REFERENCES datasets(id) ON DELETE SET NULL,
            created_at INTEGER NOT NULL,
            updated_at INTEGER NOT NULL,
            created_by INTEGER REFERENCES users(id) ON DELETE SET NULL
        ) STRICT;
        -- A status no release ever wrote ('synthesis_failed' was declared but unused) read as invalid before.
        INSERT INTO new_datasets (id, name, mode, base_model, skill_prompt, status, byte_size, line_count, row_count, summary,
            parent_id, created_at, updated_at, created_by)
        SELECT id, name, mode, base_model, skill_prompt,
            CASE WHEN status IN ('validating', 'valid', 'valid_with_warnings', 'invalid', 'valid_seeds', 'synthesizing',
                'ready_for_training') THEN status ELSE 'invalid' END,
            byte_size, line_count, row_count, summary, parent_id, created_at, updated_at, created_by
        FROM datasets;

        CREATE TABLE new_jobs (
            id INTEGER PRIMARY KEY,
            kind TEXT NOT NULL,
            dataset_id INTEGER REFERENCES datasets(id) ON DELETE SET NULL,
            state TEXT NOT NULL CHECK (state IN ('queued', 'running', 'completed', 'failed', 'cancelled')),
            payload TEXT NOT NULL DEFAULT '{}',
            attempts INTEGER NOT NULL DEFAULT 0,
            lease_owner TEXT,
            lease_expires_at INTEGER,
            error TEXT,
            created_at INTEGER NOT NULL,
            started_at INTEGER,
            finished_at INTEGER,
            created_by INTEGER REFERENCES users(id) ON DELETE SET NULL
        ) STRICT;
        INSERT INTO new_jobs (id, kind, dataset_id, state, payload, attempts, lease_owner, lease_expires_at, error, created_at,
            started_at, finished_at, created_by)
        SELECT j.id, j.kind, j.dataset_id,
            CASE
                WHEN j.state <> 'succeeded' THEN j.state
                WHEN s.status = 'synthesis_failed' THEN 'failed'
                WHEN s.status = 'cancelled' THEN 'cancelled'
                ELSE 'completed'
            END,
            j.payload, j.attempts, j.lease_owner, j.lease_expires_at, j.error, j.created_at, j.started_at, j.finished_at,
            CASE WHEN s.job_id IS NOT NULL THEN s.created_by ELSE d.created_by END
        FROM jobs j LEFT JOIN synthesis_jobs s ON s.job_id = j.id LEFT JOIN datasets d ON d.id = j.dataset_id;

        CREATE TABLE new_synthesis_jobs (
            job_id INTEGER PRIMARY KEY REFERENCES jobs(id) ON DELETE CASCADE,
            parent_dataset_id INTEGER REFERENCES datasets(id) ON DELETE SET NULL,
            child_dataset_id INTEGER REFERENCES datasets(id) ON DELETE SET NULL,
            created_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
            provider TEXT NOT NULL,
            model TEXT NOT NULL,
            settings TEXT NOT NULL,
            key_id INTEGER REFERENCES teacher_keys(id) ON DELETE SET NULL,
            status TEXT NOT NULL DEFAULT 'queued'
                CHECK (status IN ('queued', 'running', 'completed', 'failed', 'cancelled')),
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
            failure TEXT,
            recipe_id INTEGER REFERENCES recipes(id) ON DELETE SET NULL
        ) STRICT;
        -- A synthesis whose queue entry ended while its own row still looked active (its runner threw) ends as
        -- its queue entry did.
        INSERT INTO new_synthesis_jobs (job_id, parent_dataset_id, child_dataset_id, created_by, provider, model, settings,
            key_id, status, total, written, skipped, retries, tokens_in, tokens_out, cost_usd, estimate, cancel_requested,
            created_at, started_at, finished_at, failure, recipe_id)
        SELECT s.job_id, s.parent_dataset_id, s.child_dataset_id, s.created_by, s.provider, s.model, s.settings, s.key_id,
            CASE
                WHEN s.status = 'synthesis_failed' THEN 'failed'
                WHEN s.status IN ('queued', 'running') AND j.state IN ('failed', 'cancelled') THEN j.state
                ELSE s.status
            END,
            s.total, s.written, s.skipped, s.retries, s.tokens_in, s.tokens_out, s.cost_usd, s.estimate, s.cancel_requested,
            s.created_at, s.started_at, COALESCE(s.finished_at, CASE WHEN j.state IN ('failed', 'cancelled') THEN j.finished_at END),
            s.failure, s.recipe_id
        FROM synthesis_jobs s JOIN new_jobs j ON j.id = s.job_id;

        DROP TABLE synthesis_jobs;
        DROP TABLE jobs;
        DROP TABLE datasets;
        ALTER TABLE new_datasets RENAME TO datasets;
        ALTER TABLE new_jobs RENAME TO jobs;
        ALTER TABLE new_synthesis_jobs RENAME TO synthesis_jobs;
        CREATE INDEX datasets_parent ON datasets(parent_id);
        CREATE INDEX jobs_claim ON jobs(state, id);
        CREATE INDEX jobs_dataset ON jobs(dataset_id, state);
        CREATE INDEX jobs_kind ON jobs(kind, id);
        CREATE INDEX synthesis_jobs_parent ON synthesis_jobs(parent_dataset_id);
        CREATE INDEX synthesis_jobs_recipe ON synthesis_jobs(recipe_id, status);
        -- Seeds whose last synthesis ended above are ready to synthesize again.
        UPDATE datasets SET status = 'valid_seeds'
        WHERE status = 'synthesizing'
            AND NOT EXISTS (SELECT 1 FROM synthesis_jobs s WHERE s.parent_dataset_id = datasets.id AND s.status IN ('queued', 'running'));
        """,

        // 7 (issue 8, recipes into runs): the settings a job was started with, kept apart from `settings`
        // (which "Retry skipped seeds" replaces) so the job page's "ran with" and Run again never change.
        // Jobs from before keep their current settings as the best snapshot there is. Set once: a trigger
        // refuses any change to a snapshot already set.
        """
        ALTER TABLE synthesis_jobs ADD COLUMN settings_snapshot TEXT;
        UPDATE synthesis_jobs SET settings_snapshot = settings;
        CREATE TRIGGER synthesis_jobs_snapshot_immutable BEFORE UPDATE OF settings_snapshot ON synthesis_jobs
        WHEN OLD.settings_snapshot IS NOT NULL
        BEGIN SELECT RAISE(ABORT, 'synthesis_jobs.settings_snapshot is set once, at creation'); END;
        """,

        // 8 (issue 8, the engine): answered requests, tokens and cost per endpoint of a job (synthesis: teacher and judge),
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

        // 9 (issue 9, merging): a merged dataset's parents, in the order they were merged, and how many exact
        // duplicate rows the merge dropped (NULL for a dataset that is not a merge). `parent_id` stays the
        // synthesis child's one parent. Deleting the merged dataset deletes its links (CASCADE); deleting a parent
        // deletes only that link (CASCADE too): the merged dataset keeps its rows and lists the parents that remain.
        """
        CREATE TABLE dataset_parents (
            dataset_id INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
            parent_id INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
            position INTEGER NOT NULL CHECK (position >= 0),
            PRIMARY KEY (dataset_id, parent_id),
            UNIQUE (dataset_id, position)
        ) STRICT, WITHOUT ROWID;
        CREATE INDEX dataset_parents_parent ON dataset_parents(parent_id);
        ALTER TABLE datasets ADD COLUMN merge_duplicates_dropped INTEGER CHECK (merge_duplicates_dropped >= 0);
        """,

        // 10 (issue 9, splits): each row's split, and per dataset the split that was last applied (its settings,
        // counts and leakage check), so re-splitting with the same settings keeps earlier rows where they were.
        """
        ALTER TABLE dataset_rows ADD COLUMN split TEXT CHECK (split IN ('train', 'validation', 'test'));
        CREATE TABLE dataset_splits (
            dataset_id INTEGER PRIMARY KEY REFERENCES datasets(id) ON DELETE CASCADE,
            train REAL NOT NULL,
            validation REAL NOT NULL,
            test REAL NOT NULL,
            seed INTEGER NOT NULL,
            threshold REAL NOT NULL,
            train_rows INTEGER NOT NULL,
            validation_rows INTEGER NOT NULL,
            test_rows INTEGER NOT NULL,
            cross_split_pairs INTEGER NOT NULL,
            groups_kept_together INTEGER NOT NULL,
            rows_in_groups INTEGER NOT NULL,
            bent_by INTEGER NOT NULL,
            moved_rows INTEGER NOT NULL,
            created_at INTEGER NOT NULL
        ) STRICT;
        """,

        // 11 (issue 10, templates): instruction templates for generation without seeds. `variables` is the JSON array
        // of the prompt's variable names found when it was saved; `settings` the default model settings (a JSON
        // object). Names are unique regardless of case, like user names.
        """
        CREATE TABLE templates (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL,
            description TEXT NOT NULL DEFAULT '',
            type TEXT NOT NULL CHECK (type IN ('prompts', 'qa', 'dialogue', 'transform')),
            system_prompt TEXT NOT NULL DEFAULT '',
            prompt TEXT NOT NULL,
            variables TEXT NOT NULL DEFAULT '[]',
            settings TEXT NOT NULL DEFAULT '{}',
            created_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
            created_at INTEGER NOT NULL,
            updated_at INTEGER NOT NULL
        ) STRICT;
        CREATE UNIQUE INDEX templates_name ON templates(name COLLATE NOCASE);
        """,

        // 12 (issue 10, generation without seeds): a generation task (its queue entry's own row), the strata it must
        // fill, its calls (the engine's work items, kept like `synthesis_seeds`) and every item a call returned with
        // its verdict. The template is snapshotted with the settings (teacher, items per call, attempt cap, duplicate
        // threshold, seed, variables), and neither changes after creation. A stratum's counters are added up in the
        // same transaction as the calls and items that change them.
        """
        CREATE TABLE generation_jobs (
            job_id INTEGER PRIMARY KEY REFERENCES jobs(id) ON DELETE CASCADE,
            template_id INTEGER REFERENCES templates(id) ON DELETE SET NULL,
            template_name TEXT NOT NULL,
            template_type TEXT NOT NULL CHECK (template_type IN ('prompts', 'qa', 'dialogue', 'transform')),
            system_prompt TEXT NOT NULL,
            prompt TEXT NOT NULL,
            output_name TEXT NOT NULL CHECK (length(output_name) > 0),
            created_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
            provider TEXT NOT NULL,
            model TEXT NOT NULL,
            settings TEXT NOT NULL,
            key_id INTEGER REFERENCES teacher_keys(id) ON DELETE SET NULL,
            recipe_id INTEGER REFERENCES recipes(id) ON DELETE SET NULL,
            source_dataset_id INTEGER REFERENCES datasets(id) ON DELETE SET NULL,
            output_dataset_id INTEGER REFERENCES datasets(id) ON DELETE SET NULL,
            status TEXT NOT NULL DEFAULT 'queued'
                CHECK (status IN ('queued', 'running', 'completed', 'completed_with_shortfall', 'failed', 'cancelled')),
            target INTEGER NOT NULL CHECK (target >= 1),
            accepted INTEGER NOT NULL DEFAULT 0 CHECK (accepted >= 0 AND accepted <= target),
            retries INTEGER NOT NULL DEFAULT 0 CHECK (retries >= 0),
            tokens_in INTEGER NOT NULL DEFAULT 0 CHECK (tokens_in >= 0),
            tokens_out INTEGER NOT NULL DEFAULT 0 CHECK (tokens_out >= 0),
            cost_usd REAL NOT NULL DEFAULT 0 CHECK (cost_usd >= 0),
            cancel_requested INTEGER NOT NULL DEFAULT 0 CHECK (cancel_requested IN (0, 1)),
            created_at INTEGER NOT NULL,
            started_at INTEGER,
            finished_at INTEGER,
            failure TEXT
        ) STRICT;
        CREATE INDEX generation_jobs_template ON generation_jobs(template_id, status);
        CREATE INDEX generation_jobs_source ON generation_jobs(source_dataset_id);
        CREATE INDEX generation_jobs_output ON generation_jobs(output_dataset_id);
        CREATE TRIGGER generation_jobs_snapshot_immutable
        BEFORE UPDATE OF settings, template_name, template_type, system_prompt, prompt, target ON generation_jobs
        BEGIN SELECT RAISE(ABORT, 'a generation task keeps the template and settings it was created with'); END;

        CREATE TABLE generation_strata (
            job_id INTEGER NOT NULL REFERENCES generation_jobs(job_id) ON DELETE CASCADE,
            idx INTEGER NOT NULL CHECK (idx >= 0),
            label TEXT NOT NULL,
            value_json TEXT NOT NULL,
            descriptions TEXT NOT NULL DEFAULT '{}',
            weight REAL NOT NULL CHECK (weight >= 0),
            quota INTEGER NOT NULL CHECK (quota >= 0),
            accepted INTEGER NOT NULL DEFAULT 0 CHECK (accepted >= 0 AND accepted <= quota),
            duplicates INTEGER NOT NULL DEFAULT 0 CHECK (duplicates >= 0),
            unparseable INTEGER NOT NULL DEFAULT 0 CHECK (unparseable >= 0),
            rejected INTEGER NOT NULL DEFAULT 0 CHECK (rejected >= 0),
            surplus INTEGER NOT NULL DEFAULT 0 CHECK (surplus >= 0),
            items_asked INTEGER NOT NULL DEFAULT 0 CHECK (items_asked >= 0),
            calls INTEGER NOT NULL DEFAULT 0 CHECK (calls >= 0),
            failed_calls INTEGER NOT NULL DEFAULT 0 CHECK (failed_calls >= 0),
            PRIMARY KEY (job_id, idx)
        ) STRICT, WITHOUT ROWID;

        CREATE TABLE generation_calls (
            job_id INTEGER NOT NULL REFERENCES generation_jobs(job_id) ON DELETE CASCADE,
            key INTEGER NOT NULL CHECK (key >= 0),
            stratum INTEGER NOT NULL,
            first_index INTEGER NOT NULL CHECK (first_index >= 1),
            count INTEGER NOT NULL CHECK (count >= 1),
            input TEXT,
            source_row INTEGER,
            status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'in_flight', 'done', 'skipped')),
            attempts INTEGER NOT NULL DEFAULT 0,
            failures INTEGER NOT NULL DEFAULT 0,
            unparseable INTEGER NOT NULL DEFAULT 0,
            answer_limit INTEGER,
            error_code TEXT,
            error_message TEXT,
            tokens_in INTEGER NOT NULL DEFAULT 0,
            tokens_out INTEGER NOT NULL DEFAULT 0,
            cost_usd REAL NOT NULL DEFAULT 0,
            latency_ms INTEGER,
            PRIMARY KEY (job_id, key),
            FOREIGN KEY (job_id, stratum) REFERENCES generation_strata(job_id, idx)
        ) STRICT, WITHOUT ROWID;
        CREATE INDEX generation_calls_status ON generation_calls(job_id, status);
        CREATE INDEX generation_calls_stratum ON generation_calls(job_id, stratum);

        CREATE TABLE generation_items (
            job_id INTEGER NOT NULL REFERENCES generation_jobs(job_id) ON DELETE CASCADE,
            seq INTEGER NOT NULL CHECK (seq >= 1),
            stratum INTEGER NOT NULL,
            call_key INTEGER NOT NULL,
            line TEXT NOT NULL,
            text TEXT NOT NULL,
            status TEXT NOT NULL CHECK (status IN ('accepted', 'duplicate', 'rejected', 'surplus')),
            duplicate_of TEXT,
            similarity REAL CHECK (similarity IS NULL OR (similarity >= 0 AND similarity <= 1)),
            reason TEXT,
            CHECK ((status = 'duplicate') = (duplicate_of IS NOT NULL AND similarity IS NOT NULL)),
            CHECK ((status = 'rejected') = (reason IS NOT NULL)),
            PRIMARY KEY (job_id, seq),
            FOREIGN KEY (job_id, call_key) REFERENCES generation_calls(job_id, key),
            FOREIGN KEY (job_id, stratum) REFERENCES generation_strata(job_id, idx)
        ) STRICT, WITHOUT ROWID;
        CREATE INDEX generation_items_status ON generation_items(job_id, status, seq);
        CREATE INDEX generation_items_call ON generation_items(job_id, call_key);
        """,

        // 13 (issue 11, quality): the data checks stored per run (after validation, after synthesis, on request) so the
        // Quality tab shows a trend; every row the latest run flags (the explorer's `?flag=`), replaced with each run;
        // the judge's latest score per row and dimension (a later scoring job replaces it; the job keeps the model and
        // prompt version); a person's review of a row and the history of its edits. Reviews and edits never change
        // `dataset_rows`: the latest edit is the row as reviewed, applied when a curated child is built.
        """
        CREATE TABLE quality_runs (
            id INTEGER PRIMARY KEY,
            dataset_id INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
            trigger TEXT NOT NULL CHECK (trigger IN ('validation', 'synthesis', 'generation', 'merge', 'request')),
            compare_dataset_id INTEGER REFERENCES datasets(id) ON DELETE SET NULL,
            rows INTEGER NOT NULL CHECK (rows >= 0),
            verdict TEXT NOT NULL,
            counts TEXT NOT NULL,
            report TEXT NOT NULL,
            created_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
            created_at INTEGER NOT NULL
        ) STRICT;
        CREATE INDEX quality_runs_dataset ON quality_runs(dataset_id, id);

        CREATE TABLE row_flags (
            dataset_id INTEGER NOT NULL,
            idx INTEGER NOT NULL,
            check_name TEXT NOT NULL,
            detail TEXT NOT NULL,
            PRIMARY KEY (dataset_id, idx, check_name),
            FOREIGN KEY (dataset_id, idx) REFERENCES dataset_rows(dataset_id, idx) ON DELETE CASCADE
        ) STRICT, WITHOUT ROWID;
        CREATE INDEX row_flags_check ON row_flags(dataset_id, check_name, idx);

        CREATE TABLE row_scores (
            dataset_id INTEGER NOT NULL,
            idx INTEGER NOT NULL,
            dimension TEXT NOT NULL,
            job_id INTEGER REFERENCES jobs(id) ON DELETE SET NULL,
            rubric TEXT NOT NULL CHECK (rubric IN ('scale', 'pass_fail')),
            score INTEGER NOT NULL CHECK ((rubric = 'scale' AND score BETWEEN 1 AND 5) OR (rubric = 'pass_fail' AND score IN (0, 1))),
            reasoning TEXT NOT NULL,
            model TEXT NOT NULL,
            prompt_version TEXT NOT NULL,
            created_at INTEGER NOT NULL,
            PRIMARY KEY (dataset_id, idx, dimension),
            FOREIGN KEY (dataset_id, idx) REFERENCES dataset_rows(dataset_id, idx) ON DELETE CASCADE
        ) STRICT, WITHOUT ROWID;
        CREATE INDEX row_scores_dimension ON row_scores(dataset_id, dimension, score);

        CREATE TABLE row_reviews (
            dataset_id INTEGER NOT NULL,
            idx INTEGER NOT NULL,
            verdict TEXT NOT NULL CHECK (verdict IN ('accepted', 'rejected')),
            rating INTEGER CHECK (rating IS NULL OR rating BETWEEN 1 AND 5),
            reviewed_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
            reviewed_at INTEGER NOT NULL,
            PRIMARY KEY (dataset_id, idx),
            FOREIGN KEY (dataset_id, idx) REFERENCES dataset_rows(dataset_id, idx) ON DELETE CASCADE
        ) STRICT, WITHOUT ROWID;
        CREATE INDEX row_reviews_verdict ON row_reviews(dataset_id, verdict, idx);

        CREATE TABLE row_edits (
            dataset_id INTEGER NOT NULL,
            idx INTEGER NOT NULL,
            seq INTEGER NOT NULL CHECK (seq >= 1),
            previous_body TEXT NOT NULL,
            body TEXT NOT NULL,
            edited_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
            edited_at INTEGER NOT NULL,
            PRIMARY KEY (dataset_id, idx, seq),
            FOREIGN KEY (dataset_id, idx) REFERENCES dataset_rows(dataset_id, idx) ON DELETE CASCADE
        ) STRICT, WITHOUT ROWID;
        """,

        // 14 (issue 12, evaluation): an evaluation run (its queue entry's own row) of a student endpoint graded by a
        // judge endpoint on a dataset's held-out rows; one work item per row with both answers, the verdicts per
        // dimension, the pairwise preference in both orders and the failure phrase; the failure modes the phrases were
        // clustered into (renamed or merged by a person). Endpoint usage gains the student. The snapshot (settings,
        // dimensions) never changes after creation.
        """
        CREATE TABLE new_job_endpoint_usage (
            job_id INTEGER NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
            endpoint TEXT NOT NULL CHECK (endpoint IN ('teacher', 'judge', 'student')),
            answered INTEGER NOT NULL DEFAULT 0,
            tokens_in INTEGER NOT NULL DEFAULT 0,
            tokens_out INTEGER NOT NULL DEFAULT 0,
            cost_usd REAL NOT NULL DEFAULT 0,
            PRIMARY KEY (job_id, endpoint)
        ) STRICT, WITHOUT ROWID;
        INSERT INTO new_job_endpoint_usage SELECT job_id, endpoint, answered, tokens_in, tokens_out, cost_usd FROM job_endpoint_usage;
        DROP TABLE job_endpoint_usage;
        ALTER TABLE new_job_endpoint_usage RENAME TO job_endpoint_usage;

        CREATE TABLE evaluation_runs (
            job_id INTEGER PRIMARY KEY REFERENCES jobs(id) ON DELETE CASCADE,
            name TEXT NOT NULL CHECK (length(name) > 0),
            dataset_id INTEGER REFERENCES datasets(id) ON DELETE SET NULL,
            split TEXT CHECK (split IN ('train', 'validation', 'test')),
            created_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
            student_provider TEXT NOT NULL,
            student_model TEXT NOT NULL,
            student_key_id INTEGER REFERENCES teacher_keys(id) ON DELETE SET NULL,
            judge_provider TEXT NOT NULL,
            judge_model TEXT NOT NULL,
            judge_key_id INTEGER REFERENCES teacher_keys(id) ON DELETE SET NULL,
            recipe_id INTEGER REFERENCES recipes(id) ON DELETE SET NULL,
            settings TEXT NOT NULL,
            dimensions TEXT NOT NULL,
            prompt_version TEXT NOT NULL,
            status TEXT NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'running', 'completed', 'failed', 'cancelled')),
            total INTEGER NOT NULL DEFAULT 0 CHECK (total >= 0),
            judged INTEGER NOT NULL DEFAULT 0 CHECK (judged >= 0),
            skipped INTEGER NOT NULL DEFAULT 0 CHECK (skipped >= 0),
            retries INTEGER NOT NULL DEFAULT 0 CHECK (retries >= 0),
            estimate TEXT,
            cancel_requested INTEGER NOT NULL DEFAULT 0 CHECK (cancel_requested IN (0, 1)),
            created_at INTEGER NOT NULL,
            started_at INTEGER,
            finished_at INTEGER,
            failure TEXT
        ) STRICT;
        CREATE INDEX evaluation_runs_dataset ON evaluation_runs(dataset_id, split, job_id);
        CREATE TRIGGER evaluation_runs_snapshot_immutable
        BEFORE UPDATE OF settings, dimensions, prompt_version, split ON evaluation_runs
        BEGIN SELECT RAISE(ABORT, 'an evaluation run keeps the split and settings it was created with'); END;

        CREATE TABLE failure_modes (
            id INTEGER PRIMARY KEY,
            job_id INTEGER NOT NULL REFERENCES evaluation_runs(job_id) ON DELETE CASCADE,
            name TEXT NOT NULL CHECK (length(name) > 0),
            merged_into INTEGER REFERENCES failure_modes(id) ON DELETE SET NULL,
            created_at INTEGER NOT NULL
        ) STRICT;
        CREATE INDEX failure_modes_job ON failure_modes(job_id);

        CREATE TABLE evaluation_rows (
            job_id INTEGER NOT NULL REFERENCES evaluation_runs(job_id) ON DELETE CASCADE,
            idx INTEGER NOT NULL,
            line INTEGER NOT NULL,
            conversation TEXT NOT NULL,
            prompt TEXT NOT NULL,
            reference TEXT NOT NULL,
            category TEXT,
            status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'in_flight', 'done', 'skipped')),
            attempts INTEGER NOT NULL DEFAULT 0,
            student_failures INTEGER NOT NULL DEFAULT 0,
            judge_failures INTEGER NOT NULL DEFAULT 0,
            student_limit INTEGER,
            judge_limit INTEGER,
            error_code TEXT,
            error_message TEXT,
            student_answer TEXT,
            student_tokens_in INTEGER NOT NULL DEFAULT 0,
            student_tokens_out INTEGER NOT NULL DEFAULT 0,
            student_cost_usd REAL NOT NULL DEFAULT 0,
            student_latency_ms INTEGER,
            judge_tokens_in INTEGER NOT NULL DEFAULT 0,
            judge_tokens_out INTEGER NOT NULL DEFAULT 0,
            judge_cost_usd REAL NOT NULL DEFAULT 0,
            verdicts TEXT,
            passed INTEGER CHECK (passed IS NULL OR passed IN (0, 1)),
            preference_forward TEXT CHECK (preference_forward IN ('student', 'reference', 'tie')),
            preference_reverse TEXT CHECK (preference_reverse IN ('student', 'reference', 'tie')),
            outcome TEXT CHECK (outcome IN ('win', 'loss', 'tie')),
            failure_phrase TEXT,
            failure_mode_id INTEGER REFERENCES failure_modes(id) ON DELETE SET NULL,
            PRIMARY KEY (job_id, idx)
        ) STRICT, WITHOUT ROWID;
        CREATE INDEX evaluation_rows_status ON evaluation_rows(job_id, status);
        CREATE INDEX evaluation_rows_mode ON evaluation_rows(job_id, failure_mode_id);
        """,

        // 15 (issue 11, judge scoring): a scoring job (its queue entry's own row) grading a chat dataset's rows with a
        // judge endpoint on chosen dimensions, and one work item per row (the engine's, like `synthesis_seeds`). The
        // snapshot (judge settings without a key, dimensions, prompt version) never changes after creation. Completing
        // a row writes its `row_scores` (migration 13), the job's totals and its `job_endpoint_usage` ('judge') in one
        // transaction; a row whose verdict never parsed ends 'skipped' (unscored) and writes no score. `scores` keeps the
        // job's own scores of the row (`{"dimension": score}`), so the job's figures stay its own after a later job
        // replaces the row's latest scores.
        """
        CREATE TABLE scoring_jobs (
            job_id INTEGER PRIMARY KEY REFERENCES jobs(id) ON DELETE CASCADE,
            dataset_id INTEGER REFERENCES datasets(id) ON DELETE SET NULL,
            created_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
            provider TEXT NOT NULL,
            model TEXT NOT NULL,
            settings TEXT NOT NULL,
            dimensions TEXT NOT NULL,
            prompt_version TEXT NOT NULL,
            key_id INTEGER REFERENCES teacher_keys(id) ON DELETE SET NULL,
            recipe_id INTEGER REFERENCES recipes(id) ON DELETE SET NULL,
            insisted_same_family INTEGER NOT NULL DEFAULT 0 CHECK (insisted_same_family IN (0, 1)),
            family_warning TEXT,
            status TEXT NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'running', 'completed', 'failed', 'cancelled')),
            total INTEGER NOT NULL DEFAULT 0 CHECK (total >= 0),
            scored INTEGER NOT NULL DEFAULT 0 CHECK (scored >= 0),
            unscored INTEGER NOT NULL DEFAULT 0 CHECK (unscored >= 0),
            retries INTEGER NOT NULL DEFAULT 0 CHECK (retries >= 0),
            tokens_in INTEGER NOT NULL DEFAULT 0 CHECK (tokens_in >= 0),
            tokens_out INTEGER NOT NULL DEFAULT 0 CHECK (tokens_out >= 0),
            cost_usd REAL NOT NULL DEFAULT 0 CHECK (cost_usd >= 0),
            estimate TEXT,
            cancel_requested INTEGER NOT NULL DEFAULT 0 CHECK (cancel_requested IN (0, 1)),
            created_at INTEGER NOT NULL,
            started_at INTEGER,
            finished_at INTEGER,
            failure TEXT
        ) STRICT;
        CREATE INDEX scoring_jobs_dataset ON scoring_jobs(dataset_id, job_id);
        CREATE TRIGGER scoring_jobs_snapshot_immutable
        BEFORE UPDATE OF settings, dimensions, prompt_version, provider, model ON scoring_jobs
        BEGIN SELECT RAISE(ABORT, 'a scoring job keeps the judge and dimensions it was created with'); END;

        CREATE TABLE scoring_rows (
            job_id INTEGER NOT NULL REFERENCES scoring_jobs(job_id) ON DELETE CASCADE,
            idx INTEGER NOT NULL,
            answer_chars INTEGER NOT NULL CHECK (answer_chars >= 0),
            status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'in_flight', 'done', 'skipped')),
            attempts INTEGER NOT NULL DEFAULT 0,
            failures INTEGER NOT NULL DEFAULT 0,
            judge_limit INTEGER,
            error_code TEXT,
            error_message TEXT,
            tokens_in INTEGER NOT NULL DEFAULT 0,
            tokens_out INTEGER NOT NULL DEFAULT 0,
            cost_usd REAL NOT NULL DEFAULT 0,
            latency_ms INTEGER,
            scores TEXT,
            PRIMARY KEY (job_id, idx)
        ) STRICT, WITHOUT ROWID;
        CREATE INDEX scoring_rows_status ON scoring_rows(job_id, status);
        """,

        // 16 (issue 11, swap check): a synthesis job counts the seeds whose verdict was asked again with the candidates in
        // reverse order, and those whose pick flipped; added in the transaction that writes each row, so they survive a
        // restart exactly.
        """
        ALTER TABLE synthesis_jobs ADD COLUMN swap_checked INTEGER NOT NULL DEFAULT 0 CHECK (swap_checked >= 0);
        ALTER TABLE synthesis_jobs ADD COLUMN swap_flips INTEGER NOT NULL DEFAULT 0 CHECK (swap_flips >= 0 AND swap_flips <= swap_checked);
        """,

        // 17 (issue 11, row explorer): full-text search over a row's messages. `row_search` is an FTS5 trigram index
        // (substring matches, Chinese included) keyed by rowid = dataset_id · 2^32 + idx, since `dataset_rows` has no
        // rowid. A dataset is indexed on its first search (`row_search_datasets` marks it), not at upload, so
        // validation never pays for it; once marked, triggers keep it exact: an inserted row is indexed, a deleted row
        // leaves, an edit (`row_edits`) replaces the row's text with the edited one, and dropping the mark (the dataset
        // deleted, or its rows cleared for a re-validation) drops all its entries. `row_search_text` is the one rule
        // for a row's searchable text: its messages' contents (a seed's input), from its latest edit if it has one.
        """
        CREATE VIRTUAL TABLE row_search USING fts5(text, tokenize = 'trigram');
        CREATE TABLE row_search_datasets (
            dataset_id INTEGER PRIMARY KEY REFERENCES datasets(id) ON DELETE CASCADE
        ) STRICT;
        CREATE VIEW row_search_text AS
        SELECT dataset_id, idx, dataset_id * 4294967296 + idx AS search_key,
            CASE WHEN json_valid(body) THEN COALESCE(
                (SELECT group_concat(json_extract(m.value, '$.content'), char(10)) FROM json_each(body, '$.messages') AS m),
                json_extract(body, '$.input'), '') ELSE body END AS text
        FROM (SELECT r.dataset_id, r.idx, COALESCE(
                (SELECT e.body FROM row_edits e WHERE e.dataset_id = r.dataset_id AND e.idx = r.idx ORDER BY e.seq DESC LIMIT 1),
                r.body) AS body
            FROM dataset_rows r);
        CREATE TRIGGER row_search_datasets_dropped AFTER DELETE ON row_search_datasets BEGIN
            DELETE FROM row_search WHERE rowid BETWEEN OLD.dataset_id * 4294967296 AND OLD.dataset_id * 4294967296 + 4294967295;
        END;
        CREATE TRIGGER row_search_row_inserted AFTER INSERT ON dataset_rows
        WHEN EXISTS (SELECT 1 FROM row_search_datasets WHERE dataset_id = NEW.dataset_id) BEGIN
            INSERT INTO row_search (rowid, text)
            SELECT search_key, text FROM row_search_text WHERE dataset_id = NEW.dataset_id AND idx = NEW.idx;
        END;
        CREATE TRIGGER row_search_row_deleted AFTER DELETE ON dataset_rows
        WHEN EXISTS (SELECT 1 FROM row_search_datasets WHERE dataset_id = OLD.dataset_id) BEGIN
            DELETE FROM row_search WHERE rowid = OLD.dataset_id * 4294967296 + OLD.idx;
        END;
        CREATE TRIGGER row_search_row_edited AFTER INSERT ON row_edits
        WHEN EXISTS (SELECT 1 FROM row_search_datasets WHERE dataset_id = NEW.dataset_id) BEGIN
            DELETE FROM row_search WHERE rowid = NEW.dataset_id * 4294967296 + NEW.idx;
            INSERT INTO row_search (rowid, text)
            SELECT search_key, text FROM row_search_text WHERE dataset_id = NEW.dataset_id AND idx = NEW.idx;
        END;
        """,

        // 18 (issue 11, curated child): where a curated dataset came from, as JSON (`DatasetProvenance`: the parent, the
        // filter's parameters and its summary, rows selected, rejected rows left out, edits applied, the split copied
        // from the parent). NULL for every other dataset. Written once, in the transaction that creates the dataset.
        """
        ALTER TABLE datasets ADD COLUMN provenance TEXT CHECK (provenance IS NULL OR json_valid(provenance));
        """,

        // 19 (evaluation honesty): the student's answer was cut off at the cap of its token limit and judged as it is
        // (the report counts such answers and marks the rows). Written with the answer, in the same statement.
        """
        ALTER TABLE evaluation_rows ADD COLUMN student_truncated INTEGER NOT NULL DEFAULT 0 CHECK (student_truncated IN (0, 1));
        """,

        // 20 (explorer search in the background): a dataset is indexed for search by a background indexer in short
        // batches (in row order) once it has settled, not inside its first search's request. `indexing_next_idx` is the
        // first row index not indexed yet while that is under way, NULL once every row is (as every mark migration 17
        // wrote is); searches scan the rows until it is NULL. The triggers now keep the rows indexed so far exact too:
        // an edit of a row the batches have passed re-indexes it, one ahead of them is read edited when they get there.
        """
        ALTER TABLE row_search_datasets ADD COLUMN indexing_next_idx INTEGER CHECK (indexing_next_idx IS NULL OR indexing_next_idx >= 0);
        DROP TRIGGER row_search_row_inserted;
        DROP TRIGGER row_search_row_deleted;
        DROP TRIGGER row_search_row_edited;
        CREATE TRIGGER row_search_row_inserted AFTER INSERT ON dataset_rows
        WHEN EXISTS (SELECT 1 FROM row_search_datasets WHERE dataset_id = NEW.dataset_id
            AND (indexing_next_idx IS NULL OR NEW.idx < indexing_next_idx)) BEGIN
            INSERT INTO row_search (rowid, text)
            SELECT search_key, text FROM row_search_text WHERE dataset_id = NEW.dataset_id AND idx = NEW.idx;
        END;
        CREATE TRIGGER row_search_row_deleted AFTER DELETE ON dataset_rows
        WHEN EXISTS (SELECT 1 FROM row_search_datasets WHERE dataset_id = OLD.dataset_id
            AND (indexing_next_idx IS NULL OR OLD.idx < indexing_next_idx)) BEGIN
            DELETE FROM row_search WHERE rowid = OLD.dataset_id * 4294967296 + OLD.idx;
        END;
        CREATE TRIGGER row_search_row_edited AFTER INSERT ON row_edits
        WHEN EXISTS (SELECT 1 FROM row_search_datasets WHERE dataset_id = NEW.dataset_id
            AND (indexing_next_idx IS NULL OR NEW.idx < indexing_next_idx)) BEGIN
            DELETE FROM row_search WHERE rowid = NEW.dataset_id * 4294967296 + NEW.idx;
            INSERT INTO row_search (rowid, text)
            SELECT search_key, text FROM row_search_text WHERE dataset_id = NEW.dataset_id AND idx = NEW.idx;
        END;
        """,
    ]
}
