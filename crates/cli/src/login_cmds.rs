//! `intoss user ...`, `intoss sim login|unlink`, `intoss app show|login`: Toss Login's sandbox users, the
//! Toss-app simulator and each app's login settings, through the admin API.

use std::process::ExitCode;

use anyhow::bail;
use clap::{Args, Subcommand};
use intoss_proto::api::login::{CreateUser, LoginSettings, PatchLoginSettings, SimLogin, SimUnlink};

use crate::admin_cmds::connect;
use crate::args::Global;
use crate::output::{opt, table};

#[derive(Debug, Subcommand)]
pub(crate) enum UserCmd {
    /// Create a sandbox user (name, phone, birthday, gender, nationality, e-mail, CI).
    Create {
        /// Stable id (`a-z 0-9 -`); generated when absent.
        #[arg(long)]
        id: Option<String>,
        /// 이름.
        #[arg(long)]
        name: String,
        /// Digits, e.g. 01012345678.
        #[arg(long)]
        phone: String,
        /// yyyyMMdd.
        #[arg(long)]
        birthday: String,
        #[arg(long, value_parser = ["MALE", "FEMALE"])]
        gender: String,
        #[arg(long, value_parser = ["LOCAL", "FOREIGNER"])]
        nationality: Option<String>,
        #[arg(long)]
        email: Option<String>,
        /// 연계정보; derived from the identity when absent.
        #[arg(long)]
        ci: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Every sandbox user.
    List {
        #[arg(long)]
        json: bool,
    },
    /// One user and the apps they are linked to (with each app's userKey).
    Show {
        id: String,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub(crate) enum SimCmd {
    /// Log in to an app as a user with chosen consents; prints the authorization code.
    Login {
        #[arg(long)]
        app: String,
        #[arg(long)]
        user: String,
        /// Consent scopes, comma-separated: USER_NAME, USER_EMAIL, USER_GENDER, USER_BIRTHDAY,
        /// USER_NATIONALITY, USER_PHONE, USER_CI.
        #[arg(long, value_delimiter = ',')]
        scopes: Vec<String>,
        /// Agreed term tags, comma-separated.
        #[arg(long, value_delimiter = ',')]
        terms: Vec<String>,
        #[arg(long, value_parser = ["DEFAULT", "SANDBOX"])]
        referrer: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Unlink an app as the user (UNLINK, WITHDRAWAL_TERMS), or leave Toss (WITHDRAWAL_TOSS).
    Unlink {
        /// The app (not needed for WITHDRAWAL_TOSS: every app is unlinked).
        #[arg(long)]
        app: Option<String>,
        #[arg(long)]
        user: String,
        #[arg(long, value_parser = ["UNLINK", "WITHDRAWAL_TERMS", "WITHDRAWAL_TOSS"], default_value = "UNLINK")]
        reason: String,
        #[arg(long)]
        json: bool,
    },
    /// Toss Pay as the user: payments awaiting approval, approve or decline one.
    #[command(subcommand)]
    Pay(crate::pay_cmds::SimPayCmd),
    /// In-app purchase as the user: buy a product, complete, fail or refund an order.
    #[command(subcommand)]
    Iap(crate::pay_cmds::SimIapCmd),
    /// The user's inbox: every push and 알림 sent to them, rendered.
    Inbox {
        #[arg(long)]
        user: String,
        #[arg(long)]
        json: bool,
    },
    /// The user's anonymous key for an app (for x-anon-key); made on first request.
    AnonKey {
        #[arg(long)]
        app: String,
        #[arg(long)]
        user: String,
        #[arg(long)]
        json: bool,
    },
    /// The user's Toss points from promotions, with every execution.
    Points {
        #[arg(long)]
        user: String,
        #[arg(long)]
        json: bool,
    },
    /// A pending promotion execution fails (its points go back to the budget).
    PromotionFail {
        /// The execution's key.
        key: String,
        #[arg(long)]
        reason: Option<String>,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Args)]
pub(crate) struct AppLoginArgs {
    /// The app.
    name: String,
    /// Accept `mock-auth-<uuid>` codes with referrer SANDBOX.
    #[arg(long)]
    test_mode: Option<bool>,
    /// The user a mock code logs in (`none` clears).
    #[arg(long)]
    default_user: Option<String>,
    /// Where the simulator sends the user with the code (`none` clears).
    #[arg(long)]
    return_url: Option<String>,
    /// The unlink callback URL (`none` clears).
    #[arg(long)]
    unlink_url: Option<String>,
    #[arg(long, value_parser = ["GET", "POST"])]
    unlink_method: Option<String>,
    /// `user:password` sent as Basic Auth with the callback (`none` clears).
    #[arg(long)]
    unlink_basic_auth: Option<String>,
    /// Give the app a new decryption key.
    #[arg(long)]
    rotate_key: bool,
    #[arg(long)]
    json: bool,
}

/// `none` clears a setting; anything else sets it.
fn clearable(v: Option<String>) -> Option<Option<String>> {
    v.map(|s| if s == "none" { None } else { Some(s) })
}

pub(crate) async fn user(g: &Global, cmd: UserCmd) -> anyhow::Result<ExitCode> {
    let client = connect(g)?;
    match cmd {
        UserCmd::Create { id, name, phone, birthday, gender, nationality, email, ci, json } => {
            let u = client
                .create_user(&CreateUser { id, name, phone, birthday, gender, nationality, email, ci })
                .await?;
            if json {
                crate::output::json(&u);
            } else {
                println!("user {} ({}) created", u.id, u.name);
            }
        }
        UserCmd::List { json } => {
            let users = client.list_users().await?.users;
            if json {
                crate::output::json(&users);
            } else {
                let rows: Vec<Vec<String>> = users
                    .iter()
                    .map(|u| {
                        vec![
                            u.id.clone(),
                            u.name.clone(),
                            u.phone.clone(),
                            u.birthday.clone(),
                            u.gender.clone(),
                            u.nationality.clone(),
                            opt(u.email.as_deref()),
                            if u.withdrawn_at.is_some() { "left Toss".into() } else { "-".into() },
                        ]
                    })
                    .collect();
                table(&["ID", "NAME", "PHONE", "BIRTHDAY", "GENDER", "NATIONALITY", "EMAIL", "STATE"], &rows);
            }
        }
        UserCmd::Show { id, json } => {
            let (u, links) = (client.user(&id).await?, client.user_links(&id).await?);
            if json {
                crate::output::json(&serde_json::json!({ "user": u, "links": links.links }));
            } else {
                println!(
                    "user {} ({}), {} {} {} {}",
                    u.id, u.name, u.phone, u.birthday, u.gender, u.nationality
                );
                let rows: Vec<Vec<String>> = links
                    .links
                    .iter()
                    .map(|l| {
                        vec![
                            l.app.clone(),
                            l.user_key.to_string(),
                            l.scopes.join(","),
                            l.unlinked_at
                                .as_ref()
                                .map_or_else(|| "linked".into(), |t| format!("unlinked {t}")),
                        ]
                    })
                    .collect();
                table(&["APP", "USER KEY", "SCOPES", "STATE"], &rows);
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub(crate) async fn sim(g: &Global, cmd: SimCmd) -> anyhow::Result<ExitCode> {
    let client = connect(g)?;
    match cmd {
        SimCmd::Pay(cmd) => return crate::pay_cmds::sim_pay(g, cmd).await,
        SimCmd::Iap(cmd) => return crate::pay_cmds::sim_iap(g, cmd).await,
        SimCmd::Inbox { user, json } => return crate::message_cmds::inbox(g, &user, json).await,
        SimCmd::AnonKey { app, user, json } => {
            return crate::message_cmds::anon_key(g, app, user, json).await;
        }
        SimCmd::Points { user, json } => return crate::promotion_cmds::points(g, &user, json).await,
        SimCmd::PromotionFail { key, reason, json } => {
            return crate::promotion_cmds::fail(g, key, reason, json).await;
        }
        SimCmd::Login { app, user, scopes, terms, referrer, json } => {
            let code =
                client.sim_login(&SimLogin { app, user, scopes, agreed_terms: terms, referrer }).await?;
            if json {
                crate::output::json(&code);
            } else {
                // The code alone on stdout, for `CODE=$(intoss sim login ...)`.
                println!("{}", code.authorization_code);
                eprintln!(
                    "authorization code for userKey {} (referrer {}, valid {} s)",
                    code.user_key, code.referrer, code.expires_in
                );
                if let Some(url) = &code.return_url {
                    eprintln!("return URL: {url}");
                }
            }
        }
        SimCmd::Unlink { app, user, reason, json } => {
            let done = client.sim_unlink(&SimUnlink { app, user, reason }).await?;
            if json {
                crate::output::json(&done);
            } else {
                for u in &done.unlinked {
                    let cb = if u.callback { "callback sent" } else { "no callback URL" };
                    println!("unlinked {} (userKey {}): {cb}", u.app, u.user_key);
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub(crate) async fn app_show(g: &Global, name: &str, json: bool) -> anyhow::Result<ExitCode> {
    let client = connect(g)?;
    let (app, login, pay) =
        (client.app(name).await?, client.login_settings(name).await?, client.pay_settings(name).await?);
    if json {
        crate::output::json(&serde_json::json!({ "app": app, "login": login, "pay": pay }));
    } else {
        println!("app {}: qpm {}, allowed IPs {}", app.name, app.qpm, crate::output::list(&app.allow_ips));
        show_login(&login);
        crate::pay_cmds::show_pay(&pay);
    }
    Ok(ExitCode::SUCCESS)
}

pub(crate) async fn app_login(g: &Global, a: AppLoginArgs) -> anyhow::Result<ExitCode> {
    let client = connect(g)?;
    let patch = PatchLoginSettings {
        test_mode: a.test_mode,
        default_user: clearable(a.default_user),
        return_url: clearable(a.return_url),
        unlink_url: clearable(a.unlink_url),
        unlink_method: a.unlink_method,
        unlink_basic_auth: clearable(a.unlink_basic_auth),
        rotate_key: a.rotate_key.then_some(true),
    };
    if patch == PatchLoginSettings::default() {
        bail!(
            "nothing to change: pass --test-mode, --default-user, --return-url, --unlink-url, --unlink-method, --unlink-basic-auth or --rotate-key"
        );
    }
    let login = client.update_login_settings(&a.name, &patch).await?;
    if a.json {
        crate::output::json(&login);
    } else {
        show_login(&login);
    }
    Ok(ExitCode::SUCCESS)
}

fn show_login(l: &LoginSettings) {
    println!("toss login of {}:", l.app);
    println!("  decryption key  {}", l.decryption_key);
    println!("  AAD             {}", l.aad);
    println!(
        "  test mode       {}",
        if l.test_mode { "on (mock-auth-<uuid> codes accepted)" } else { "off" }
    );
    println!("  default user    {}", opt(l.default_user.as_deref()));
    println!("  return URL      {}", opt(l.return_url.as_deref()));
    let auth = if l.unlink_basic_auth_set { ", Basic Auth set" } else { "" };
    println!("  unlink callback {} {}{auth}", l.unlink_method, opt(l.unlink_url.as_deref()));
}
