//! Prints the simulated tables that README.md and docs/MODEL.md quote, from
//! the commands the documents state (see `bilateral::docs::headlines`): the
//! README's quick-start table (`bilateral run scenarios/us_mexico_2025-09.toml`)
//! and its decision table, docs/MODEL.md's forecast headline table (section
//! 11c: the baselines of the three September 2025 forecasts) and the shares
//! of its regularity table (section 10). `tests/docs.rs` holds the documents
//! to the same functions.
//!
//! cargo run --release --example forecast_headlines            # print them
//! cargo run --release --example forecast_headlines -- --write # rewrite the documents in place
//!
//! Run from the crate's root. The quick start's first line (runs, time,
//! folder) is left as it is: its time is measured, not simulated.

use std::path::Path;

use bilateral::docs::headlines::{self, find_block};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let write = std::env::args().skip(1).any(|a| a == "--write");
    let root = Path::new(".");
    let blocks = headlines::blocks(root)?;
    let shares = headlines::regularity_shares(root)?;
    for b in &blocks {
        println!("== {}: {}\n{}", b.doc, b.what, b.text);
    }
    println!("== docs/MODEL.md: the regularity shares (section 10)");
    for (id, share) in &shares {
        println!("{id:4} {share}");
    }
    if !write {
        return Ok(());
    }
    for doc in ["README.md", "docs/MODEL.md"] {
        let path = Path::new(doc);
        let before = std::fs::read_to_string(path)?;
        let mut text = before.clone();
        for b in blocks.iter().filter(|b| b.doc == doc) {
            let range = find_block(&text, b.opening)
                .ok_or_else(|| format!("{doc}: no block opens with `{}`", b.opening))?;
            text.replace_range(range, &b.text);
        }
        if doc == "docs/MODEL.md" {
            text = headlines::with_shares(&text, &shares);
        }
        if text != before {
            std::fs::write(path, &text)?;
            eprintln!("{doc} rewritten");
        } else {
            eprintln!("{doc} unchanged");
        }
    }
    Ok(())
}
