-- Promotions (프로모션, 토스 포인트): each app's promotions with a budget and a per-grant limit,
-- the single-use keys of get-key, and the executions. A granted execution is the user's points
-- ledger. The budget is spent by compare-and-set (spent + amount <= budget), in the same
-- transaction that claims the key and records the execution.

CREATE TABLE promotions (
    app_name        TEXT    NOT NULL REFERENCES apps(name),
    promotion_code  TEXT    NOT NULL,
    name            TEXT    NOT NULL,
    budget          INTEGER NOT NULL CHECK (budget > 0),
    spent           INTEGER NOT NULL CHECK (spent >= 0 AND spent <= budget),
    per_grant_max   INTEGER NOT NULL CHECK (per_grant_max > 0),
    state           TEXT    NOT NULL CHECK (state IN ('RUNNING', 'PAUSED', 'ENDED')),
    settle_secs     INTEGER NOT NULL CHECK (settle_secs >= 0),   -- PENDING this long, then SUCCESS
    created_at      INTEGER NOT NULL,
    PRIMARY KEY (app_name, promotion_code)
);

CREATE TABLE promo_keys (
    promo_key   TEXT    PRIMARY KEY NOT NULL,
    app_name    TEXT    NOT NULL REFERENCES apps(name),
    user_id     TEXT    NOT NULL REFERENCES sandbox_users(user_id),
    user_key    INTEGER NOT NULL,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    used_at     INTEGER
);

CREATE TABLE promo_executions (
    promo_key       TEXT    PRIMARY KEY NOT NULL REFERENCES promo_keys(promo_key),
    app_name        TEXT    NOT NULL,
    promotion_code  TEXT    NOT NULL,
    user_id         TEXT    NOT NULL,
    user_key        INTEGER NOT NULL,
    amount          INTEGER NOT NULL CHECK (amount > 0),
    test            BOOLEAN NOT NULL,      -- a TEST_ code: nothing spent, no points
    status          TEXT    NOT NULL CHECK (status IN ('PENDING', 'SUCCESS', 'FAILED')),
    created_at      INTEGER NOT NULL,
    settles_at      INTEGER NOT NULL,      -- PENDING before, SUCCESS from then on (unless FAILED)
    failed_reason   TEXT,
    FOREIGN KEY (app_name, promotion_code) REFERENCES promotions(app_name, promotion_code)
);
CREATE INDEX promo_executions_by_user ON promo_executions(user_id, created_at);
CREATE INDEX promo_executions_by_app ON promo_executions(app_name, created_at);
