-- Faults injected into the gateway's answers (sandbox controls, issue 20).

CREATE TABLE faults (
    id          TEXT    PRIMARY KEY NOT NULL,   -- flt_…
    app_name    TEXT    NOT NULL REFERENCES apps(name),
    path_prefix TEXT    NOT NULL,
    probability DOUBLE PRECISION NOT NULL CHECK (probability > 0 AND probability <= 1),
    action      TEXT    NOT NULL,               -- JSON: intoss_proto::api::sandbox::FaultAction
    created_at  BIGINT  NOT NULL,
    seq         BIGINT  NOT NULL                -- insertion order: the order faults are tried in
);
CREATE INDEX faults_by_app ON faults(app_name);
