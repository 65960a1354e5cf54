//! `intoss app template ...` and `intoss sim inbox`: message templates (기능성 푸시, 알림) and
//! their review, and what a sandbox user received, through the admin API.

use std::process::ExitCode;

use anyhow::bail;
use clap::Subcommand;
use intoss_proto::api::messages::{CreateTemplate, Message, ReviewTemplate, SimAnonKey, Template};

use crate::admin_cmds::connect;
use crate::args::Global;
use crate::output::table;

#[derive(Debug, Subcommand)]
pub(crate) enum TemplateCmd {
    /// Add a message template (in review until approved); `#{variable}` placeholders.
    Add {
        /// The app.
        app: String,
        /// The templateSetCode partners send with.
        #[arg(long)]
        code: String,
        #[arg(long)]
        title: String,
        #[arg(long)]
        body: String,
        /// Send as a push (default true).
        #[arg(long)]
        push: Option<bool>,
        /// Keep in the inbox (default true).
        #[arg(long)]
        inbox: Option<bool>,
        #[arg(long)]
        json: bool,
    },
    /// The app's templates and their review.
    List {
        app: String,
        #[arg(long)]
        json: bool,
    },
    /// Approve a template in review (검수), or reject it with --reject.
    Review {
        app: String,
        code: String,
        #[arg(long, conflicts_with = "reject")]
        approve: bool,
        #[arg(long)]
        reject: bool,
        /// Why rejected.
        #[arg(long)]
        reason: Option<String>,
        #[arg(long)]
        json: bool,
    },
}

fn template_line(t: &Template) -> String {
    let why = t.review_reason.as_deref().map(|r| format!(" ({r})")).unwrap_or_default();
    format!("template {} of {}: {}{why}", t.template_set_code, t.app, t.status)
}

pub(crate) async fn template(g: &Global, cmd: TemplateCmd) -> anyhow::Result<ExitCode> {
    let client = connect(g)?;
    match cmd {
        TemplateCmd::Add { app, code, title, body, push, inbox, json } => {
            let t = client
                .create_template(&app, &CreateTemplate { template_set_code: code, title, body, push, inbox })
                .await?;
            if json {
                crate::output::json(&t);
            } else {
                println!("{}; variables: {}", template_line(&t), t.variables.join(", "));
            }
        }
        TemplateCmd::List { app, json } => {
            let templates = client.templates(&app).await?.templates;
            if json {
                crate::output::json(&templates);
            } else {
                let rows: Vec<Vec<String>> = templates
                    .iter()
                    .map(|t| {
                        let channels = [(t.push, "push"), (t.inbox, "inbox")]
                            .iter()
                            .filter(|(on, _)| *on)
                            .map(|(_, c)| *c)
                            .collect::<Vec<_>>()
                            .join("+");
                        vec![
                            t.template_set_code.clone(),
                            t.status.clone(),
                            channels,
                            t.title.clone(),
                            t.variables.join(","),
                        ]
                    })
                    .collect();
                table(&["CODE", "STATUS", "CHANNELS", "TITLE", "VARIABLES"], &rows);
            }
        }
        TemplateCmd::Review { app, code, approve, reject, reason, json } => {
            if approve == reject {
                bail!("say --approve or --reject");
            }
            let t = client.review_template(&app, &code, &ReviewTemplate { approve, reason }).await?;
            if json {
                crate::output::json(&t);
            } else {
                println!("{}", template_line(&t));
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn show(m: &Message) {
    let test = if m.test { " (test)" } else { "" };
    println!("[{}] {} · {}{test} · {}", m.channel, m.app, m.created_at, m.content_id);
    println!("  {}", m.title);
    for line in m.body.lines() {
        println!("  {line}");
    }
}

/// `intoss sim inbox --user U`.
pub(crate) async fn inbox(g: &Global, user: &str, json: bool) -> anyhow::Result<ExitCode> {
    let messages = connect(g)?.inbox(user).await?.messages;
    if json {
        crate::output::json(&messages);
    } else if messages.is_empty() {
        println!("no messages for {user}");
    } else {
        for m in &messages {
            show(m);
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `intoss sim anon-key --app A --user U`: the key alone on stdout.
pub(crate) async fn anon_key(g: &Global, app: String, user: String, json: bool) -> anyhow::Result<ExitCode> {
    let k = connect(g)?.sim_anon_key(&SimAnonKey { app, user }).await?;
    if json {
        crate::output::json(&k);
    } else {
        println!("{}", k.anon_key);
    }
    Ok(ExitCode::SUCCESS)
}
