-- Apps, their client certificates, and the expiry warnings already sent.
-- Times are Unix seconds (UTC). Serials are lowercase hex.

CREATE TABLE apps (
    name        TEXT    PRIMARY KEY NOT NULL,
    qpm         BIGINT NOT NULL CHECK (qpm >= 0),
    allow_ips   TEXT    NOT NULL DEFAULT '[]',  -- JSON array of allowlist entries
    webhook_url TEXT,
    created_at  BIGINT NOT NULL
);

CREATE TABLE certs (
    serial        TEXT    PRIMARY KEY NOT NULL,
    app_name      TEXT    NOT NULL REFERENCES apps(name),
    cert_pem      TEXT    NOT NULL,
    key_source    TEXT    NOT NULL,              -- rsa2048 | p256 | csr
    not_before    BIGINT NOT NULL,
    not_after     BIGINT NOT NULL,
    created_at    BIGINT NOT NULL,
    revoked_at    BIGINT,
    revoke_reason TEXT
);
CREATE INDEX certs_by_app ON certs(app_name);

CREATE TABLE expiry_notices (
    serial         TEXT    NOT NULL REFERENCES certs(serial),
    threshold_days BIGINT NOT NULL,
    sent_at        BIGINT NOT NULL,
    PRIMARY KEY (serial, threshold_days)
);
