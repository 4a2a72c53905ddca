//! The observed-data reader of `score` and `calibrate`: any bytes give
//! observations or a message with the line, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let path = std::path::Path::new("observed.csv");
    if let Ok(obs) = bilateral::score::parse_observed(path, data) {
        let ids = ["us".to_string(), "mx".to_string()];
        let _ = bilateral::score::check_variables(path, &obs, &bilateral::score::variable_names(&ids));
    }
});
