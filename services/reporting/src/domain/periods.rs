//! Periods (kỳ báo cáo) and their data-cutoff windows (Decree 09/2019/NĐ-CP): a month's data
//! runs from the 15th of the month before to the 14th; a quarter, six or nine months and a year
//! likewise end on the 14th of their last month. An ad hoc period is its window. A report is due
//! a number of working days after the cutoff (weekends and holidays do not count).
//!
//! Days are Vietnam local dates (`lienthong_axis::local`).
use std::collections::BTreeSet;

use lienthong_api::reporting::v1::{Period, PeriodKind, Regime, ReportStatus};
use lienthong_axis::{
    FieldError,
    local::{format_date, parse_date_opt},
};
use time::{Date, Duration, Month, Weekday};

/// The years periods may belong to.
pub const MIN_YEAR: i32 = 2000;
pub const MAX_YEAR: i32 = 2100;
/// The longest ad hoc window, in days.
pub const MAX_AD_HOC_DAYS: i64 = 366;

fn ymd(y: i32, m: u8, d: u8) -> Option<Date> {
    Date::from_calendar_date(y, Month::try_from(m).ok()?, d).ok()
}

/// The 15th of the month before `(y, m)` — the first day of a window ending on the 14th of
/// a month.
fn fifteenth_before(y: i32, m: u8) -> Option<Date> {
    if m == 1 {
        ymd(y - 1, 12, 15)
    } else {
        ymd(y, m - 1, 15)
    }
}

/// A period of a regime: its key and data-cutoff window (both ends included).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Window {
    pub key: String,
    pub start: Date,
    pub end: Date,
}

fn period_rule(kind: PeriodKind) -> &'static str {
    match kind {
        PeriodKind::Month => "yyyy-MM (e.g. 2026-03)",
        PeriodKind::Quarter => "yyyy-Qn (e.g. 2026-Q1)",
        PeriodKind::SixMonths => "yyyy-6M (e.g. 2026-6M)",
        PeriodKind::NineMonths => "yyyy-9M (e.g. 2026-9M)",
        PeriodKind::Year => "yyyy (e.g. 2026)",
        PeriodKind::AdHoc => "yyyy-MM-dd..yyyy-MM-dd (the window, e.g. 2026-03-01..2026-03-20)",
        PeriodKind::Unspecified => "a period of a known kind",
    }
}

/// The window of one period: `sub` is the month (1–12) or the quarter (1–4), 0 otherwise.
pub fn window(kind: PeriodKind, year: i32, sub: u8) -> Option<Window> {
    if !(MIN_YEAR..=MAX_YEAR).contains(&year) {
        return None;
    }
    let (key, start, end) = match kind {
        PeriodKind::Month if (1..=12).contains(&sub) => (
            format!("{year:04}-{sub:02}"),
            fifteenth_before(year, sub)?,
            ymd(year, sub, 14)?,
        ),
        PeriodKind::Quarter if (1..=4).contains(&sub) => {
            let first = sub * 3 - 2;
            (
                format!("{year:04}-Q{sub}"),
                fifteenth_before(year, first)?,
                ymd(year, sub * 3, 14)?,
            )
        }
        PeriodKind::SixMonths => (
            format!("{year:04}-6M"),
            ymd(year - 1, 12, 15)?,
            ymd(year, 6, 14)?,
        ),
        PeriodKind::NineMonths => (
            format!("{year:04}-9M"),
            ymd(year - 1, 12, 15)?,
            ymd(year, 9, 14)?,
        ),
        PeriodKind::Year => (
            format!("{year:04}"),
            ymd(year - 1, 12, 15)?,
            ymd(year, 12, 14)?,
        ),
        _ => return None,
    };
    Some(Window { key, start, end })
}

/// `yyyy`, four ASCII digits.
fn year_of(s: &str) -> Option<i32> {
    (s.len() == 4 && s.bytes().all(|b| b.is_ascii_digit()))
        .then(|| s.parse().ok())
        .flatten()
}

/// `MM`, `n` ASCII digits.
fn number_of(s: &str, n: usize) -> Option<u8> {
    (s.len() == n && s.bytes().all(|b| b.is_ascii_digit()))
        .then(|| s.parse().ok())
        .flatten()
}

