//! Conditions over the outcome metrics of one run, in the rule condition
//! language of `scenario::rules` (comparisons joined by `and` / `or`).
//!
//! The rule parser resolves names to model variables; here every name is an
//! outcome metric. The metrics are handed to that parser as placeholder
//! variables (metric `k` as `Var::Actor(k, …)`) and the parsed tree is
//! converted at once into [`MetricCondition`], so the placeholders never
//! leave this module and the language stays the one the rules use.

use crate::model::rules::{ActorVar, Cmp, Condition, Operand, Var};
use crate::scenario::rules::{ConditionError, parse_condition};

/// One side of a comparison.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Side {
    /// A number.
    Num(f64),
    /// An outcome metric, by index into the metric list it was parsed with.
    Metric(usize),
}

/// A condition over one run's outcome metrics.
#[derive(Debug, Clone, PartialEq)]
pub enum MetricCondition {
    /// `left op right`
    Compare(Side, Cmp, Side),
    /// Both hold.
    And(Box<MetricCondition>, Box<MetricCondition>),
    /// Either holds.
    Or(Box<MetricCondition>, Box<MetricCondition>),
}

impl MetricCondition {
    /// Parses `text`, whose variables are the metric `names` (index order).
    /// An unknown name gets the closest metric as a suggestion, or the list.
    pub fn parse(text: &str, names: &[String]) -> Result<MetricCondition, ConditionError> {
        let table: Vec<(String, Var)> = names
            .iter()
            .enumerate()
            .map(|(k, n)| (n.clone(), Var::Actor(k, ActorVar::TariffPct)))
            .collect();
        match parse_condition(text, &table) {
            Ok(c) => Ok(convert(&c)),
            Err(mut e) => {
                if e.message.starts_with("unknown variable")
                    && !e.help.as_deref().unwrap_or("").starts_with("did you mean")
                {
                    e.help = Some(format!("outcome metrics: {}", names.join(", ")));
                }
                Err(e)
            }
        }
    }

    /// Whether the condition holds for `metrics` (indexed like the names it
    /// was parsed with). A comparison with an undefined (`NaN`) metric is
    /// false, as in IEEE arithmetic, except `!=`, which is true.
    pub fn holds(&self, metrics: &[f64]) -> bool {
        let get = |s: &Side| match *s {
            Side::Num(x) => x,
            Side::Metric(k) => metrics.get(k).copied().unwrap_or(f64::NAN),
        };
        match self {
            MetricCondition::Compare(l, op, r) => op.holds(get(l), get(r)),
            MetricCondition::And(a, b) => a.holds(metrics) && b.holds(metrics),
            MetricCondition::Or(a, b) => a.holds(metrics) || b.holds(metrics),
        }
    }

    /// Both conditions: `self and other`.
    pub fn and(self, other: MetricCondition) -> MetricCondition {
        MetricCondition::And(Box::new(self), Box::new(other))
    }
}

fn convert(c: &Condition) -> MetricCondition {
    let side = |o: &Operand| match *o {
        Operand::Num(x) => Side::Num(x),
        // Every name in the table is a placeholder `Var::Actor(k, _)`.
        Operand::Var(Var::Actor(k, _)) => Side::Metric(k),
        Operand::Var(_) => Side::Num(f64::NAN),
    };
    match c {
        Condition::Compare(l, op, r) => MetricCondition::Compare(side(l), *op, side(r)),
        Condition::And(a, b) => MetricCondition::And(Box::new(convert(a)), Box::new(convert(b))),
        Condition::Or(a, b) => MetricCondition::Or(Box::new(convert(a)), Box::new(convert(b))),
    }
}

/// Formats a condition error for a message: `column N: what; help`.
pub fn describe_error(e: &ConditionError) -> String {
    match &e.help {
        Some(h) => format!("column {}: {}; {h}", e.column, e.message),
        None => format!("column {}: {}", e.column, e.message),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names() -> Vec<String> {
        ["trade_loss_usd_bn", "mx_retaliated", "weeks_to_agreement"]
            .iter()
            .map(|s| s.to_string())
            .collect()
    }

    #[test]
    fn evaluates_the_issue_example() {
        let c = MetricCondition::parse("trade_loss_usd_bn < 30 and mx_retaliated == 0", &names())
            .unwrap();
        assert!(c.holds(&[29.0, 0.0, 5.0]));
        assert!(!c.holds(&[30.0, 0.0, 5.0]));
        assert!(!c.holds(&[10.0, 1.0, 5.0]));
        let c = MetricCondition::parse("mx_retaliated == 1 or trade_loss_usd_bn >= 30", &names())
            .unwrap();
        assert!(c.holds(&[30.0, 0.0, 5.0]));
        assert!(!c.holds(&[29.9, 0.0, 5.0]));
    }

    #[test]
    fn undefined_metrics_fail_comparisons() {
        let c = MetricCondition::parse("weeks_to_agreement < 1000", &names()).unwrap();
        assert!(!c.holds(&[0.0, 0.0, f64::NAN]));
        let c = MetricCondition::parse("weeks_to_agreement >= 1000", &names()).unwrap();
        assert!(!c.holds(&[0.0, 0.0, f64::NAN]));
    }

    #[test]
    fn unknown_metrics_are_named_with_a_suggestion() {
        let e = MetricCondition::parse("trade_loss_usd < 30", &names()).unwrap_err();
        assert_eq!(e.column, 1);
        assert_eq!(e.help.as_deref(), Some("did you mean `trade_loss_usd_bn`?"));
        let e = MetricCondition::parse("zzz < 30", &names()).unwrap_err();
        assert!(
            e.help
                .unwrap()
                .starts_with("outcome metrics: trade_loss_usd_bn")
        );
    }
}
