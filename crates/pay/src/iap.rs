//! In-app purchase (인앱 결제), as the sandbox of the real service: each app's products, the
//! orders the simulator's users place, and the partner's `get-order-status`.
//!
//! The purchase itself happens in the Toss app (the front-end SDK's
//! `createOneTimePurchaseOrder`); here the simulator places it and decides how it ends:
//! completed, left in progress (to complete or fail later), failed, or refunded afterwards.
//! Each change of an order is a compare-and-set in the store.

use std::sync::Arc;

use intoss_proto::api::iap::{
    self as api, CreateProduct, GetOrderStatus, Order, OrderList, OrderStatus, Product, ProductList,
    SimOrderUpdate, SimPurchase,
};
use intoss_store::{OrderRecord, ProductRecord, Store, StoreError};

use crate::PayError;
use crate::service::{parse_user_key, rfc3339};
use intoss_proto::times::kst_basic as determined_at;

/// A new UUID v7 (RFC 9562): 48 bits of Unix milliseconds, then random bits.
fn uuid_v7(now_ms: i64) -> Result<String, PayError> {
    let mut b = [0u8; 16];
    aws_lc_rs::rand::fill(&mut b).map_err(|_| PayError::internal("no randomness"))?;
    let ms = u64::try_from(now_ms).unwrap_or_default().to_be_bytes();
    b[..6].copy_from_slice(&ms[2..]);
    b[6] = 0x70 | (b[6] & 0x0f);
    b[8] = 0x80 | (b[8] & 0x3f);
    let h: String = b.iter().map(|x| format!("{x:02x}")).collect();
    Ok(format!("{}-{}-{}-{}-{}", &h[..8], &h[8..12], &h[12..16], &h[16..20], &h[20..]))
}

/// Whether `s` is a UUID in its textual form (any version; the service's are v7).
fn is_uuid(s: &str) -> bool {
    s.len() == 36
        && s.char_indices()
            .all(|(i, c)| if matches!(i, 8 | 13 | 18 | 23) { c == '-' } else { c.is_ascii_hexdigit() })
}

fn validate_reason(reason: Option<&String>) -> Result<(), PayError> {
    if let Some(r) = reason
        && (r.trim().is_empty() || r.chars().count() > 100)
    {
        return Err(PayError::invalid("reason", "must be 1 to 100 characters"));
    }
    Ok(())
}

fn product_view(p: ProductRecord) -> Product {
    Product {
        app: p.app_name,
        sku: p.sku,
        name: p.name,
        price: p.price,
        created_at: rfc3339(p.created_at),
        deleted_at: p.deleted_at.map(rfc3339),
    }
}

/// In-app purchase over the platform's store.
pub struct IapService {
    store: Arc<dyn Store>,
}

impl std::fmt::Debug for IapService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IapService").finish_non_exhaustive()
    }
}

impl IapService {
    /// In-app purchase over `store`.
    pub fn new(store: Arc<dyn Store>) -> Self {
        Self { store }
    }

    async fn require_app(&self, app: &str) -> Result<(), PayError> {
        match self.store.app(app).await? {
            Some(_) => Ok(()),
            None => Err(PayError::NotFound(format!("app `{app}` not found"))),
        }
    }

    // === products ===

    /// Adds a product to an app.
    pub async fn create_product(&self, app: &str, b: &CreateProduct, now: i64) -> Result<Product, PayError> {
        let n = b.sku.chars().count();
        if n == 0 || n > api::SKU_MAX {
            return Err(PayError::invalid("sku", format!("must be 1 to {} characters", api::SKU_MAX)));
        }
        if let Some(c) = b.sku.chars().find(|c| !(c.is_ascii_alphanumeric() || "._-".contains(*c))) {
            return Err(PayError::invalid("sku", format!("`{c}` is not allowed: use A-Z a-z 0-9 . _ -")));
        }
        let n = b.name.trim().chars().count();
        if n == 0 || b.name.chars().count() > api::PRODUCT_NAME_MAX {
            return Err(PayError::invalid(
                "name",
                format!("must be 1 to {} characters", api::PRODUCT_NAME_MAX),
            ));
        }
        if !(1..=10_000_000).contains(&b.price) {
            return Err(PayError::invalid("price", "must be 1 to 10,000,000 won"));
        }
        self.require_app(app).await?;
        let record = ProductRecord {
            app_name: app.to_owned(),
            sku: b.sku.clone(),
            name: b.name.trim().to_owned(),
            price: b.price,
            created_at: now,
            deleted_at: None,
        };
        self.store.insert_product(&record).await.map_err(|e| match e {
            StoreError::Conflict(_) => PayError::AlreadyExists(format!(
                "app `{app}` has (or had) a product `{}`: a sku is never reused",
                b.sku
            )),
            e => e.into(),
        })?;
        tracing::info!(%app, sku = %record.sku, price = record.price, "iap: product added");
        Ok(product_view(record))
    }

