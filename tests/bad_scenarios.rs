//! Every file in tests/bad_scenarios/ is a realistic broken scenario whose
//! header lists, as `# expect: TEXT` lines, what its error must say.
//! `bilateral validate` must exit 2, print each expected text, and not panic.

mod common;

use common::bilateral;

#[test]
fn every_bad_scenario_gets_its_error() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/bad_scenarios");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert!(files.len() >= 25, "the folder holds the broken files");
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap();
        let expected: Vec<&str> = text
            .lines()
            .filter_map(|l| l.strip_prefix("# expect: "))
            .collect();
        assert!(
            !expected.is_empty(),
            "{} lists no expected error",
            path.display()
        );
        let out = bilateral().arg("validate").arg(&path).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{}: {stderr}", path.display());
        assert!(!stderr.contains("panicked"), "{}: {stderr}", path.display());
        // Every problem names the file.
        assert!(
            stderr.contains(&*path.to_string_lossy()),
            "{}",
            path.display()
        );
        for e in expected {
            assert!(
                stderr.contains(e),
                "{}: expected `{e}` in:\n{stderr}",
                path.display()
            );
        }
    }
}