/// Parses a period key of a regime's kind into its window.
pub fn parse_period(field: &str, kind: PeriodKind, key: &str) -> Result<Window, FieldError> {
    let bad = || {
        FieldError::new(
            field,
            format!(
                "{key:?} is not a period of this regime: expected {}",
                period_rule(kind)
            ),
        )
    };
    let parsed = match kind {
        PeriodKind::AdHoc => return parse_ad_hoc(field, key).map_err(|e| e.unwrap_or_else(bad)),
        PeriodKind::Month => key
            .split_once('-')
            .and_then(|(y, m)| window(kind, year_of(y)?, number_of(m, 2)?)),
        PeriodKind::Quarter => key
            .split_once("-Q")
            .and_then(|(y, q)| window(kind, year_of(y)?, number_of(q, 1)?)),
        PeriodKind::SixMonths => key
            .strip_suffix("-6M")
            .and_then(year_of)
            .and_then(|y| window(kind, y, 0)),
        PeriodKind::NineMonths => key
            .strip_suffix("-9M")
            .and_then(year_of)
            .and_then(|y| window(kind, y, 0)),
        PeriodKind::Year => year_of(key).and_then(|y| window(kind, y, 0)),
        PeriodKind::Unspecified => None,
    };
    parsed.ok_or_else(bad)
}

/// An ad hoc key `yyyy-MM-dd..yyyy-MM-dd`; `Err(None)` when it is not of that shape.
fn parse_ad_hoc(field: &str, key: &str) -> Result<Window, Option<FieldError>> {
    let (a, b) = key.split_once("..").ok_or(None)?;
    let (start, end) = (
        parse_date_opt(a).ok_or(None)?,
        parse_date_opt(b).ok_or(None)?,
    );
    if start > end || !(MIN_YEAR..=MAX_YEAR).contains(&end.year()) {
        return Err(None);
    }
    if end - start > Duration::days(MAX_AD_HOC_DAYS) {
        return Err(Some(FieldError::new(
            field,
            format!("{key}: an ad hoc window spans at most {MAX_AD_HOC_DAYS} days"),
        )));
    }
    Ok(Window {
        key: key.to_string(),
        start,
        end,
    })
}

/// Every period of a kind that belongs to a year, in order (none for ad hoc regimes).
pub fn periods_in_year(kind: PeriodKind, year: i32) -> Vec<Window> {
    let subs: Vec<u8> = match kind {
        PeriodKind::Month => (1..=12).collect(),
        PeriodKind::Quarter => (1..=4).collect(),
        PeriodKind::SixMonths | PeriodKind::NineMonths | PeriodKind::Year => vec![0],
        PeriodKind::AdHoc | PeriodKind::Unspecified => vec![],
    };
    subs.into_iter()
        .filter_map(|s| window(kind, year, s))
        .collect()
}

/// The year a period listing asks for: 0 is this year.
pub fn listing_year(year: u32, today: Date) -> Result<i32, FieldError> {
    if year == 0 {
        return Ok(today.year());
    }
    let year = i32::try_from(year).map_err(|_| FieldError::new("year", "out of range"))?;
    if (MIN_YEAR..=MAX_YEAR).contains(&year) {
        Ok(year)
    } else {
        Err(FieldError::new(
            "year",
            format!("{year} is outside {MIN_YEAR}–{MAX_YEAR}"),
        ))
    }
}

/// The days that are not working days besides Saturdays and Sundays.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Holidays(BTreeSet<Date>);

impl Holidays {
    /// Reads a holiday list: dates yyyy-MM-dd separated by newlines, commas or spaces; '#'
    /// starts a comment.
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut days = BTreeSet::new();
        for (n, line) in text.lines().enumerate() {
            let line = line.split('#').next().unwrap_or("");
            for token in line
                .split(|c: char| c == ',' || c.is_whitespace())
                .filter(|t| !t.is_empty())
            {
                let d = parse_date_opt(token)
                    .ok_or_else(|| format!("line {}: {token:?} is not a date yyyy-MM-dd", n + 1))?;
                days.insert(d);
            }
        }
        Ok(Holidays(days))
    }

    /// Adds the days of another list.
    pub fn extend(&mut self, other: Holidays) {
        self.0.extend(other.0);
    }

    pub fn is_working_day(&self, d: Date) -> bool {
        !matches!(d.weekday(), Weekday::Saturday | Weekday::Sunday) && !self.0.contains(&d)
    }

    /// The due date: the `n`-th working day after the cutoff day (the cutoff itself for 0).
    pub fn due_date(&self, cutoff: Date, n: u32) -> Date {
        let mut d = cutoff;
        let mut left = n;
        while left > 0 {
            match d.next_day() {
                Some(next) => d = next,
                None => break,
            }
            if self.is_working_day(d) {
                left -= 1;
            }
        }
        d
    }

    /// A period of a regime with its due date.
    pub fn resolve(&self, regime: &Regime, window: Window) -> ResolvedPeriod {
        let due = self.due_date(window.end, regime.deadline_working_days);
        ResolvedPeriod { window, due }
    }
}

