//! Every NAME.json in tests/bad_partials/ is a partial result tampered one
//! way, NAME.expect the lines its error must contain: `bilateral merge`
//! must exit 2, name the file, say each line, not panic, and write nothing.
//! good.json is the untampered partial, which must merge (if it stops
//! merging after a change of the partial format or the metric layout,
//! regenerate the folder with tests/bad_partials/make.py).

mod common;

use common::bilateral;

#[test]
fn every_bad_partial_gets_its_error_and_the_good_one_merges() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/bad_partials");
    let tmp = tempfile::tempdir().unwrap();
    bilateral()
        .arg("merge")
        .arg(dir.join("good.json"))
        .arg("--quiet")
        .arg("--out")
        .arg(tmp.path().join("good"))
        .assert()
        .success();
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json") && !p.ends_with("good.json"))
        .collect();
    files.sort();
    assert!(files.len() >= 9, "the folder holds the broken partials");
    for path in files {
        let expected = std::fs::read_to_string(path.with_extension("expect"))
            .unwrap_or_else(|_| panic!("{} has no .expect", path.display()));
        let out_dir = tmp.path().join("out");
        let out = bilateral()
            .arg("merge")
            .arg(&path)
            .arg("--out")
            .arg(&out_dir)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{}: {stderr}", path.display());
        assert!(!stderr.contains("panicked"), "{stderr}");
        assert!(stderr.contains(&*path.to_string_lossy()), "{stderr}");
        for e in expected.lines().filter(|l| !l.is_empty()) {
            assert!(
                stderr.contains(e),
                "{}: expected `{e}` in:\n{stderr}",
                path.display()
            );
        }
        assert!(!out_dir.exists(), "{}: nothing written", path.display());
    }
}
