//! The README's "Guarantees" section names the test that holds each
//! promise: every name it gives must be a test that exists, so a renamed or
//! deleted test cannot leave a promise without its check.

use std::path::Path;

#[test]
fn every_test_the_guarantees_section_names_exists() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let start = readme.find("## Guarantees").expect("a Guarantees section");
    let section = &readme[start..];
    let section = &section[..section[3..].find("\n## ").map_or(section.len(), |i| i + 3)];
    let mut named = 0;
    for quoted in section.split('`').skip(1).step_by(2) {
        if let Some((module, test)) = quoted.split_once("::") {
            let file = root.join("tests").join(format!("{module}.rs"));
            let source = std::fs::read_to_string(&file)
                .unwrap_or_else(|_| panic!("`{quoted}`: no tests/{module}.rs"));
            if test == "*" {
                continue;
            }
            assert!(
                source.contains(&format!("fn {test}()")),
                "`{quoted}`: tests/{module}.rs has no test `{test}`"
            );
            named += 1;
        } else if let Some(file) = quoted.strip_prefix("tests/").filter(|f| !f.is_empty()) {
            // A glob such as `tests/bad_scenarios/rule_*.toml` must match a file.
            let (folder, pattern) = file.rsplit_once('/').unwrap_or(("", file));
            let (before, after) = pattern.split_once('*').unwrap_or((pattern, ""));
            let matches = std::fs::read_dir(root.join("tests").join(folder))
                .map(|entries| {
                    entries.flatten().any(|e| {
                        let name = e.file_name().to_string_lossy().into_owned();
                        if pattern.contains('*') {
                            name.starts_with(before) && name.ends_with(after)
                        } else {
                            name == pattern
                        }
                    })
                })
                .unwrap_or(false);
            assert!(matches, "`{quoted}` does not exist");
            named += 1;
        }
    }
    assert!(
        named >= 25,
        "only {named} tests named: is the section still there?"
    );
}
