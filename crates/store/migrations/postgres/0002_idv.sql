-- Identity verification (토스 인증): OAuth clients, transactions, and the session ids each
-- transaction has seen (a sessionKey must never be reused within a transaction).

CREATE TABLE idv_clients (
    client_id   TEXT    PRIMARY KEY NOT NULL,
    app_name    TEXT    NOT NULL REFERENCES apps(name),
    env         TEXT    NOT NULL CHECK (env IN ('test', 'live')),
    secret_hash TEXT    NOT NULL,              -- hex HMAC-SHA256(pepper, secret); never the secret
    created_at  BIGINT NOT NULL,
    deleted_at  BIGINT
);
CREATE INDEX idv_clients_by_app ON idv_clients(app_name);

CREATE TABLE idv_txs (
    tx_id          TEXT    PRIMARY KEY NOT NULL,
    client_id      TEXT    NOT NULL REFERENCES idv_clients(client_id),
    request_type   TEXT    NOT NULL,           -- USER_PERSONAL | USER_NONE
    request_url    TEXT    NOT NULL,
    trigger_type   TEXT,
    request_person TEXT,                       -- JSON {name, phone, birthday} (USER_PERSONAL)
    status         TEXT    NOT NULL,           -- REQUESTED | IN_PROGRESS | COMPLETED | EXPIRED
    requested_at   BIGINT NOT NULL,
    expires_at     BIGINT NOT NULL,
    completed_at   BIGINT,
    person         TEXT,                       -- JSON of the authenticated person
    signature      TEXT,                       -- base64 DER CMS SignedData
    result_count   BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX idv_txs_by_client ON idv_txs(client_id, requested_at);

CREATE TABLE idv_session_ids (
    tx_id      TEXT NOT NULL REFERENCES idv_txs(tx_id),
    session_id TEXT NOT NULL,
    PRIMARY KEY (tx_id, session_id)
);
