-- Toss Login (토스 로그인): the sandbox's people, each app's login settings, the links between
-- an app and a user (the per-app userKey and the consented scopes), authorization codes and
-- tokens. Codes and tokens are stored as SHA-256 hashes, never as issued.

CREATE TABLE sandbox_users (
    user_id      TEXT    PRIMARY KEY NOT NULL,
    name         TEXT    NOT NULL,
    phone        TEXT    NOT NULL,             -- digits only
    birthday     TEXT    NOT NULL,             -- yyyyMMdd
    gender       TEXT    NOT NULL CHECK (gender IN ('MALE', 'FEMALE')),
    nationality  TEXT    NOT NULL CHECK (nationality IN ('LOCAL', 'FOREIGNER')),
    email        TEXT,
    ci           TEXT    NOT NULL,
    created_at   INTEGER NOT NULL,
    withdrawn_at INTEGER                          -- the user left Toss (WITHDRAWAL_TOSS)
);

CREATE TABLE login_settings (
    app_name          TEXT    PRIMARY KEY NOT NULL REFERENCES apps(name),
    test_mode         BOOLEAN NOT NULL,        -- accepts mock-auth-<uuid> codes (referrer SANDBOX)
    default_user      TEXT    REFERENCES sandbox_users(user_id),
    return_url        TEXT,                    -- where the simulator sends the user with the code
    unlink_url        TEXT,                    -- the partner's unlink callback
    unlink_method     TEXT    NOT NULL CHECK (unlink_method IN ('GET', 'POST')),
    unlink_basic_auth TEXT,                    -- user:password sent as Basic Auth
    key_generation    INTEGER NOT NULL           -- bumped to rotate the field-decryption key
);

CREATE TABLE login_links (
    app_name     TEXT    NOT NULL REFERENCES apps(name),
    user_id      TEXT    NOT NULL REFERENCES sandbox_users(user_id),
    user_key     INTEGER NOT NULL,              -- per app, stable across unlink and login
    scopes       TEXT    NOT NULL,             -- JSON list of consent scopes
    agreed_terms TEXT    NOT NULL,             -- JSON list of term tags
    linked_at    INTEGER NOT NULL,
    unlinked_at  INTEGER,
    PRIMARY KEY (app_name, user_id),
    UNIQUE (app_name, user_key)
);

CREATE TABLE login_codes (
    code_hash  TEXT    PRIMARY KEY NOT NULL,
    app_name   TEXT    NOT NULL REFERENCES apps(name),
    user_id    TEXT    NOT NULL REFERENCES sandbox_users(user_id),
    referrer   TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at    INTEGER
);

CREATE TABLE login_tokens (
    token_hash TEXT    PRIMARY KEY NOT NULL,
    kind       TEXT    NOT NULL CHECK (kind IN ('access', 'refresh')),
    app_name   TEXT    NOT NULL REFERENCES apps(name),
    user_id    TEXT    NOT NULL REFERENCES sandbox_users(user_id),
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    revoked_at INTEGER
);
CREATE INDEX login_tokens_by_user ON login_tokens(app_name, user_id);
