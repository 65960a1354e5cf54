//! `[sandbox] seed`: read at start, before any listener answers.
//!
//! A `.json` file is an exported state (`intoss sandbox export`): imported when none of its apps
//! exists yet, skipped when all do (a restart), refused when only some do. Any other file is a
//! TOML seed ([`intoss_console::seed::Seed`]), written where missing at every start and again
//! for an app its reset empties.

use std::path::Path;
use std::sync::Arc;

use intoss_console::seed::Seed;
use intoss_core::Registry;
use intoss_proto::api::sandbox::SandboxState;

use crate::StartError;

/// A seed file, parsed.
pub(crate) enum SeedFile {
    /// A TOML seed.
    Seed(Arc<Seed>),
    /// An exported state.
    State(Box<SandboxState>),
}

fn error(path: &Path, detail: impl std::fmt::Display) -> StartError {
    StartError::Seed { path: path.display().to_string(), detail: detail.to_string() }
}

/// Reads and checks the file.
pub(crate) fn read(path: &Path) -> Result<SeedFile, StartError> {
    let text = std::fs::read_to_string(path).map_err(|e| error(path, e))?;
    if path.extension().is_some_and(|e| e.eq_ignore_ascii_case("json")) {
        let mut de = serde_json::Deserializer::from_str(&text);
        let state: SandboxState = serde_path_to_error::deserialize(&mut de).map_err(|e| error(path, e))?;
        return Ok(SeedFile::State(Box::new(state)));
    }
    let seed: Seed = toml::from_str(&text).map_err(|e| error(path, e))?;
    seed.check().map_err(|e| error(path, e))?;
    Ok(SeedFile::Seed(Arc::new(seed)))
}

/// The TOML seed, for the console's resets.
pub(crate) fn toml_seed(file: Option<&SeedFile>) -> Option<Arc<Seed>> {
    match file {
        Some(SeedFile::Seed(s)) => Some(s.clone()),
        _ => None,
    }
}

/// Writes the seed at start.
pub(crate) async fn apply(
    path: &Path,
    file: SeedFile,
    registry: &Registry,
    console: &intoss_console::Console,
) -> Result<(), StartError> {
    match file {
        SeedFile::Seed(seed) => {
            intoss_console::seed::apply(console, &seed, None).await.map_err(|e| error(path, e.reason))?;
        }
        SeedFile::State(state) => {
            let mut there = Vec::new();
            for app in &state.apps {
                if registry.app(app).await.is_ok() {
                    there.push(app.as_str());
                }
            }
            if there.len() == state.apps.len() && !there.is_empty() {
                tracing::info!(apps = ?state.apps, "sandbox seed: the state's apps exist; not imported again");
                return Ok(());
            }
            if !there.is_empty() {
                return Err(error(path, format!("apps {there:?} exist already, the state's others do not")));
            }
            let done = registry.import_state(*state).await.map_err(|e| error(path, e))?;
            tracing::info!(apps = ?done.apps, rows = done.rows, "sandbox seed: state imported");
        }
    }
    Ok(())
}