    /// An app's products, by sku.
    pub async fn products(&self, app: &str) -> Result<ProductList, PayError> {
        self.require_app(app).await?;
        let products = self.store.list_products(app).await?.into_iter().map(product_view).collect();
        Ok(ProductList { products })
    }

    /// Stops selling a product; its orders keep it.
    pub async fn delete_product(&self, app: &str, sku: &str, now: i64) -> Result<Product, PayError> {
        self.require_app(app).await?;
        if !self.store.delete_product(app, sku, now).await? {
            return Err(PayError::NotFound(format!("app `{app}` has no product `{sku}` on sale")));
        }
        tracing::info!(%app, %sku, "iap: product deleted");
        match self.store.product(app, sku).await? {
            Some(p) => Ok(product_view(p)),
            None => Err(PayError::internal("a deleted product vanished")),
        }
    }

    // === orders ===

    async fn order_view(&self, o: OrderRecord) -> Result<Order, PayError> {
        let product_name =
            self.store.product(&o.app_name, &o.sku).await?.map(|p| p.name).unwrap_or_else(|| o.sku.clone());
        Ok(Order {
            created_at: rfc3339(o.created_at),
            status_determined_at: rfc3339(o.determined_at),
            order_id: o.order_id,
            app: o.app_name,
            sku: o.sku,
            product_name,
            user_id: o.user_id,
            user_key: o.user_key,
            amount: o.amount,
            status: o.status,
            reason: o.reason,
        })
    }

    /// One order.
    pub async fn order(&self, order_id: &str) -> Result<Order, PayError> {
        match self.store.order(order_id).await? {
            Some(o) => self.order_view(o).await,
            None => Err(PayError::NotFound(format!("order `{order_id}` not found"))),
        }
    }

    /// Orders, newest first (at most 200), of one app and/or one user.
    pub async fn orders(&self, app: Option<&str>, user_id: Option<&str>) -> Result<OrderList, PayError> {
        if let Some(app) = app {
            self.require_app(app).await?;
        }
        let mut orders = Vec::new();
        for o in self.store.list_orders(app, user_id, 200).await? {
            orders.push(self.order_view(o).await?);
        }
        Ok(OrderList { orders })
    }

    /// The simulator: the user buys a product of an app they logged in to.
    pub async fn sim_purchase(&self, b: &SimPurchase, now: i64) -> Result<Order, PayError> {
        let outcome = b.outcome.as_deref().unwrap_or("PAYMENT_COMPLETED");
        if !["PAYMENT_COMPLETED", "ORDER_IN_PROGRESS", "FAILED"].contains(&outcome) {
            return Err(PayError::invalid(
                "outcome",
                format!("`{outcome}` is not one of PAYMENT_COMPLETED, ORDER_IN_PROGRESS, FAILED"),
            ));
        }
        validate_reason(b.reason.as_ref())?;
        self.require_app(&b.app).await?;
        match self.store.user(&b.user).await? {
            Some(u) if u.withdrawn_at.is_none() => {}
            Some(_) => return Err(PayError::NotFound(format!("user `{}` has left Toss", b.user))),
            None => return Err(PayError::NotFound(format!("user `{}` not found", b.user))),
        }
        let link = match self.store.link_of(&b.app, &b.user).await? {
            Some(l) if l.unlinked_at.is_none() => l,
            _ => {
                return Err(PayError::InvalidState(format!(
                    "user `{}` is not logged in to app `{}`: in-app purchase needs Toss Login (sim login first)",
                    b.user, b.app
                )));
            }
        };
        let product = match self.store.product(&b.app, &b.sku).await? {
            Some(p) if p.deleted_at.is_none() => p,
            _ => {
                return Err(PayError::NotFound(format!(
                    "app `{}` has no product `{}` on sale",
                    b.app, b.sku
                )));
            }
        };
        let reason = match outcome {
            "FAILED" => Some(b.reason.clone().unwrap_or_else(|| "결제 실패".to_owned())),
            _ => None,
        };
        let record = OrderRecord {
            order_id: uuid_v7(now.saturating_mul(1000))?,
            app_name: b.app.clone(),
            sku: product.sku,
            user_id: b.user.clone(),
            user_key: link.user_key,
            amount: product.price,
            status: outcome.to_owned(),
            reason,
            created_at: now,
            determined_at: now,
        };
        self.store.insert_order(&record).await.map_err(|e| match e {
            // Two UUID v7s alike: not the caller's doing (and not an orderNo reuse).
            StoreError::Conflict(what) => PayError::internal(format!("{what} collided")),
            e => e.into(),
        })?;
        tracing::info!(app = %record.app_name, sku = %record.sku, status = %record.status, "iap: order placed");
        self.order_view(record).await
    }

