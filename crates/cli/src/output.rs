//! Printing: aligned tables for people, JSON for scripts.

/// Prints `value` as pretty JSON.
pub(crate) fn json<T: serde::Serialize + ?Sized>(value: &T) {
    println!("{}", serde_json::to_string_pretty(value).unwrap_or_default());
}

/// Prints rows under headers, each column as wide as its widest cell.
pub(crate) fn table(headers: &[&str], rows: &[Vec<String>]) {
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: Vec<String>| {
        let parts: Vec<String> = cells
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c}{}", " ".repeat(w - c.chars().count())))
            .collect();
        println!("{}", parts.join("  ").trim_end());
    };
    line(headers.iter().map(|h| (*h).to_owned()).collect());
    for row in rows {
        line(row.clone());
    }
}

/// An allowlist as display text: `any` when empty.
pub(crate) fn list(entries: &[String]) -> String {
    if entries.is_empty() { "any".to_owned() } else { entries.join(",") }
}

/// An optional value as display text (`-` when absent).
pub(crate) fn opt(v: Option<&str>) -> String {
    v.unwrap_or("-").to_owned()
}
