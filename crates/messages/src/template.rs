//! `#{variable}` placeholders, as Korean messaging templates write them: a variable is 1 to 30
//! of `A-Z a-z 0-9 _`. **UNVERIFIED**: the Apps-in-Toss console's own placeholder syntax is not
//! published; the send API's `context` keys are the variable names.

use std::collections::BTreeMap;

/// A piece of a template.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Part<'a> {
    Text(&'a str),
    Var(&'a str),
}

fn var_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// Splits `s` into text and variables; an unclosed `#{` or a bad name is an error naming it.
fn parse(s: &str) -> Result<Vec<Part<'_>>, String> {
    let mut parts = Vec::new();
    let mut rest = s;
    while let Some(i) = rest.find("#{") {
        if i > 0 {
            parts.push(Part::Text(&rest[..i]));
        }
        let after = &rest[i + 2..];
        let Some(j) = after.find('}') else {
            // Twelve characters, not bytes: a byte offset can fall inside a Korean character.
            let shown: String = rest[i..].chars().take(12).collect();
            return Err(format!("`#{{` at `{shown}` is not closed by `}}`"));
        };
        let name = &after[..j];
        if name.is_empty() || name.len() > 30 || !name.chars().all(var_char) {
            return Err(format!("`#{{{name}}}`: a variable is 1 to 30 of A-Z a-z 0-9 _"));
        }
        parts.push(Part::Var(name));
        rest = &after[j + 1..];
    }
    if !rest.is_empty() {
        parts.push(Part::Text(rest));
    }
    Ok(parts)
}

/// Checks a template text; the error says what is wrong.
pub fn check(s: &str) -> Result<(), String> {
    parse(s).map(|_| ())
}

/// The variables of `texts`, in order of first use, each once.
pub fn variables(texts: &[&str]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for t in texts {
        for p in parse(t).unwrap_or_default() {
            if let Part::Var(v) = p
                && !out.iter().any(|o| o == v)
            {
                out.push(v.to_owned());
            }
        }
    }
    out
}

/// A variable the context does not give, or gives as something that is not text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RenderError {
    /// Not in the context.
    Missing(String),
    /// An object, an array or null.
    NotText(String),
}

/// `s` with every variable replaced by its value in `vars`: strings as they are, numbers and
/// booleans as JSON writes them.
pub fn render(s: &str, vars: &BTreeMap<String, serde_json::Value>) -> Result<String, RenderError> {
    let mut out = String::with_capacity(s.len());
    for p in parse(s).map_err(RenderError::Missing)? {
        match p {
            Part::Text(t) => out.push_str(t),
            Part::Var(v) => match vars.get(v) {
                Some(serde_json::Value::String(x)) => out.push_str(x),
                Some(x @ (serde_json::Value::Number(_) | serde_json::Value::Bool(_))) => {
                    out.push_str(&x.to_string())
                }
                Some(_) => return Err(RenderError::NotText(v.to_owned())),
                None => return Err(RenderError::Missing(v.to_owned())),
            },
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx(pairs: &[(&str, serde_json::Value)]) -> BTreeMap<String, serde_json::Value> {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), v.clone())).collect()
    }

    #[test]
    fn renders_variables_and_refuses_what_is_missing() {
        let t = "#{userName}님, #{storeName} 주문 #{count}건이 준비됐어요. #{userName}님 감사해요.";
        assert_eq!(variables(&[t, "#{date}"]), ["userName", "storeName", "count", "date"]);
        let vars =
            ctx(&[("userName", "김토스".into()), ("storeName", "토스카페".into()), ("count", 2.into())]);
        assert_eq!(
            render(t, &vars).unwrap_or_default(),
            "김토스님, 토스카페 주문 2건이 준비됐어요. 김토스님 감사해요."
        );
        assert_eq!(render("#{date}", &vars), Err(RenderError::Missing("date".into())));
        assert_eq!(
            render("#{x}", &ctx(&[("x", serde_json::json!({"a": 1}))])),
            Err(RenderError::NotText("x".into()))
        );
        assert_eq!(render("no variables, # { } #", &vars).unwrap_or_default(), "no variables, # { } #");
        assert!(check("#{open").is_err());
        assert!(check("#{a b}").is_err());
        assert!(check("#{}").is_err());
        assert!(check("#{ok_1} and #{또}").is_err(), "Korean names are refused");
        assert!(
            check("#{가나다라마바").is_err_and(|e| e.contains("가나다라")),
            "an unclosed Korean tail, no panic"
        );
    }
}
