-- In-app purchase (인앱 결제): each app's products (sku) and the orders the simulator's users
-- place for them. An order's status moves by compare-and-set: ORDER_IN_PROGRESS →
-- PAYMENT_COMPLETED or FAILED; PAYMENT_COMPLETED → REFUNDED.

CREATE TABLE iap_products (
    app_name    TEXT    NOT NULL REFERENCES apps(name),
    sku         TEXT    NOT NULL,
    name        TEXT    NOT NULL,
    price       BIGINT NOT NULL CHECK (price > 0),
    created_at  BIGINT NOT NULL,
    deleted_at  BIGINT,                 -- no new orders; old orders keep their sku
    PRIMARY KEY (app_name, sku)
);

CREATE TABLE iap_orders (
    order_id       TEXT    PRIMARY KEY NOT NULL,   -- UUID v7
    app_name       TEXT    NOT NULL,
    sku            TEXT    NOT NULL,
    user_id        TEXT    NOT NULL REFERENCES sandbox_users(user_id),
    user_key       BIGINT NOT NULL,
    amount         BIGINT NOT NULL,
    status         TEXT    NOT NULL CHECK (status IN ('ORDER_IN_PROGRESS', 'PAYMENT_COMPLETED', 'FAILED', 'REFUNDED')),
    reason         TEXT,
    created_at     BIGINT NOT NULL,
    determined_at  BIGINT NOT NULL,               -- when the status was last set
    FOREIGN KEY (app_name, sku) REFERENCES iap_products(app_name, sku)
);
CREATE INDEX iap_orders_by_app ON iap_orders(app_name, created_at);
CREATE INDEX iap_orders_by_user ON iap_orders(user_id, created_at);
