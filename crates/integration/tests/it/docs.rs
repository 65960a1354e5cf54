//! The READMEs stay in step: README.ko.md (for Korean partner teams) has README.md's sections
//! and, verbatim and in order, its code blocks; both list every gateway errorCode.

use std::path::PathBuf;

fn read(name: &str) -> String {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    std::fs::read_to_string(root.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// The fenced code blocks of a Markdown text, in order.
fn code_blocks(text: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut current: Option<Vec<&str>> = None;
    for line in text.lines() {
        match current.as_mut() {
            None if line.trim_start().starts_with("```") => current = Some(vec![line]),
            None => {}
            Some(b) => {
                b.push(line);
                if line.trim_start().starts_with("```") {
                    blocks.push(b.join("\n"));
                    current = None;
                }
            }
        }
    }
    blocks
}

/// Heading levels outside code blocks, in order.
fn headings(text: &str) -> Vec<usize> {
    let mut in_code = false;
    let mut out = Vec::new();
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            in_code = !in_code;
        } else if !in_code && line.starts_with('#') {
            out.push(line.chars().take_while(|&c| c == '#').count());
        }
    }
    out
}

#[test]
fn the_korean_readme_follows_the_english_one() {
    let (en, ko) = (read("README.md"), read("README.ko.md"));
    assert_eq!(headings(&ko), headings(&en), "README.ko.md has README.md's sections, at the same levels");
    let (en_blocks, ko_blocks) = (code_blocks(&en), code_blocks(&ko));
    for (i, (e, k)) in en_blocks.iter().zip(&ko_blocks).enumerate() {
        assert_eq!(k, e, "code block {i} of README.ko.md differs from README.md's");
    }
    assert_eq!(ko_blocks.len(), en_blocks.len(), "the same number of code blocks");
    assert!(ko.contains("README.md"), "README.ko.md links back to README.md");
}

#[test]
fn both_readmes_list_every_error_code() {
    for name in ["README.md", "README.ko.md"] {
        let text = read(name);
        for code in intoss_proto::ErrorCode::ALL {
            let cell = format!("| `{}` | {} |", code.as_str(), code.http_status());
            // Promotions' numeric codes are documented in docs/partner-apis.md.
            if code.as_str().chars().all(|c| c.is_ascii_digit()) {
                continue;
            }
            assert!(text.contains(&cell), "{name} lists no `{cell}`");
        }
    }
}
