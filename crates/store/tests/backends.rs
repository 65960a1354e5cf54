//! One storage suite, two backends: every test of `intoss_store::suite` runs on SQLite and on a
//! real PostgreSQL server started on 127.0.0.1 for this test binary (initdb + pg_ctl, no
//! Docker). Without PostgreSQL binaries the PostgreSQL half is skipped, unless
//! INTOSS_REQUIRE_POSTGRES=1 (set by scripts/test), which makes it a failure.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use intoss_store::{PgStore, SqliteStore, Store, suite};

/// A fresh database on the shared server, or `None` when PostgreSQL is not installed.
async fn postgres_store() -> Option<Arc<dyn Store>> {
    let url = intoss_testsupport::postgres()?.createdb();
    Some(Arc::new(PgStore::open(&url).await.unwrap()))
}

async fn sqlite_store() -> (tempfile::TempDir, Arc<dyn Store>) {
    let dir = tempfile::tempdir().unwrap();
    let s = SqliteStore::open(&dir.path().join("t.db")).await.unwrap();
    (dir, Arc::new(s))
}

/// Runs one suite function on both backends.
macro_rules! both {
    ($name:ident, $f:path) => {
        mod $name {
            use super::*;

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let (_dir, s) = sqlite_store().await;
                $f(s.as_ref()).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if let Some(s) = postgres_store().await {
                    $f(s.as_ref()).await;
                }
            }
        }
    };
}

both!(apps, suite::apps_are_unique_and_patchable);
both!(certs, suite::certs_need_an_app_and_revocation_keeps_the_first);
both!(housekeeping, suite::housekeeping_removes_only_old_revoked_or_expired_certificates);
both!(renewals, suite::renewals_check_the_presented_certificate_and_the_active_count);
both!(faults, suite::faults_belong_to_an_app_and_are_listed_oldest_first);
both!(expiry_notices, suite::expiry_notices_are_recorded_once);
both!(idv_transitions, suite::idv_transitions_are_compare_and_set);
both!(idv_result_window, suite::idv_result_window_and_not_completed);
both!(idv_clients, suite::deleted_clients_are_not_listed);
both!(login_links, suite::login_users_settings_and_links);
both!(login_codes_tokens, suite::login_codes_and_tokens_are_compare_and_set);

mod concurrent_code_uses {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        let (_dir, s) = sqlite_store().await;
        suite::exactly_one_of_fifty_concurrent_code_uses_succeeds(s).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        if let Some(s) = postgres_store().await {
            suite::exactly_one_of_fifty_concurrent_code_uses_succeeds(s).await;
        }
    }
}

mod concurrent_result_claims {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        let (_dir, s) = sqlite_store().await;
        suite::exactly_two_of_a_hundred_concurrent_result_claims_succeed(s).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        if let Some(s) = postgres_store().await {
            suite::exactly_two_of_a_hundred_concurrent_result_claims_succeed(s).await;
        }
    }
}

both!(payments, suite::payments_move_by_compare_and_set);

mod concurrent_executions {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        let (_dir, s) = sqlite_store().await;
        suite::exactly_one_of_a_hundred_concurrent_executions_succeeds(s).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        if let Some(s) = postgres_store().await {
            suite::exactly_one_of_a_hundred_concurrent_executions_succeeds(s).await;
        }
    }
}

both!(orders, suite::orders_move_by_compare_and_set);

mod concurrent_order_transitions {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        let (_dir, s) = sqlite_store().await;
        suite::exactly_one_of_fifty_concurrent_order_transitions_applies(s).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        if let Some(s) = postgres_store().await {
            suite::exactly_one_of_fifty_concurrent_order_transitions_applies(s).await;
        }
    }
}

both!(messages, suite::templates_are_reviewed_once_and_sends_are_whole);

both!(promotions, suite::promotion_keys_and_budgets_are_compare_and_set);

mod concurrent_promotion_executions {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        let (_dir, s) = sqlite_store().await;
        suite::exactly_fifty_of_two_hundred_concurrent_executions_are_granted(s).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        if let Some(s) = postgres_store().await {
            suite::exactly_fifty_of_two_hundred_concurrent_executions_are_granted(s).await;
        }
    }
}

both!(events, suite::events_are_written_with_their_change_and_claimed_by_lease);

mod concurrent_delivery_workers {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        let (_dir, s) = sqlite_store().await;
        suite::each_delivery_is_claimed_by_one_of_eight_workers(s).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        if let Some(s) = postgres_store().await {
            suite::each_delivery_is_claimed_by_one_of_eight_workers(s).await;
        }
    }
}

mod concurrent_renewals {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        let (_dir, s) = sqlite_store().await;
        suite::concurrent_renewals_respect_the_maximum_exactly(s).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        if let Some(s) = postgres_store().await {
            suite::concurrent_renewals_respect_the_maximum_exactly(s).await;
        }
    }
}

/// Dumps move between stores of either backend.
mod sandbox_dumps {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite_to_sqlite() {
        let ((_a, s), (_b, fresh)) = (sqlite_store().await, sqlite_store().await);
        suite::sandbox_clocks_test_mode_and_dumps(s.as_ref(), fresh.as_ref()).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres_to_postgres() {
        if let (Some(s), Some(fresh)) = (postgres_store().await, postgres_store().await) {
            suite::sandbox_clocks_test_mode_and_dumps(s.as_ref(), fresh.as_ref()).await;
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite_to_postgres() {
        let (_a, s) = sqlite_store().await;
        if let Some(fresh) = postgres_store().await {
            suite::sandbox_clocks_test_mode_and_dumps(s.as_ref(), fresh.as_ref()).await;
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres_to_sqlite() {
        let (_b, fresh) = sqlite_store().await;
        if let Some(s) = postgres_store().await {
            suite::sandbox_clocks_test_mode_and_dumps(s.as_ref(), fresh.as_ref()).await;
        }
    }
}
