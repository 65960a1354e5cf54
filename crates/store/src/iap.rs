//! In-app purchase records and their part of the store ([`IapStore`]).
//!
//! An order's status moves by one compare-and-set statement: of concurrent transitions of one
//! order exactly one applies, across processes and nodes.

use crate::Result;

/// A product an app sells in app.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProductRecord {
    /// The app.
    pub app_name: String,
    /// The product's id, unique per app.
    pub sku: String,
    /// Shown to the user.
    pub name: String,
    /// In won.
    pub price: i64,
    /// Unix seconds.
    pub created_at: i64,
    /// Set when the app stopped selling it.
    pub deleted_at: Option<i64>,
}

/// An order of a product.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderRecord {
    /// UUID v7.
    pub order_id: String,
    /// The app.
    pub app_name: String,
    /// The product.
    pub sku: String,
    /// The buying sandbox user.
    pub user_id: String,
    /// The app's userKey for them.
    pub user_key: i64,
    /// The price paid.
    pub amount: i64,
    /// `ORDER_IN_PROGRESS`, `PAYMENT_COMPLETED`, `FAILED` or `REFUNDED`.
    pub status: String,
    /// Why it failed or was refunded.
    pub reason: Option<String>,
    /// Unix seconds.
    pub created_at: i64,
    /// When the status was last set.
    pub determined_at: i64,
}

/// In-app purchase state.
#[async_trait::async_trait]
pub trait IapStore: Send + Sync + 'static {
    /// Adds a product. [`crate::StoreError::Conflict`] if the app has (or had) the sku;
    /// [`crate::StoreError::NotFound`] if the app does not exist.
    async fn insert_product(&self, p: &ProductRecord) -> Result<()>;
    /// The app's products, by sku, deleted ones included.
    async fn list_products(&self, app: &str) -> Result<Vec<ProductRecord>>;
    /// One product.
    async fn product(&self, app: &str, sku: &str) -> Result<Option<ProductRecord>>;
    /// Stops selling a product. `false` if there is no such product on sale.
    async fn delete_product(&self, app: &str, sku: &str, at: i64) -> Result<bool>;

    /// Records a new order.
    async fn insert_order(&self, o: &OrderRecord) -> Result<()>;
    /// One order.
    async fn order(&self, order_id: &str) -> Result<Option<OrderRecord>>;
    /// Orders, newest first, of one app and/or one user.
    async fn list_orders(
        &self,
        app: Option<&str>,
        user_id: Option<&str>,
        limit: i64,
    ) -> Result<Vec<OrderRecord>>;
    /// Compare-and-set: moves the order from `from` to `to` with `reason`, at `at`. `None` if it
    /// was not in `from`.
    async fn transition_order(
        &self,
        order_id: &str,
        from: &str,
        to: &str,
        reason: Option<&str>,
        at: i64,
    ) -> Result<Option<OrderRecord>>;
}

#[derive(sqlx::FromRow)]
pub(crate) struct ProductRow {
    app_name: String,
    sku: String,
    name: String,
    price: i64,
    created_at: i64,
    deleted_at: Option<i64>,
}