    /// The simulator: an order in progress completes or fails; a completed order is refunded.
    pub async fn sim_update(&self, b: &SimOrderUpdate, now: i64) -> Result<Order, PayError> {
        let from = match b.status.as_str() {
            "PAYMENT_COMPLETED" | "FAILED" => "ORDER_IN_PROGRESS",
            "REFUNDED" => "PAYMENT_COMPLETED",
            other => {
                return Err(PayError::invalid(
                    "status",
                    format!("`{other}` is not one of PAYMENT_COMPLETED, FAILED, REFUNDED"),
                ));
            }
        };
        validate_reason(b.reason.as_ref())?;
        let reason = match b.status.as_str() {
            "FAILED" => Some(b.reason.clone().unwrap_or_else(|| "결제 실패".to_owned())),
            "REFUNDED" => Some(b.reason.clone().unwrap_or_else(|| "환불".to_owned())),
            _ => None,
        };
        match self.store.transition_order(&b.order_id, from, &b.status, reason.as_deref(), now).await? {
            Some(o) => {
                tracing::info!(app = %o.app_name, sku = %o.sku, status = %o.status, "iap: order updated");
                self.order_view(o).await
            }
            None => match self.store.order(&b.order_id).await? {
                Some(o) => Err(PayError::InvalidState(format!(
                    "order `{}` is {}: only a {from} order can become {}",
                    b.order_id, o.status, b.status
                ))),
                None => Err(PayError::NotFound(format!("order `{}` not found", b.order_id))),
            },
        }
    }

    /// `get-order-status` of the app `app` for the user of `x-toss-user-key`.
    pub async fn order_status(
        &self,
        app: &str,
        user_key: Option<&str>,
        b: &GetOrderStatus,
    ) -> Result<OrderStatus, PayError> {
        let key = parse_user_key(user_key)?;
        if !is_uuid(&b.order_id) {
            return Err(PayError::invalid("orderId", "must be an order id (a UUID, e.g. 0193c1a2-…)"));
        }
        intoss_store::live_user(self.store.as_ref(), app, key)
            .await?
            .map_err(|why| PayError::UserKeyNotFound(why.reason(key)))?;
        let unknown = |status: &str, reason: &str| OrderStatus {
            order_id: b.order_id.clone(),
            sku: None,
            status_determined_at: None,
            status: status.to_owned(),
            reason: Some(reason.to_owned()),
        };
        Ok(match self.store.order(&b.order_id).await? {
            None => unknown("NOT_FOUND", "no such order"),
            Some(o) if o.app_name != app => unknown("MINIAPP_MISMATCH", "the order is another mini-app's"),
            Some(o) if o.user_key != key => unknown("NOT_FOUND", "no such order for this userKey"),
            Some(o) => OrderStatus {
                order_id: o.order_id,
                sku: Some(o.sku),
                status_determined_at: Some(determined_at(o.determined_at)),
                status: o.status,
                reason: o.reason,
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_ids_are_uuid_v7() {
        let id = uuid_v7(1_765_000_000_123).unwrap_or_default();
        assert!(is_uuid(&id), "{id}");
        assert_eq!(&id[14..15], "7", "version 7: {id}");
        assert!("89ab".contains(&id[19..20]), "variant 10: {id}");
        assert_eq!(&id[..13], "019af232-b27b", "the timestamp leads (0x19af232b27b ms): {id}");
        assert_ne!(uuid_v7(1).unwrap_or_default(), uuid_v7(1).unwrap_or_default());
        assert!(!is_uuid("0193c1a2-7c3e-7d4f-8a9b-0c1d2e3f4a5"));
        assert!(!is_uuid("0193c1a2x7c3e-7d4f-8a9b-0c1d2e3f4a5b"));
    }
}
