//! The sandbox's seed (`[sandbox] seed = "seed.toml"`): sandbox users, and apps with their
//! in-app products, message templates and promotions, written at start where missing and
//! written again for an app by `intoss sandbox reset --app`.
//!
//! Every entry goes through the same service call as the admin API, so a seed is validated
//! like a request. Applying is create-if-missing: an entry already there is left as it is, so a
//! restart changes nothing and a changed entry of a seed does not overwrite what a test did.

use intoss_http::ApiError;
use intoss_proto::ErrorCode;
use intoss_proto::api::admin::CreateApp;
use intoss_proto::api::iap::CreateProduct;
use intoss_proto::api::login::CreateUser;
use intoss_proto::api::messages::{CreateTemplate, ReviewTemplate};
use intoss_proto::api::promotions::CreatePromotion;
use intoss_proto::api::sandbox::PatchAppSandbox;
use serde::Deserialize;

use crate::Console;

/// A seed file.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Seed {
    /// Sandbox users (토스 users), each with its `id`.
    #[serde(default)]
    pub users: Vec<CreateUser>,
    /// Apps and what each starts with.
    #[serde(default)]
    pub apps: Vec<SeedApp>,
}

/// An app of a seed.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedApp {
    /// Its name.
    pub name: String,
    /// Requests per minute (the platform default when absent).
    #[serde(default)]
    pub qpm: Option<u32>,
    /// Source-IP allowlist (every address when empty).
    #[serde(default)]
    pub allow_ips: Vec<String>,
    /// Test mode, set when the seed creates the app.
    #[serde(default)]
    pub test_mode: bool,
    /// In-app purchase products.
    #[serde(default)]
    pub products: Vec<CreateProduct>,
    /// Message templates.
    #[serde(default)]
    pub templates: Vec<SeedTemplate>,
    /// Promotions.
    #[serde(default)]
    pub promotions: Vec<CreatePromotion>,
}

/// A message template of a seed: the admin API's fields and whether it is approved.
#[derive(Debug, Clone, Deserialize)]
pub struct SeedTemplate {
    /// The template.
    #[serde(flatten)]
    pub template: CreateTemplate,
    /// Approved in review, so it can be sent at once (default true).
    #[serde(default = "yes")]
    pub approved: bool,
}

fn yes() -> bool {
    true
}

impl Seed {
    /// Checks what serde cannot: every user has an `id` (so a restart finds it again), and app
    /// names are not repeated.
    pub fn check(&self) -> Result<(), String> {
        if let Some(i) = self.users.iter().position(|u| u.id.is_none()) {
            return Err(format!("users[{i}]: an id is required in a seed"));
        }
        for (i, a) in self.apps.iter().enumerate() {
            if self.apps[..i].iter().any(|b| b.name == a.name) {
                return Err(format!("apps[{i}]: app {:?} is named twice", a.name));
            }
        }
        Ok(())
    }
}

/// `Ok(true)` for a created entry, `Ok(false)` for one that was there already.
fn created<T, E: Into<ApiError>>(r: Result<T, E>) -> Result<bool, ApiError> {
    match r.map_err(Into::into) {
        Ok(_) => Ok(true),
        Err(e) if e.code == ErrorCode::AlreadyExists => Ok(false),
        Err(e) => Err(e),
    }
}

/// Writes what is missing of `seed` (of app `only` alone when given: its users are left out);
/// answers how many entries were written. Refusals carry the entry's place (`apps[0].products[1]`).
pub async fn apply(c: &Console, seed: &Seed, only: Option<&str>) -> Result<u64, ApiError> {
    let at =
        |place: String| move |e: ApiError| ApiError { reason: format!("seed {place}: {}", e.reason), ..e };
    let mut written = 0u64;
    if only.is_none() {
        for (i, u) in seed.users.iter().enumerate() {
            let id = u.id.as_deref().unwrap_or_default();
            if c.login.user(id).await.is_ok() {
                continue;
            }
            c.login
                .create_user(u, intoss_core::unix_now())
                .await
                .map_err(ApiError::from)
                .map_err(at(format!("users[{i}]")))?;
            written += 1;
        }
    }
    for (i, a) in seed.apps.iter().enumerate().filter(|(_, a)| only.is_none_or(|o| o == a.name)) {
        let place = |what: &str| format!("apps[{i}]{what}");
        let app =
            CreateApp { name: a.name.clone(), qpm: a.qpm, allow_ips: a.allow_ips.clone(), webhook_url: None };
        if created(c.registry.create_app(app).await).map_err(at(place("")))? {
            written += 1;
            if a.test_mode {
                let on = PatchAppSandbox { test_mode: Some(true) };
                c.registry.patch_sandbox(&a.name, on).await.map_err(ApiError::from).map_err(at(place("")))?;
            }
        }
        let now = c.app_now(&a.name);
        for (j, p) in a.products.iter().enumerate() {
            if created(c.iap.create_product(&a.name, p, now).await)
                .map_err(at(place(&format!(".products[{j}]"))))?
            {
                written += 1;
            }
        }
        for (j, t) in a.templates.iter().enumerate() {
            let place = place(&format!(".templates[{j}]"));
            if created(c.messages.create_template(&a.name, &t.template, now).await)
                .map_err(at(place.clone()))?
            {
                written += 1;
                if t.approved {
                    let review = ReviewTemplate { approve: true, reason: None };
                    let code = &t.template.template_set_code;
                    c.messages
                        .review(&a.name, code, &review, now)
                        .await
                        .map_err(ApiError::from)
                        .map_err(at(place))?;
                }
            }
        }
        for (j, p) in a.promotions.iter().enumerate() {
            if created(c.promotions.create(&a.name, p, now).await)
                .map_err(at(place(&format!(".promotions[{j}]"))))?
            {
                written += 1;
            }
        }
    }
    if written > 0 {
        tracing::info!(written, app = only.unwrap_or("(all)"), "sandbox seed applied");
    }
    Ok(written)
}
