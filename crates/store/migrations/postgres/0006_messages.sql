-- Messages (기능성 푸시, 알림): each app's message templates, reviewed in the console before
-- they can be sent, and every message sent, kept so that the simulator can show each user's
-- inbox and the admin API can list them.

CREATE TABLE msg_templates (
    app_name          TEXT    NOT NULL REFERENCES apps(name),
    template_set_code TEXT    NOT NULL,
    title             TEXT    NOT NULL,
    body              TEXT    NOT NULL,     -- with #{variable} placeholders
    push              BOOLEAN NOT NULL,     -- sent as a push
    inbox             BOOLEAN NOT NULL,     -- kept in the Toss app's 알림 inbox
    status            TEXT    NOT NULL CHECK (status IN ('IN_REVIEW', 'APPROVED', 'REJECTED')),
    review_reason     TEXT,
    created_at        BIGINT NOT NULL,
    reviewed_at       BIGINT,
    PRIMARY KEY (app_name, template_set_code)
);

CREATE TABLE messages (
    content_id        TEXT    PRIMARY KEY NOT NULL,
    app_name          TEXT    NOT NULL,
    template_set_code TEXT    NOT NULL,
    user_id           TEXT    NOT NULL REFERENCES sandbox_users(user_id),
    user_key          BIGINT,              -- null when sent by anonymous key
    channel           TEXT    NOT NULL CHECK (channel IN ('PUSH', 'INBOX')),
    title             TEXT    NOT NULL,     -- rendered
    body              TEXT    NOT NULL,     -- rendered
    test              BOOLEAN NOT NULL,     -- send-test-message
    created_at        BIGINT NOT NULL,
    FOREIGN KEY (app_name, template_set_code) REFERENCES msg_templates(app_name, template_set_code)
);
-- Anonymous keys (x-anon-key): one per app and user, stable, for apps that message users
-- without Toss Login.
CREATE TABLE anon_keys (
    app_name    TEXT    NOT NULL REFERENCES apps(name),
    user_id     TEXT    NOT NULL REFERENCES sandbox_users(user_id),
    anon_key    TEXT    NOT NULL UNIQUE,
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (app_name, user_id)
);

CREATE INDEX messages_by_app ON messages(app_name, created_at);
CREATE INDEX messages_by_user ON messages(user_id, created_at);
