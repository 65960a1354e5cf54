-- Promotions (프로모션, 토스 포인트): each app's promotions with a budget and a per-grant limit,
-- the single-use keys of get-key, and the executions. A granted execution is the user's points
-- ledger. The budget is spent by compare-and-set (spent + amount <= budget), in the same
-- transaction that claims the key and records the execution.

CREATE TABLE promotions (
    app_name        TEXT    NOT NULL REFERENCES apps(name),
    promotion_code  TEXT    NOT NULL,
    name            TEXT    NOT NULL,
    budget          BIGINT NOT NULL CHECK (budget > 0),
    spent           BIGINT NOT NULL CHECK (spent >= 0 AND spent <= budget),
    per_grant_max   BIGINT NOT NULL CHECK (per_grant_max > 0),
    state           TEXT    NOT NULL CHECK (state IN ('RUNNING', 'PAUSED', 'ENDED')),
    settle_secs     BIGINT NOT NULL CHECK (settle_secs >= 0),   -- PENDING this long, then SUCCESS
    created_at      BIGINT NOT NULL,
    PRIMARY KEY (app_name, promotion_code)
);

CREATE TABLE promo_keys (
    promo_key   TEXT    PRIMARY KEY NOT NULL,
    app_name    TEXT    NOT NULL REFERENCES apps(name),
    user_id     TEXT    NOT NULL REFERENCES sandbox_users(user_id),
    user_key    BIGINT NOT NULL,
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL,
    used_at     BIGINT
);

CREATE TABLE promo_executions (
    promo_key       TEXT    PRIMARY KEY NOT NULL REFERENCES promo_keys(promo_key),
    app_name        TEXT    NOT NULL,
    promotion_code  TEXT    NOT NULL,
    user_id         TEXT    NOT NULL,
    user_key        BIGINT NOT NULL,
    amount          BIGINT NOT NULL CHECK (amount > 0),
    test            BOOLEAN NOT NULL,      -- a TEST_ code: nothing spent, no points
    status          TEXT    NOT NULL CHECK (status IN ('PENDING', 'SUCCESS', 'FAILED')),
    created_at      BIGINT NOT NULL,
    settles_at      BIGINT NOT NULL,      -- PENDING before, SUCCESS from then on (unless FAILED)
    failed_reason   TEXT,
    FOREIGN KEY (app_name, promotion_code) REFERENCES promotions(app_name, promotion_code)
);
CREATE INDEX promo_executions_by_user ON promo_executions(user_id, created_at);
CREATE INDEX promo_executions_by_app ON promo_executions(app_name, created_at);
