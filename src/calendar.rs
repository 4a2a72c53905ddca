//! The time axis: weekly steps from a start date, reported at month ends.

use chrono::{Datelike, Months, NaiveDate};

/// Weeks and month ends of a scenario.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Calendar {
    /// First day of the simulation (week 0 starts here).
    pub start: NaiveDate,
    /// Month ends reported: (label `YYYY-MM`, weeks completed by that day).
    pub month_ends: Vec<(String, u32)>,
    /// Weeks simulated: those completed by the last reported month end.
    pub horizon_weeks: u32,
}

impl Calendar {
    /// The calendar of `horizon_months` month ends from `start` (the month of
    /// `start` is the first). Returns `None` if the dates overflow.
    ///
    /// The state reported for a month end is the state after the last week
    /// that is complete by the end of that day: a week is the unit of the
    /// model, and a partial week has not happened yet.
    pub fn new(start: NaiveDate, horizon_months: u32) -> Option<Calendar> {
        let first_of_month = start.with_day(1)?;
        let mut month_ends = Vec::with_capacity(horizon_months as usize);
        for m in 0..horizon_months {
            let next_first = first_of_month.checked_add_months(Months::new(m + 1))?;
            let end = next_first.pred_opt()?;
            let days = (end - start).num_days() + 1;
            let weeks = u32::try_from(days / 7).ok()?;
            month_ends.push((format!("{:04}-{:02}", end.year(), end.month()), weeks));
        }
        let horizon_weeks = month_ends.last().map_or(0, |&(_, w)| w);
        Some(Calendar {
            start,
            month_ends,
            horizon_weeks,
        })
    }

    /// The first day of week `week`.
    pub fn week_start(&self, week: u32) -> NaiveDate {
        self.start + chrono::Duration::days(7 * i64::from(week))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn september_2025_scenario_has_24_month_ends_and_104_weeks() {
        let start = NaiveDate::from_ymd_opt(2025, 9, 3).unwrap();
        let c = Calendar::new(start, 24).unwrap();
        assert_eq!(c.month_ends.len(), 24);
        assert_eq!(c.month_ends[0], ("2025-09".to_string(), 4)); // Sep 3..30 = 28 days
        assert_eq!(c.month_ends[23].0, "2027-08");
        // Sep 3 2025 .. Aug 31 2027 is 728 days = 104 weeks.
        assert_eq!(c.horizon_weeks, 104);
    }

    #[test]
    fn weeks_never_decrease_across_month_ends() {
        let start = NaiveDate::from_ymd_opt(2025, 1, 31).unwrap();
        let c = Calendar::new(start, 14).unwrap();
        assert_eq!(c.month_ends[0].1, 0); // Jan 31: no complete week yet
        assert!(c.month_ends.windows(2).all(|w| w[0].1 <= w[1].1));
    }
}
