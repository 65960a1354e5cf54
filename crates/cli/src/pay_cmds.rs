//! `intoss sim pay ...` and `intoss app pay`: the user's side of Toss Pay (토스페이) in place of
//! the Toss app, payments with their transactions, and each app's pay settings; `intoss sim iap
//! ...` and `intoss app product ...`: in-app purchase (인앱 결제). All through the admin API.

use std::process::ExitCode;

use clap::{Args, Subcommand};
use intoss_proto::api::iap::{CreateProduct, Order, SimOrderUpdate, SimPurchase};
use intoss_proto::api::pay::{PatchPaySettings, PaySettings, Payment, SimPayApprove, SimPayDecline};

use crate::admin_cmds::connect;
use crate::args::Global;
use crate::output::{opt, table};

#[derive(Debug, Subcommand)]
pub(crate) enum SimPayCmd {
    /// Payments awaiting the user's approval (all payments with --all).
    List {
        #[arg(long)]
        app: Option<String>,
        /// A sandbox user's id.
        #[arg(long)]
        user: Option<String>,
        /// Every payment, not only those awaiting approval.
        #[arg(long)]
        all: bool,
        #[arg(long)]
        json: bool,
    },
    /// One payment with its transactions.
    Show {
        pay_token: String,
        #[arg(long)]
        json: bool,
    },
    /// Approve a payment as the user (what checkoutPayment does in the Toss app).
    Approve {
        pay_token: String,
        /// How the user pays (default CARD, or the only method the partner allowed).
        #[arg(long, value_parser = ["CARD", "TOSS_MONEY"])]
        method: Option<String>,
        /// Card company code, e.g. 11 (KB국민카드, the default), 21 (하나카드), 41 (신한카드).
        #[arg(long)]
        card: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Decline a payment as the user (closes the payment sheet: PAY_CANCEL).
    Decline {
        pay_token: String,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub(crate) enum SimIapCmd {
    /// Buy a product as the user (who must have logged in to the app); prints the orderId.
    Buy {
        #[arg(long)]
        app: String,
        #[arg(long)]
        user: String,
        #[arg(long)]
        sku: String,
        /// How the purchase ends.
        #[arg(long, value_parser = ["PAYMENT_COMPLETED", "ORDER_IN_PROGRESS", "FAILED"], default_value = "PAYMENT_COMPLETED")]
        outcome: String,
        /// Why, for FAILED.
        #[arg(long)]
        reason: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Complete or fail an order in progress, or refund a completed one.
    Update {
        order_id: String,
        #[arg(long, value_parser = ["PAYMENT_COMPLETED", "FAILED", "REFUNDED"])]
        status: String,
        #[arg(long)]
        reason: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Orders, newest first.
    List {
        #[arg(long)]
        app: Option<String>,
        #[arg(long)]
        user: Option<String>,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub(crate) enum ProductCmd {
    /// Add a product (sku) the app's users can buy.
    Add {
        /// The app.
        app: String,
        #[arg(long)]
        sku: String,
        #[arg(long)]
        name: String,
        /// In won.
        #[arg(long)]
        price: i64,
        #[arg(long)]
        json: bool,
    },
    /// The app's products.
    List {
        app: String,
        #[arg(long)]
        json: bool,
    },
    /// Stop selling a product (its orders keep it; the sku is not reusable).
    Delete {
        app: String,
        sku: String,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Args)]
pub(crate) struct AppPayArgs {
    /// The app.
    name: String,
    /// How isTestPayment is read: TRUE_IS_TEST (the develop page, default) or FALSE_IS_TEST
    /// (the API reference).
    #[arg(long, value_parser = ["TRUE_IS_TEST", "FALSE_IS_TEST"])]
    test_payment_reading: Option<String>,
    /// Refuse payments whose isTestPayment means live.
    #[arg(long)]
    refuse_live: Option<bool>,
    /// Seconds the user has to approve (60 to 86400).
    #[arg(long)]
    approval_ttl: Option<i64>,
    #[arg(long)]
    json: bool,
}

pub(crate) async fn sim_pay(g: &Global, cmd: SimPayCmd) -> anyhow::Result<ExitCode> {
    let client = connect(g)?;
    match cmd {
        SimPayCmd::List { app, user, all, json } => {
            let list = client.payments(app.as_deref(), user.as_deref(), !all).await?.payments;
            if json {
                crate::output::json(&list);
            } else {
                let rows: Vec<Vec<String>> = list
                    .iter()
                    .map(|p| {
                        vec![
                            p.pay_token.clone(),
                            p.app.clone(),
                            p.user_id.clone(),
                            p.order_no.clone(),
                            p.amount.to_string(),
                            p.status.clone(),
                            p.mode.clone(),
                            p.expires_at.clone(),
                        ]
                    })
                    .collect();
                table(
                    &["PAY TOKEN", "APP", "USER", "ORDER NO", "AMOUNT", "STATUS", "MODE", "APPROVE BY"],
                    &rows,
                );
            }
        }
        SimPayCmd::Show { pay_token, json } => {
            let p = client.payment(&pay_token).await?;
            if json {
                crate::output::json(&p);
            } else {
                show_payment(&p);
            }
        }
        SimPayCmd::Approve { pay_token, method, card, json } => {
            let p =
                client.sim_pay_approve(&SimPayApprove { pay_token, method, card_company_code: card }).await?;
            if json {
                crate::output::json(&p);
            } else {
                let card = p.card_company_code.as_deref().map(|c| format!(", card {c}")).unwrap_or_default();
                println!(
                    "approved {} ({} {} won by {}{card}): the partner may execute it",
                    p.pay_token,
                    p.order_no,
                    p.amount,
                    opt(p.pay_method.as_deref())
                );
            }
        }
        SimPayCmd::Decline { pay_token, json } => {
            let p = client.sim_pay_decline(&SimPayDecline { pay_token }).await?;
            if json {
                crate::output::json(&p);
            } else {
                println!("declined {} ({}): {}", p.pay_token, p.order_no, p.status);
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn show_payment(p: &Payment) {
    println!("payment {} of app {} ({})", p.pay_token, p.app, p.mode);
    println!("  order no     {}", p.order_no);
    println!("  product      {}", p.product_desc);
    println!("  user         {} (userKey {})", p.user_id, p.user_key);
    println!("  amount       {} (refunded {})", p.amount, p.refunded_amount);
    println!("  status       {}", p.status);
    println!("  method       {}", opt(p.pay_method.as_deref()));
    println!("  made         {}", p.created_at);
    println!("  approve by   {}", p.expires_at);
    println!("  paid         {}", opt(p.paid_at.as_deref()));
    let rows: Vec<Vec<String>> = p
        .transactions
        .iter()
        .map(|t| {
            vec![
                t.step_type.clone(),
                t.transaction_id.clone(),
                t.transaction_amount.to_string(),
                t.reg_ts.clone(),
            ]
        })
        .collect();
    table(&["STEP", "TRANSACTION", "AMOUNT", "AT (KST)"], &rows);
}

pub(crate) async fn app_pay(g: &Global, a: AppPayArgs) -> anyhow::Result<ExitCode> {
    let client = connect(g)?;
    let patch = PatchPaySettings {
        test_payment_reading: a.test_payment_reading,
        refuse_live: a.refuse_live,
        approval_ttl_secs: a.approval_ttl,
    };
    let settings = if patch == PatchPaySettings::default() {
        client.pay_settings(&a.name).await?
    } else {
        client.update_pay_settings(&a.name, &patch).await?
    };
    if a.json {
        crate::output::json(&settings);
    } else {
        show_pay(&settings);
    }
    Ok(ExitCode::SUCCESS)
}

pub(crate) fn show_pay(s: &PaySettings) {
    println!("toss pay of {}:", s.app);
    println!(
        "  isTestPayment   {}",
        match s.test_payment_reading.as_str() {
            "FALSE_IS_TEST" => "false means a test payment (FALSE_IS_TEST, the API reference)",
            _ => "true means a test payment (TRUE_IS_TEST, the develop page)",
        }
    );
    println!("  live payments   {}", if s.refuse_live { "refused" } else { "accepted (simulated)" });
    println!("  approval time   {} s", s.approval_ttl_secs);
}

fn order_line(o: &Order) -> String {
    let reason = o.reason.as_deref().map(|r| format!(" ({r})")).unwrap_or_default();
    format!("order {} of {}: {} {} won, {}{reason}", o.order_id, o.app, o.sku, o.amount, o.status)
}

pub(crate) async fn sim_iap(g: &Global, cmd: SimIapCmd) -> anyhow::Result<ExitCode> {
    let client = connect(g)?;
    match cmd {
        SimIapCmd::Buy { app, user, sku, outcome, reason, json } => {
            let o =
                client.sim_purchase(&SimPurchase { app, user, sku, outcome: Some(outcome), reason }).await?;
            if json {
                crate::output::json(&o);
            } else {
                // The orderId alone on stdout, for `ORDER=$(intoss sim iap buy ...)`.
                println!("{}", o.order_id);
                eprintln!("{}", order_line(&o));
            }
        }
        SimIapCmd::Update { order_id, status, reason, json } => {
            let o = client.sim_order_update(&SimOrderUpdate { order_id, status, reason }).await?;
            if json {
                crate::output::json(&o);
            } else {
                println!("{}", order_line(&o));
            }
        }
        SimIapCmd::List { app, user, json } => {
            let orders = client.orders(app.as_deref(), user.as_deref()).await?.orders;
            if json {
                crate::output::json(&orders);
            } else {
                let rows: Vec<Vec<String>> = orders
                    .iter()
                    .map(|o| {
                        vec![
                            o.order_id.clone(),
                            o.app.clone(),
                            o.user_id.clone(),
                            o.sku.clone(),
                            o.amount.to_string(),
                            o.status.clone(),
                            o.status_determined_at.clone(),
                        ]
                    })
                    .collect();
                table(&["ORDER ID", "APP", "USER", "SKU", "AMOUNT", "STATUS", "SINCE"], &rows);
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub(crate) async fn product(g: &Global, cmd: ProductCmd) -> anyhow::Result<ExitCode> {
    let client = connect(g)?;
    match cmd {
        ProductCmd::Add { app, sku, name, price, json } => {
            let p = client.create_product(&app, &CreateProduct { sku, name, price }).await?;
            if json {
                crate::output::json(&p);
            } else {
                println!("product {} ({}, {} won) added to {}", p.sku, p.name, p.price, p.app);
            }
        }
        ProductCmd::List { app, json } => {
            let products = client.products(&app).await?.products;
            if json {
                crate::output::json(&products);
            } else {
                let rows: Vec<Vec<String>> = products
                    .iter()
                    .map(|p| {
                        vec![
                            p.sku.clone(),
                            p.name.clone(),
                            p.price.to_string(),
                            if p.deleted_at.is_some() { "deleted".into() } else { "on sale".into() },
                        ]
                    })
                    .collect();
                table(&["SKU", "NAME", "PRICE", "STATE"], &rows);
            }
        }
        ProductCmd::Delete { app, sku, json } => {
            let p = client.delete_product(&app, &sku).await?;
            if json {
                crate::output::json(&p);
            } else {
                println!("product {} of {} is no longer on sale", p.sku, p.app);
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
