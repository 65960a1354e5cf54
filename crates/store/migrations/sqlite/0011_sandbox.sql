-- Sandbox settings of apps (issue 20): the test clock's offset and test mode. An app without a
-- row runs on wall-clock time and is not in test mode.

CREATE TABLE sandbox_settings (
    app_name     TEXT    PRIMARY KEY NOT NULL REFERENCES apps(name),
    clock_offset BIGINT  NOT NULL DEFAULT 0 CHECK (clock_offset >= 0),  -- seconds the app's clock is ahead
    test_mode    BOOLEAN NOT NULL DEFAULT FALSE                          -- may send X-Intoss-Fault; journal keeps masked bodies
);
