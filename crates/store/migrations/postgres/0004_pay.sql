-- Toss Pay (토스페이): each app's pay settings, payments and their transactions (the payment
-- itself and each refund). A payment's orderNo is unique per app for ever, as the real
-- service's: a used orderNo is never accepted again, whatever became of its payment.

CREATE TABLE pay_settings (
    app_name             TEXT    PRIMARY KEY NOT NULL REFERENCES apps(name),
    test_payment_reading TEXT    NOT NULL CHECK (test_payment_reading IN ('TRUE_IS_TEST', 'FALSE_IS_TEST')),
    refuse_live          BOOLEAN NOT NULL,
    approval_ttl_secs    BIGINT NOT NULL
);

CREATE TABLE payments (
    pay_token                 TEXT    PRIMARY KEY NOT NULL,
    app_name                  TEXT    NOT NULL REFERENCES apps(name),
    user_id                   TEXT    NOT NULL REFERENCES sandbox_users(user_id),
    user_key                  BIGINT NOT NULL,
    order_no                  TEXT    NOT NULL,
    product_desc              TEXT    NOT NULL,
    amount                    BIGINT NOT NULL CHECK (amount > 0),
    amount_tax_free           BIGINT NOT NULL,
    amount_taxable            BIGINT,
    amount_vat                BIGINT,
    amount_service_fee        BIGINT,
    enable_pay_methods        TEXT,
    cash_receipt              BOOLEAN NOT NULL,
    cash_receipt_trade_option TEXT,
    installment               TEXT,
    mode                      TEXT    NOT NULL CHECK (mode IN ('TEST', 'LIVE')),
    status                    TEXT    NOT NULL,
    pay_method                TEXT,                 -- chosen by the user on approval
    card_company_code         TEXT,
    refunded_amount           BIGINT NOT NULL CHECK (refunded_amount >= 0 AND refunded_amount <= amount),
    created_at                BIGINT NOT NULL,
    expires_at                BIGINT NOT NULL,     -- the user must approve before
    approved_at               BIGINT,
    paid_at                   BIGINT,
    canceled_at               BIGINT,
    UNIQUE (app_name, order_no)
);
CREATE INDEX payments_by_app ON payments(app_name, created_at);
CREATE INDEX payments_by_user ON payments(user_id, status);

CREATE TABLE pay_transactions (
    transaction_id TEXT    PRIMARY KEY NOT NULL,
    pay_token      TEXT    NOT NULL REFERENCES payments(pay_token),
    seq            BIGINT NOT NULL,
    step_type      TEXT    NOT NULL CHECK (step_type IN ('PAY', 'REFUND')),
    amount         BIGINT NOT NULL CHECK (amount > 0),   -- refunds are shown negative
    refund_no      TEXT,                                   -- the partner's key of a refund
    reason         TEXT,
    created_at     BIGINT NOT NULL,
    UNIQUE (pay_token, seq),
    UNIQUE (pay_token, refund_no)
);