/// A period resolved against a regime: window and due date.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResolvedPeriod {
    pub window: Window,
    pub due: Date,
}

impl ResolvedPeriod {
    /// Whether the period's window has opened by `today` (drafts may be written from then on).
    pub fn has_started(&self, today: Date) -> bool {
        today >= self.window.start
    }

    /// The period as listed: not open, no status of the caller.
    pub fn to_pb(&self, kind: PeriodKind) -> Period {
        Period {
            key: self.window.key.clone(),
            kind: kind as i32,
            window_start: format_date(self.window.start),
            window_end: format_date(self.window.end),
            due_date: format_date(self.due),
            open: false,
            caller_status: ReportStatus::Unspecified as i32,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::fixtures::d;

    /// Every kind, across the year boundary: (kind, key, window start, window end).
    #[test]
    fn cutoff_windows_for_every_period_kind() {
        let cases = [
            (PeriodKind::Month, "2026-01", "2025-12-15", "2026-01-14"),
            (PeriodKind::Month, "2026-03", "2026-02-15", "2026-03-14"),
            (PeriodKind::Month, "2025-12", "2025-11-15", "2025-12-14"),
            (PeriodKind::Quarter, "2026-Q1", "2025-12-15", "2026-03-14"),
            (PeriodKind::Quarter, "2026-Q2", "2026-03-15", "2026-06-14"),
            (PeriodKind::Quarter, "2026-Q3", "2026-06-15", "2026-09-14"),
            (PeriodKind::Quarter, "2025-Q4", "2025-09-15", "2025-12-14"),
            (PeriodKind::SixMonths, "2026-6M", "2025-12-15", "2026-06-14"),
            (
                PeriodKind::NineMonths,
                "2026-9M",
                "2025-12-15",
                "2026-09-14",
            ),
            (PeriodKind::Year, "2026", "2025-12-15", "2026-12-14"),
            (PeriodKind::Year, "2030", "2029-12-15", "2030-12-14"),
            (
                PeriodKind::AdHoc,
                "2026-03-01..2026-03-20",
                "2026-03-01",
                "2026-03-20",
            ),
        ];
        for (kind, key, start, end) in cases {
            let w =
                parse_period("period", kind, key).unwrap_or_else(|e| panic!("{kind:?} {key}: {e}"));
            assert_eq!(
                (w.key.as_str(), w.start, w.end),
                (key, d(start), d(end)),
                "{kind:?} {key}"
            );
        }
    }

    #[test]
    fn period_keys_are_checked_against_the_kind() {
        let bad = [
            (PeriodKind::Month, "2026-13"),
            (PeriodKind::Month, "2026-3"),
            (PeriodKind::Month, "2026-Q1"),
            (PeriodKind::Quarter, "2026-Q5"),
            (PeriodKind::Quarter, "2026-03"),
            (PeriodKind::SixMonths, "2026"),
            (PeriodKind::NineMonths, "2026-6M"),
            (PeriodKind::Year, "26"),
            (PeriodKind::Year, "1999"),
            (PeriodKind::AdHoc, "2026-03-20..2026-03-01"),
            (PeriodKind::AdHoc, "2026-03-01"),
            (PeriodKind::AdHoc, "2025-01-01..2026-06-01"),
        ];
        for (kind, key) in bad {
            let e = parse_period("period", kind, key).expect_err(key);
            assert!(e.to_string().starts_with("period: "), "{e}");
        }
        let e = parse_period("period", PeriodKind::Month, "2026-Q1").expect_err("quarter");
        assert_eq!(
            e.to_string(),
            "period: \"2026-Q1\" is not a period of this regime: expected yyyy-MM (e.g. 2026-03)"
        );
        let e = parse_period("p", PeriodKind::AdHoc, "2025-01-01..2026-06-01").expect_err("long");
        assert_eq!(
            e.to_string(),
            "p: 2025-01-01..2026-06-01: an ad hoc window spans at most 366 days"
        );
    }

    #[test]
    fn periods_of_a_year() {
        let months = periods_in_year(PeriodKind::Month, 2026);
        assert_eq!(months.len(), 12);
        assert_eq!(months[0].key, "2026-01");
        assert_eq!(months[0].start, d("2025-12-15"));
        assert_eq!(months[11].end, d("2026-12-14"));
        let quarters = periods_in_year(PeriodKind::Quarter, 2026);
        assert_eq!(
            quarters.iter().map(|w| w.key.as_str()).collect::<Vec<_>>(),
            ["2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4"]
        );
        // Consecutive windows tile the year without gaps or overlaps.
        for pair in months.windows(2) {
            assert_eq!(pair[0].end.next_day(), Some(pair[1].start));
        }
        assert_eq!(periods_in_year(PeriodKind::Year, 2026).len(), 1);
        assert!(periods_in_year(PeriodKind::AdHoc, 2026).is_empty());
    }

    #[test]
    fn listing_years() {
        let today = d("2026-03-10");
        assert_eq!(listing_year(0, today), Ok(2026));
        assert_eq!(listing_year(2030, today), Ok(2030));
        assert_eq!(
            listing_year(1999, today)
                .expect_err("too early")
                .to_string(),
            "year: 1999 is outside 2000–2100"
        );
        assert_eq!(
            listing_year(u32::MAX, today).expect_err("huge").to_string(),
            "year: out of range"
        );
    }

    /// Due dates: (cutoff, working days, holidays, due). Weekdays checked against a calendar:
    /// 2026-03-14 Sat, 2026-06-14 Sun, 2026-09-14 Mon, 2026-12-14 Mon, 2025-12-14 Sun,
    /// 2026-02-14 Sat, 2026-04-14 Tue, 2026-01-14 Wed, 2026-08-14 Fri.
    #[test]
    fn due_dates_skip_weekends_and_holidays() {
        let tet = Holidays::parse(
            "2026-02-16\n2026-02-17, 2026-02-18 # Tết\n2026-02-19 2026-02-20\n2026-09-02\n",
        )
        .expect("holidays");
        let none = Holidays::default();
        let cases = [
            // Wed cutoff: Thu, Fri.
            ("2026-01-14", 2, &none, "2026-01-16"),
            // Sat cutoff: Mon, Tue.
            ("2026-03-14", 2, &none, "2026-03-17"),
            // Sun cutoff: Mon, Tue.
            ("2026-06-14", 2, &none, "2026-06-16"),
            // Fri cutoff: the weekend is skipped.
            ("2026-08-14", 2, &none, "2026-08-18"),
            ("2026-08-14", 1, &none, "2026-08-17"),
            // Across the year boundary: Sun 2025-12-14 → Mon 15, Tue 16.
            ("2025-12-14", 2, &none, "2025-12-16"),
            // Tết: Sat 14/2 cutoff, Mon 16 – Fri 20 holidays, weekend 21–22 → Mon 23, Tue 24.
            ("2026-02-14", 2, &tet, "2026-02-24"),
            ("2026-02-14", 2, &none, "2026-02-17"),
            // A holiday in the middle of the week: Mon 14/9 → Tue 15, Wed 16 (2/9 is before).
            ("2026-09-14", 2, &tet, "2026-09-16"),
            // 0 working days: the cutoff day itself.
            ("2026-04-14", 0, &none, "2026-04-14"),
            // A year-end cutoff on Monday, 5 working days.
            ("2026-12-14", 5, &none, "2026-12-21"),
        ];
        for (cutoff, n, holidays, due) in cases {
            assert_eq!(
                format_date(holidays.due_date(d(cutoff), n)),
                due,
                "{cutoff} + {n}"
            );
        }
        let holiday_in_window = Holidays::parse("2026-09-01,2026-09-02").expect("holidays");
        assert_eq!(
            format_date(holiday_in_window.due_date(d("2026-08-31"), 1)),
            "2026-09-03"
        );
        assert!(Holidays::parse("2026-02-30").is_err());
        assert!(Holidays::parse("16/02/2026").is_err());
        let mut more = Holidays::default();
        more.extend(tet);
        assert!(!more.is_working_day(d("2026-02-16")));
    }

    #[test]
    fn resolved_periods() {
        let regime = Regime {
            deadline_working_days: 2,
            ..Default::default()
        };
        let window = parse_period("period", PeriodKind::Month, "2026-03").expect("march");
        let p = Holidays::parse("2026-03-16")
            .expect("holiday")
            .resolve(&regime, window);
        assert_eq!(format_date(p.due), "2026-03-18");
        assert!(!p.has_started(d("2026-02-14")));
        assert!(p.has_started(d("2026-02-15")));
        let pb = p.to_pb(PeriodKind::Month);
        assert_eq!(
            (
                pb.key.as_str(),
                pb.window_start.as_str(),
                pb.window_end.as_str()
            ),
            ("2026-03", "2026-02-15", "2026-03-14")
        );
    }
}
