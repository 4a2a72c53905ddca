//! The partial-result reader of `merge` (partials come from other
//! machines): any text is accepted as a checked partial or refused with a
//! message, never a panic, an overflow or an allocation beyond its size.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let path = std::path::Path::new("partial-1-of-2.json");
    if let Ok(p) = bilateral::output::partial::parse(path, text) {
        // A partial that passed merges with itself without panic.
        let mut r = p.results.clone();
        let _ = r.checked_merge(&p.results);
    }
});
