-- Certificates renewed over mTLS (issue 19): which certificate each was renewed from, and each
-- app's renewal policy (an app without a row has the defaults of `RenewalPolicy::default`).

ALTER TABLE certs ADD COLUMN renewed_from TEXT;  -- serial of the certificate presented to renew

CREATE TABLE renewal_policies (
    app_name    TEXT    PRIMARY KEY NOT NULL REFERENCES apps(name),
    allowed     BOOLEAN NOT NULL,
    window_days BIGINT  NOT NULL CHECK (window_days >= 0),  -- renewable when at most this many days are left
    server_keys BOOLEAN NOT NULL,                           -- may the platform generate the new key
    max_active  BIGINT  NOT NULL CHECK (max_active >= 1)    -- a renewal is refused while the app has this many active
);