impl From<ProductRow> for ProductRecord {
    fn from(r: ProductRow) -> Self {
        Self {
            app_name: r.app_name,
            sku: r.sku,
            name: r.name,
            price: r.price,
            created_at: r.created_at,
            deleted_at: r.deleted_at,
        }
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct OrderRow {
    order_id: String,
    app_name: String,
    sku: String,
    user_id: String,
    user_key: i64,
    amount: i64,
    status: String,
    reason: Option<String>,
    created_at: i64,
    determined_at: i64,
}

impl From<OrderRow> for OrderRecord {
    fn from(r: OrderRow) -> Self {
        Self {
            order_id: r.order_id,
            app_name: r.app_name,
            sku: r.sku,
            user_id: r.user_id,
            user_key: r.user_key,
            amount: r.amount,
            status: r.status,
            reason: r.reason,
            created_at: r.created_at,
            determined_at: r.determined_at,
        }
    }
}

/// The columns of [`OrderRow`].
macro_rules! order_columns {
    () => {
        "order_id, app_name, sku, user_id, user_key, amount, status, reason, created_at, determined_at"
    };
}

/// Implements [`IapStore`] for a store type with a `pool` field (see `crate::sql`).
macro_rules! impl_iap_store {
    ($ty:ty) => {
        #[async_trait::async_trait]
        impl $crate::IapStore for $ty {
            async fn insert_product(&self, p: &$crate::ProductRecord) -> $crate::Result<()> {
                sqlx::query(
                    "INSERT INTO iap_products (app_name, sku, name, price, created_at, deleted_at)
                     VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(&p.app_name)
                .bind(&p.sku)
                .bind(&p.name)
                .bind(p.price)
                .bind(p.created_at)
                .bind(p.deleted_at)
                .execute(&self.pool)
                .await
                .map_err(|e| $crate::sql::insert_error(e, format!("sku `{}`", p.sku), &p.app_name))?;
                Ok(())
            }

            async fn list_products(&self, app: &str) -> $crate::Result<Vec<$crate::ProductRecord>> {
                let rows: Vec<$crate::iap::ProductRow> = sqlx::query_as(
                    "SELECT app_name, sku, name, price, created_at, deleted_at
                     FROM iap_products WHERE app_name = $1 ORDER BY sku",
                )
                .bind(app)
                .fetch_all(&self.pool)
                .await?;
                Ok(rows.into_iter().map(Into::into).collect())
            }

            async fn product(&self, app: &str, sku: &str) -> $crate::Result<Option<$crate::ProductRecord>> {
                let row: Option<$crate::iap::ProductRow> = sqlx::query_as(
                    "SELECT app_name, sku, name, price, created_at, deleted_at
                     FROM iap_products WHERE app_name = $1 AND sku = $2",
                )
                .bind(app)
                .bind(sku)
                .fetch_optional(&self.pool)
                .await?;
                Ok(row.map(Into::into))
            }

            async fn delete_product(&self, app: &str, sku: &str, at: i64) -> $crate::Result<bool> {
                // `fetch_all`: see `create_app`; an unacknowledged change must not be reported.
                let rows: Vec<(String,)> = sqlx::query_as(
                    "UPDATE iap_products SET deleted_at = $3
                     WHERE app_name = $1 AND sku = $2 AND deleted_at IS NULL RETURNING sku",
                )
                .bind(app)
                .bind(sku)
                .bind(at)
                .fetch_all(&self.pool)
                .await?;
                Ok(!rows.is_empty())
            }

            async fn insert_order(&self, o: &$crate::OrderRecord) -> $crate::Result<()> {
                let mut conn = self.pool.acquire().await?;
                let done: $crate::Result<()> = async {
                    let mut t = sqlx::Connection::begin(&mut *conn).await?;
                    sqlx::query(concat!(
                        "INSERT INTO iap_orders (",
                        $crate::iap::order_columns!(),
                        ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
                    ))
                    .bind(&o.order_id)
                    .bind(&o.app_name)
                    .bind(&o.sku)
                    .bind(&o.user_id)
                    .bind(o.user_key)
                    .bind(o.amount)
                    .bind(&o.status)
                    .bind(&o.reason)
                    .bind(o.created_at)
                    .bind(o.determined_at)
                    .execute(&mut *t)
                    .await
                    .map_err(|e| $crate::sql::insert_error(e, format!("order `{}`", o.order_id), &o.app_name))?;
                    $crate::events::emit_in!(t, &$crate::events::data::order(o))?;
                    t.commit().await?;
                    Ok(())
                }
                .await;
                $crate::sql::discard_if_failed(&mut conn, &done);
                done
            }

            async fn order(&self, order_id: &str) -> $crate::Result<Option<$crate::OrderRecord>> {
                let row: Option<$crate::iap::OrderRow> = sqlx::query_as(concat!(
                    "SELECT ",
                    $crate::iap::order_columns!(),
                    " FROM iap_orders WHERE order_id = $1"
                ))
                .bind(order_id)
                .fetch_optional(&self.pool)
                .await?;
                Ok(row.map(Into::into))
            }

            async fn list_orders(
                &self,
                app: Option<&str>,
                user_id: Option<&str>,
                limit: i64,
            ) -> $crate::Result<Vec<$crate::OrderRecord>> {
                let rows: Vec<$crate::iap::OrderRow> = sqlx::query_as(concat!(
                    "SELECT ",
                    $crate::iap::order_columns!(),
                    " FROM iap_orders WHERE ($1 IS NULL OR app_name = $1) AND ($2 IS NULL OR user_id = $2)
                      ORDER BY created_at DESC, order_id DESC LIMIT $3"
                ))
                .bind(app)
                .bind(user_id)
                .bind(limit)
                .fetch_all(&self.pool)
                .await?;
                Ok(rows.into_iter().map(Into::into).collect())
            }

            async fn transition_order(
                &self,
                order_id: &str,
                from: &str,
                to: &str,
                reason: Option<&str>,
                at: i64,
            ) -> $crate::Result<Option<$crate::OrderRecord>> {
                let mut conn = self.pool.acquire().await?;
                let done: $crate::Result<Option<$crate::OrderRecord>> = async {
                    let mut t = sqlx::Connection::begin(&mut *conn).await?;
                    let row: Option<$crate::iap::OrderRow> = sqlx::query_as(concat!(
                        "UPDATE iap_orders SET status = $3, reason = $4, determined_at = $5
                          WHERE order_id = $1 AND status = $2 RETURNING ",
                        $crate::iap::order_columns!()
                    ))
                    .bind(order_id)
                    .bind(from)
                    .bind(to)
                    .bind(reason)
                    .bind(at)
                    .fetch_optional(&mut *t)
                    .await?;
                    let Some(row) = row else {
                        t.rollback().await?;
                        return Ok(None);
                    };
                    let o: $crate::OrderRecord = row.into();
                    $crate::events::emit_in!(t, &$crate::events::data::order(&o))?;
                    t.commit().await?;
                    Ok(Some(o))
                }
                .await;
                $crate::sql::discard_if_failed(&mut conn, &done);
                done
            }
        }
    };
}

pub(crate) use {impl_iap_store, order_columns};
