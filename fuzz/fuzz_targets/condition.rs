//! The rule condition parser (lever rules, and `robust --require` /
//! `discover --when` over metrics): any text parses or gives an error with
//! a column inside the text; a parsed condition evaluates without panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let ids = ["us".to_string(), "mx".to_string()];
    let names = bilateral::model::rules::variable_names(&ids);
    if let Err(e) = bilateral::scenario::rules::parse_condition(text, &names) {
        assert!(e.column >= 1 && e.column <= text.chars().count() + 1, "{e:?}");
    }
    let metrics: Vec<String> = ["trade_loss_usd_bn", "mx_retaliated", "us_tariff_pct_end"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    if let Ok(c) = bilateral::analysis::condition::MetricCondition::parse(text, &metrics) {
        let _ = c.holds(&[1.0, f64::NAN, -3.0]);
    }
});
