//! Regenerates the tables of docs/MODEL.md in place.
//!
//! cargo run --example model_tables

use std::path::Path;

use bilateral::docs::{BEGIN, END, tables};
use bilateral::scenario::Scenario;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let feb = Scenario::load(Path::new("scenarios/us_mexico_2025-02.toml"))?;
    let sep = Scenario::load(Path::new("scenarios/us_mexico_2025-09.toml"))?;
    let path = Path::new("docs/MODEL.md");
    let doc = std::fs::read_to_string(path)?;
    let (Some(start), Some(end)) = (doc.find(BEGIN), doc.find(END)) else {
        return Err("docs/MODEL.md lacks the generated-table markers".into());
    };
    let updated = format!(
        "{}{}{}",
        &doc[..start],
        tables(&feb, &sep).trim_end(),
        &doc[end + END.len()..]
    );
    std::fs::write(path, updated)?;
    Ok(())
}
