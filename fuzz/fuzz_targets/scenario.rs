//! The scenario parser: any bytes give a scenario or a list of problems
//! (formatted, as `validate` prints them), never a panic or a hang.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    match bilateral::scenario::Scenario::from_bytes(std::path::Path::new("fuzz.toml"), data) {
        Ok(s) => {
            let _ = s.levers.len();
        }
        Err(e) => {
            let _ = e.to_string();
        }
    }
});
