-- Events and their deliveries (the outbox). An event is written in the same transaction as the
-- state change that caused it, with one delivery row per endpoint of its app that wants its
-- type; delivery workers claim due rows by compare-and-set of a lease, so each attempt is made
-- by one worker across processes and nodes, and every attempt is logged.

CREATE TABLE webhook_endpoints (
    id               TEXT    PRIMARY KEY NOT NULL,
    app_name         TEXT    NOT NULL REFERENCES apps(name),
    kind             TEXT    NOT NULL CHECK (kind IN ('PUSH', 'LISTEN')),
    url              TEXT    NOT NULL,
    format           TEXT    NOT NULL CHECK (format IN ('STANDARD', 'TOSS')),
    event_types      TEXT    NOT NULL,          -- '*' or ',TYPE,TYPE,'
    enabled          BOOLEAN NOT NULL,
    allow_local      BOOLEAN NOT NULL,          -- may target loopback / private addresses
    ordered          BOOLEAN NOT NULL,          -- one at a time, oldest first
    secrets          TEXT    NOT NULL,          -- JSON array, newest first
    disabled_reason  TEXT,
    created_at       BIGINT  NOT NULL,
    updated_at       BIGINT  NOT NULL
);
CREATE INDEX webhook_endpoints_app ON webhook_endpoints (app_name);

CREATE TABLE events (
    seq         BIGSERIAL PRIMARY KEY,
    id          TEXT    NOT NULL UNIQUE,
    app_name    TEXT    NOT NULL,
    event_type  TEXT    NOT NULL,
    payload     TEXT    NOT NULL,               -- the event's data (JSON)
    created_at  BIGINT  NOT NULL
);
CREATE INDEX events_app ON events (app_name, seq);

CREATE TABLE event_deliveries (
    id               TEXT    PRIMARY KEY NOT NULL,
    event_id         TEXT    NOT NULL REFERENCES events(id),
    endpoint_id      TEXT    NOT NULL REFERENCES webhook_endpoints(id) ON DELETE CASCADE,
    state            TEXT    NOT NULL CHECK (state IN ('PENDING', 'DELIVERED', 'FAILED')),
    attempts         BIGINT  NOT NULL,
    replay_base      BIGINT  NOT NULL,          -- attempts before the last replay
    next_attempt_at  BIGINT  NOT NULL,
    lease_owner      TEXT    NOT NULL,
    lease_until      BIGINT  NOT NULL,
    final_notice_at  BIGINT ,
    created_at       BIGINT  NOT NULL,
    updated_at       BIGINT  NOT NULL
);
CREATE INDEX event_deliveries_due ON event_deliveries (state, next_attempt_at);
CREATE INDEX event_deliveries_event ON event_deliveries (event_id);
CREATE INDEX event_deliveries_endpoint ON event_deliveries (endpoint_id, state);

CREATE TABLE delivery_attempts (
    delivery_id    TEXT    NOT NULL REFERENCES event_deliveries(id) ON DELETE CASCADE,
    n              BIGINT  NOT NULL,
    started_at     BIGINT  NOT NULL,
    finished_at    BIGINT ,                     -- NULL: the worker stopped before an answer
    status         BIGINT ,
    latency_ms     BIGINT ,
    response_head  TEXT,
    error          TEXT,
    PRIMARY KEY (delivery_id, n)
);
