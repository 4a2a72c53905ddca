//! PRIM against the EMA Workbench: the trade-off curve of its own `Prim`
//! (tests/data/ema_prim_fixture.py, the Workbench's real code) on the same
//! synthetic data, box by box.

mod common;

use std::path::Path;

use bilateral::analysis::prim::{PrimOptions, prim};
use common::read_csv;

fn data() -> (Vec<Vec<f64>>, Vec<bool>) {
    let (h, rows) =
        read_csv(&Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/prim_data.csv"));
    let dims = h.len() - 1;
    let x = (0..dims)
        .map(|j| rows.iter().map(|r| r[j].parse().unwrap()).collect())
        .collect();
    let y = rows.iter().map(|r| r[dims] == "1").collect();
    (x, y)
}

#[test]
fn the_trade_off_curve_is_the_ema_workbenchs() {
    let (x, y) = data();
    let curve = prim(&x, &y, PrimOptions::default()).unwrap();
    let (h, rows) =
        read_csv(&Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/prim_ema_curve.csv"));
    let c = |name: &str| h.iter().position(|x| x == name).unwrap();
    let num = |s: &str| -> Option<f64> { (!s.is_empty()).then(|| s.parse().unwrap()) };
    let boxes = rows.last().unwrap()[0].parse::<usize>().unwrap() + 1;
    assert_eq!(curve.len(), boxes, "boxes on the curve");
    let close = |a: f64, b: f64| (a - b).abs() <= 1e-9 * b.abs().max(1e-300);
    for r in &rows {
        let b = &curve[r[c("box")].parse::<usize>().unwrap()];
        assert_eq!(b.n.to_string(), r[c("n")]);
        assert_eq!(b.k.to_string(), r[c("k")]);
        assert!(close(b.coverage, num(&r[c("coverage")]).unwrap()));
        assert!(close(b.density, num(&r[c("density")]).unwrap()));
        assert!(close(b.mass, num(&r[c("mass")]).unwrap()));
        if r[c("parameter")].is_empty() {
            assert!(b.restricted.is_empty());
            continue;
        }
        let j: usize = r[c("parameter")][1..].parse().unwrap();
        let (_, qp_low, qp_high) = b
            .restricted
            .iter()
            .find(|t| t.0 == j)
            .unwrap_or_else(|| panic!("box {} restricts p{j}", r[0]));
        // Limits are the same arithmetic on the same numbers: exact.
        assert_eq!(
            b.limits[j].0,
            num(&r[c("low")]).unwrap(),
            "box {} p{j}",
            r[0]
        );
        assert_eq!(
            b.limits[j].1,
            num(&r[c("high")]).unwrap(),
            "box {} p{j}",
            r[0]
        );
        for (ours, theirs) in [
            (qp_low, num(&r[c("qp_low")])),
            (qp_high, num(&r[c("qp_high")])),
        ] {
            match (ours, theirs) {
                (None, None) => {}
                (Some(a), Some(b)) => assert!(
                    (a - b).abs() <= 1e-8 * b,
                    "box {} p{j}: quasi-p {a} vs {b}",
                    r[0]
                ),
                other => panic!("box {} p{j}: quasi-p {other:?}", r[0]),
            }
        }
    }
    let restricted: usize = curve.iter().map(|b| b.restricted.len().max(1)).sum();
    assert_eq!(
        restricted,
        rows.len(),
        "one row per box and restricted parameter"
    );
}
