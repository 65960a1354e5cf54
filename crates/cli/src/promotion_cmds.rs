//! `intoss app promotion ...`, `intoss sim points` and `intoss sim promotion-fail`: promotions
//! (프로모션, 토스 포인트), each user's points and a failed settlement, through the admin API.

use std::process::ExitCode;

use clap::Subcommand;
use intoss_proto::api::promotions::{CreatePromotion, Promotion, SimPromoFail};

use crate::admin_cmds::connect;
use crate::args::Global;
use crate::output::table;

#[derive(Debug, Subcommand)]
pub(crate) enum PromotionCmd {
    /// Add a promotion (running) with its budget and per-grant limit, in points.
    Add {
        /// The app.
        app: String,
        #[arg(long)]
        code: String,
        #[arg(long)]
        name: String,
        #[arg(long)]
        budget: i64,
        #[arg(long)]
        per_grant_max: i64,
        /// Seconds an execution stays PENDING before SUCCESS (default 2).
        #[arg(long)]
        settle_secs: Option<i64>,
        #[arg(long)]
        json: bool,
    },
    /// The app's promotions with their budgets.
    List {
        app: String,
        #[arg(long)]
        json: bool,
    },
    /// Pause, resume or end a promotion (an ended one stays ended).
    Set {
        app: String,
        code: String,
        #[arg(long, value_parser = ["RUNNING", "PAUSED", "ENDED"])]
        state: String,
        #[arg(long)]
        json: bool,
    },
}

fn line(p: &Promotion) -> String {
    format!(
        "promotion {} of {}: {}, {} of {} points left, at most {} per grant",
        p.promotion_code, p.app, p.state, p.remaining, p.budget, p.per_grant_max
    )
}

pub(crate) async fn promotion(g: &Global, cmd: PromotionCmd) -> anyhow::Result<ExitCode> {
    let client = connect(g)?;
    match cmd {
        PromotionCmd::Add { app, code, name, budget, per_grant_max, settle_secs, json } => {
            let p = client
                .create_promotion(
                    &app,
                    &CreatePromotion { promotion_code: code, name, budget, per_grant_max, settle_secs },
                )
                .await?;
            if json {
                crate::output::json(&p);
            } else {
                println!("{}", line(&p));
            }
        }
        PromotionCmd::List { app, json } => {
            let list = client.promotions(&app).await?.promotions;
            if json {
                crate::output::json(&list);
            } else {
                let rows: Vec<Vec<String>> = list
                    .iter()
                    .map(|p| {
                        vec![
                            p.promotion_code.clone(),
                            p.name.clone(),
                            p.state.clone(),
                            p.remaining.to_string(),
                            p.budget.to_string(),
                            p.per_grant_max.to_string(),
                        ]
                    })
                    .collect();
                table(&["CODE", "NAME", "STATE", "LEFT", "BUDGET", "PER GRANT"], &rows);
            }
        }
        PromotionCmd::Set { app, code, state, json } => {
            let p = client.set_promotion_state(&app, &code, &state).await?;
            if json {
                crate::output::json(&p);
            } else {
                println!("{}", line(&p));
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `intoss sim points --user U`.
pub(crate) async fn points(g: &Global, user: &str, json: bool) -> anyhow::Result<ExitCode> {
    let ledger = connect(g)?.points(user).await?;
    if json {
        crate::output::json(&ledger);
    } else {
        println!("{} has {} Toss points from promotions", ledger.user_id, ledger.balance);
        let rows: Vec<Vec<String>> = ledger
            .entries
            .iter()
            .map(|e| {
                vec![
                    e.created_at.clone(),
                    e.app.clone(),
                    e.promotion_code.clone(),
                    e.amount.to_string(),
                    if e.test { format!("{} (test)", e.status) } else { e.status.clone() },
                ]
            })
            .collect();
        table(&["AT", "APP", "PROMOTION", "POINTS", "RESULT"], &rows);
    }
    Ok(ExitCode::SUCCESS)
}

/// `intoss sim promotion-fail KEY`.
pub(crate) async fn fail(
    g: &Global,
    key: String,
    reason: Option<String>,
    json: bool,
) -> anyhow::Result<ExitCode> {
    let e = connect(g)?.sim_promotion_fail(&SimPromoFail { key, reason }).await?;
    if json {
        crate::output::json(&e);
    } else {
        println!("execution of {} for {} is {}", e.promotion_code, e.user_id, e.status);
    }
    Ok(ExitCode::SUCCESS)
}
