//! The reporting rules, free of gRPC and SQL: agency codes and patterns, regimes, periods and
//! their data-cutoff windows, working days and due dates, value validation, the submission
//! workflow, aggregation and compliance.
use std::collections::BTreeSet;

use lienthong_api::reporting::v1::{
    Aggregation, ComplianceState, Indicator, IndicatorType, PeriodKind, Regime, ReportStatus,
};
use serde::{Deserialize, Serialize};
use time::{Date, Duration, Month, OffsetDateTime, UtcOffset, Weekday};

use crate::error::{ReportingError, Result};

/// Dates are local to Asia/Ho_Chi_Minh (UTC+7, no daylight saving).
pub const LOCAL_OFFSET_SECS: i32 = 7 * 3600;
/// Largest number of statistic values in one push.
pub const MAX_PUSH_VALUES: usize = 10_000;
/// Largest text value.
pub const MAX_TEXT_CHARS: usize = 4000;
/// Largest deadline rule, in working days.
pub const MAX_DEADLINE_DAYS: u32 = 60;

// ---------------------------------------------------------------------------------------------
// Agency codes and patterns

/// Whether `code` is `DDD.CC.BB.Axx` (QCVN 102:2016), e.g. `000.00.00.H48`.
pub fn is_agency_code(code: &str) -> bool {
    let parts: Vec<&str> = code.split('.').collect();
    let [ddd, cc, bb, axx] = parts.as_slice() else {
        return false;
    };
    let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
    let unit = axx.len() == 3 && axx.as_bytes()[0].is_ascii_uppercase() && digits(&axx[1..], 2);
    digits(ddd, 3) && digits(cc, 2) && digits(bb, 2) && unit
}

pub fn check_agency_code(field: &str, code: &str) -> Result<()> {
    if is_agency_code(code) {
        Ok(())
    } else {
        Err(ReportingError::invalid(
            field,
            format!(
                "{code:?} is not an agency code of the form DDD.CC.BB.Axx (e.g. 000.00.00.H48)"
            ),
        ))
    }
}

/// Checks a pattern over agency codes: digits, capitals, '.', '*' and '?'.
pub fn check_pattern(field: &str, pattern: &str) -> Result<()> {
    let ok = !pattern.is_empty()
        && pattern.len() <= 32
        && pattern.bytes().all(|b| {
            b.is_ascii_digit() || b.is_ascii_uppercase() || matches!(b, b'.' | b'*' | b'?')
        });
    if ok {
        Ok(())
    } else {
        Err(ReportingError::invalid(
            field,
            format!(
                "{pattern:?} is not a pattern over agency codes (digits, capitals, '.', '*' for \
                 any run, '?' for one character; e.g. \"*.H48\")"
            ),
        ))
    }
}

/// Glob matching: '*' any run of characters, '?' exactly one.
pub fn matches_pattern(pattern: &str, code: &str) -> bool {
    let (p, s) = (pattern.as_bytes(), code.as_bytes());
    let (mut pi, mut si) = (0, 0);
    let (mut star, mut mark) = (None, 0);
    while si < s.len() {
        if pi < p.len() && (p[pi] == b'?' || p[pi] == s[si]) {
            pi += 1;
            si += 1;
        } else if pi < p.len() && p[pi] == b'*' {
            star = Some(pi);
            mark = si;
            pi += 1;
        } else if let Some(st) = star {
            pi = st + 1;
            mark += 1;
            si = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&b| b == b'*')
}

/// Whether an agency submits a regime's reports: listed, or matching the pattern (the owner
/// never matches the pattern: it receives the reports).
pub fn is_submitter(regime: &Regime, agency: &str) -> bool {
    let Some(s) = &regime.submitters else {
        return false;
    };
    s.agency_codes.iter().any(|c| c == agency)
        || (!s.pattern.is_empty() && agency != regime.owner && matches_pattern(&s.pattern, agency))
}

// ---------------------------------------------------------------------------------------------
// Regimes

fn is_code(s: &str, max: usize) -> bool {
    !s.is_empty()
        && s.len() <= max
        && s.bytes().next().is_some_and(|b| b.is_ascii_alphanumeric())
        && s.bytes().all(|b| {
            b.is_ascii_digit() || b.is_ascii_uppercase() || matches!(b, b'_' | b'.' | b'-')
        })
}

/// Whether `s` names a statistic: lower-case letters, digits, '_', '.', '-' (e.g.
/// `axis.documents_sent`).
pub fn is_statistic_code(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 100
        && s.bytes().all(|b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'_' | b'.' | b'-')
        })
}

pub fn is_numeric(t: IndicatorType) -> bool {
    matches!(
        t,
        IndicatorType::Integer | IndicatorType::Decimal | IndicatorType::Percent
    )
}

/// Checks a regime before it is created; every refusal names the field.
pub fn check_regime(r: &Regime) -> Result<()> {
    if !is_code(&r.code, 32) {
        return Err(ReportingError::invalid(
            "regime.code",
            format!(
                "{:?} must be 1–32 capitals, digits, '_', '.' or '-' (e.g. KH61)",
                r.code
            ),
        ));
    }
    if r.name.trim().is_empty() {
        return Err(ReportingError::invalid("regime.name", "required"));
    }
    check_agency_code("regime.owner", &r.owner)?;
    if r.period_kind() == PeriodKind::Unspecified {
        return Err(ReportingError::invalid(
            "regime.period_kind",
            "required: MONTH, QUARTER, SIX_MONTHS, NINE_MONTHS, YEAR or AD_HOC",
        ));
    }
    if r.deadline_working_days > MAX_DEADLINE_DAYS {
        return Err(ReportingError::invalid(
            "regime.deadline_working_days",
            format!(
                "{} is more than {MAX_DEADLINE_DAYS}",
                r.deadline_working_days
            ),
        ));
    }
    let submitters = r.submitters.clone().unwrap_or_default();
    if submitters.agency_codes.is_empty() && submitters.pattern.is_empty() {
        return Err(ReportingError::invalid(
            "regime.submitters",
            "name at least one agency code or a pattern",
        ));
    }
    for (i, code) in submitters.agency_codes.iter().enumerate() {
        check_agency_code(&format!("regime.submitters.agency_codes[{i}]"), code)?;
    }
    if !submitters.pattern.is_empty() {
        check_pattern("regime.submitters.pattern", &submitters.pattern)?;
    }
    if r.indicators.is_empty() {
        return Err(ReportingError::invalid(
            "regime.indicators",
            "a regime has at least one indicator",
        ));
    }
    if r.indicators.len() > 200 {
        return Err(ReportingError::invalid(
            "regime.indicators",
            "at most 200 indicators",
        ));
    }
    let mut seen = BTreeSet::new();
    for (i, ind) in r.indicators.iter().enumerate() {
        let f = |name: &str| format!("regime.indicators[{i}].{name}");
        if !is_code(&ind.code, 64) {
            return Err(ReportingError::invalid(
                f("code"),
                format!(
                    "{:?} must be 1–64 capitals, digits, '_', '.' or '-'",
                    ind.code
                ),
            ));
        }
        if !seen.insert(ind.code.as_str()) {
            return Err(ReportingError::invalid(
                f("code"),
                format!("{} appears twice", ind.code),
            ));
        }
        if ind.name.trim().is_empty() {
            return Err(ReportingError::invalid(f("name"), "required"));
        }
        let t = ind.value_type();
        if t == IndicatorType::Unspecified {
            return Err(ReportingError::invalid(
                f("value_type"),
                "required: INTEGER, DECIMAL, PERCENT or TEXT",
            ));
        }
        let a = ind.aggregation();
        if a == Aggregation::Unspecified {
            return Err(ReportingError::invalid(
                f("aggregation"),
                "required: SUM, AVERAGE, MIN, MAX, LATEST or NONE",
            ));
        }
        if t == IndicatorType::Text && !matches!(a, Aggregation::Latest | Aggregation::None) {
            return Err(ReportingError::invalid(
                f("aggregation"),
                "a TEXT indicator aggregates only as LATEST or NONE",
            ));
        }
        if !is_numeric(t) && (ind.min.is_some() || ind.max.is_some()) {
            return Err(ReportingError::invalid(
                f("min"),
                "bounds apply to numeric indicators only",
            ));
        }
        for (name, v) in [("min", ind.min), ("max", ind.max)] {
            if v.is_some_and(|v| !v.is_finite()) {
                return Err(ReportingError::invalid(f(name), "must be a finite number"));
            }
        }
        if let (Some(lo), Some(hi)) = (ind.min, ind.max)
            && lo > hi
        {
            return Err(ReportingError::invalid(
                f("min"),
                format!("{lo} is above max {hi}"),
            ));
        }
        if !ind.source_statistic.is_empty() {
            if !is_statistic_code(&ind.source_statistic) {
                return Err(ReportingError::invalid(
                    f("source_statistic"),
                    format!(
                        "{:?} must be lower-case letters, digits, '_', '.' or '-' (e.g. axis.documents_sent)",
                        ind.source_statistic
                    ),
                ));
            }
            if !is_numeric(t) {
                return Err(ReportingError::invalid(
                    f("source_statistic"),
                    "only a numeric indicator can be pre-filled from statistics",
                ));
            }
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Dates, periods and cutoff windows

pub fn parse_date(s: &str) -> Option<Date> {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        let part = s.get(r)?;
        part.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| part.parse().ok())?
    };
    let (y, m, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let month = Month::try_from(u8::try_from(m).ok()?).ok()?;
    Date::from_calendar_date(i32::try_from(y).ok()?, month, u8::try_from(d).ok()?).ok()
}

pub fn format_date(d: Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

/// The local (Asia/Ho_Chi_Minh) date of an instant.
pub fn local_date(micros: i64) -> Date {
    let offset = UtcOffset::from_whole_seconds(LOCAL_OFFSET_SECS).unwrap_or(UtcOffset::UTC);
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(micros) * 1000)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
        .to_offset(offset)
        .date()
}

/// Noon, local time, of a date, in microseconds since the epoch.
pub fn local_noon_micros(d: Date) -> i64 {
    let midnight_utc = d.midnight().assume_utc().unix_timestamp();
    (midnight_utc + 12 * 3600 - i64::from(LOCAL_OFFSET_SECS)) * 1_000_000
}

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

const MIN_YEAR: i32 = 2000;
const MAX_YEAR: i32 = 2100;

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

/// The window of one period, from its key.
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

/// Parses a period key of a regime's kind into its window.
pub fn parse_period(field: &str, kind: PeriodKind, key: &str) -> Result<Window> {
    let bad = || {
        ReportingError::invalid(
            field,
            format!(
                "{key:?} is not a period of this regime: expected {}",
                period_rule(kind)
            ),
        )
    };
    let year = |s: &str| -> Option<i32> {
        (s.len() == 4 && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse().ok())
            .flatten()
    };
    let parsed = match kind {
        PeriodKind::AdHoc => {
            let (a, b) = key.split_once("..").ok_or_else(bad)?;
            let (start, end) = (
                parse_date(a).ok_or_else(bad)?,
                parse_date(b).ok_or_else(bad)?,
            );
            if start > end || !(MIN_YEAR..=MAX_YEAR).contains(&end.year()) {
                return Err(bad());
            }
            if end - start > Duration::days(366) {
                return Err(ReportingError::invalid(
                    field,
                    format!("{key}: an ad hoc window spans at most 366 days"),
                ));
            }
            Some(Window {
                key: key.to_string(),
                start,
                end,
            })
        }
        PeriodKind::Month => {
            let (y, m) = key.split_once('-').ok_or_else(bad)?;
            let m: Option<u8> = (m.len() == 2 && m.bytes().all(|b| b.is_ascii_digit()))
                .then(|| m.parse().ok())
                .flatten();
            window(kind, year(y).ok_or_else(bad)?, m.ok_or_else(bad)?)
        }
        PeriodKind::Quarter => {
            let (y, q) = key.split_once("-Q").ok_or_else(bad)?;
            let q: Option<u8> = (q.len() == 1).then(|| q.parse().ok()).flatten();
            window(kind, year(y).ok_or_else(bad)?, q.ok_or_else(bad)?)
        }
        PeriodKind::SixMonths => key
            .strip_suffix("-6M")
            .and_then(year)
            .and_then(|y| window(kind, y, 0)),
        PeriodKind::NineMonths => key
            .strip_suffix("-9M")
            .and_then(year)
            .and_then(|y| window(kind, y, 0)),
        PeriodKind::Year => year(key).and_then(|y| window(kind, y, 0)),
        PeriodKind::Unspecified => None,
    };
    parsed.ok_or_else(bad)
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

/// The days that are not working days besides Saturdays and Sundays.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Holidays(pub BTreeSet<Date>);

impl Holidays {
    /// Reads a holiday list: dates yyyy-MM-dd separated by newlines, commas or spaces; '#'
    /// starts a comment.
    pub fn parse(text: &str) -> std::result::Result<Self, String> {
        let mut days = BTreeSet::new();
        for (n, line) in text.lines().enumerate() {
            let line = line.split('#').next().unwrap_or("");
            for token in line
                .split(|c: char| c == ',' || c.is_whitespace())
                .filter(|t| !t.is_empty())
            {
                let d = parse_date(token)
                    .ok_or_else(|| format!("line {}: {token:?} is not a date yyyy-MM-dd", n + 1))?;
                days.insert(d);
            }
        }
        Ok(Holidays(days))
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
}

// ---------------------------------------------------------------------------------------------
// Values

/// One stored value of a report.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StoredValue {
    pub code: String,
    pub value: String,
    #[serde(default)]
    pub prefilled: bool,
}

/// Formats a number for an indicator: whole numbers without decimals, others with at most four.
pub fn format_number(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 9.0e15 {
        format!("{}", v as i64)
    } else {
        let s = format!("{v:.4}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

/// Checks one value against its indicator's type and bounds; the rule broken, if any.
pub fn check_value(ind: &Indicator, value: &str) -> std::result::Result<(), String> {
    let t = ind.value_type();
    if t == IndicatorType::Text {
        let n = value.chars().count();
        return if n > MAX_TEXT_CHARS {
            Err(format!(
                "{n} characters, at most {MAX_TEXT_CHARS} are allowed"
            ))
        } else {
            Ok(())
        };
    }
    let v = value.trim();
    let number: f64 = match t {
        IndicatorType::Integer => v
            .parse::<i64>()
            .map(|i| i as f64)
            .map_err(|_| format!("{value:?} is not a whole number"))?,
        _ => {
            let ok = !v.is_empty()
                && v.bytes()
                    .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'-' | b'+'));
            match v.parse::<f64>() {
                Ok(n) if ok && n.is_finite() => n,
                _ => return Err(format!("{value:?} is not a decimal number (e.g. 12.5)")),
            }
        }
    };
    if t == IndicatorType::Percent && !(0.0..=100.0).contains(&number) {
        return Err(format!("{v} is not a percentage between 0 and 100"));
    }
    if let Some(min) = ind.min
        && number < min
    {
        return Err(format!("{v} is below the minimum {}", format_number(min)));
    }
    if let Some(max) = ind.max
        && number > max
    {
        return Err(format!("{v} is above the maximum {}", format_number(max)));
    }
    Ok(())
}

/// Checks the values a draft sets: known indicators, each once; values are checked at submission.
pub fn check_draft_values(regime: &Regime, values: &[(String, String)]) -> Result<()> {
    let mut seen = BTreeSet::new();
    let mut errors = Vec::new();
    for (code, value) in values {
        let field = format!("values[{code}]");
        if !regime.indicators.iter().any(|i| &i.code == code) {
            errors.push((
                field,
                format!("no indicator {code} in regime {}", regime.code),
            ));
        } else if !seen.insert(code.as_str()) {
            errors.push((field, "set twice".to_string()));
        } else if value.chars().count() > MAX_TEXT_CHARS {
            errors.push((field, format!("longer than {MAX_TEXT_CHARS} characters")));
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ReportingError::Invalid(errors))
    }
}

/// Validates a report for submission: every indicator filled in and valid. Each error names
/// the indicator code.
pub fn validate_report(regime: &Regime, values: &[StoredValue]) -> Result<()> {
    let mut errors = Vec::new();
    for ind in &regime.indicators {
        let field = format!("values[{}]", ind.code);
        let value = values
            .iter()
            .find(|v| v.code == ind.code)
            .map(|v| v.value.as_str())
            .unwrap_or("");
        if value.trim().is_empty() {
            errors.push((field, format!("required ({})", ind.name)));
        } else if let Err(rule) = check_value(ind, value) {
            errors.push((field, rule));
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ReportingError::Invalid(errors))
    }
}

/// Applies changes to a report's values, keeping the regime's order: a changed value is no
/// longer pre-filled; an empty value clears it.
pub fn apply_values(
    regime: &Regime,
    current: &[StoredValue],
    changes: &[(String, String)],
) -> Vec<StoredValue> {
    regime
        .indicators
        .iter()
        .map(|ind| {
            let old = current.iter().find(|v| v.code == ind.code);
            match changes.iter().find(|(c, _)| c == &ind.code) {
                Some((_, v)) if old.is_some_and(|o| o.value == *v) => {
                    old.cloned().unwrap_or_else(|| StoredValue {
                        code: ind.code.clone(),
                        value: v.clone(),
                        prefilled: false,
                    })
                }
                Some((_, v)) => StoredValue {
                    code: ind.code.clone(),
                    value: v.trim().to_string(),
                    prefilled: false,
                },
                None => old.cloned().unwrap_or(StoredValue {
                    code: ind.code.clone(),
                    value: String::new(),
                    prefilled: false,
                }),
            }
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Workflow

pub fn status_name(s: ReportStatus) -> &'static str {
    match s {
        ReportStatus::Unspecified => "none",
        ReportStatus::Draft => "draft",
        ReportStatus::Submitted => "submitted",
        ReportStatus::Accepted => "accepted",
        ReportStatus::Returned => "returned",
    }
}

/// Whether the submitter may change its values.
pub fn check_editable(s: ReportStatus) -> Result<()> {
    match s {
        ReportStatus::Unspecified | ReportStatus::Draft | ReportStatus::Returned => Ok(()),
        other => Err(ReportingError::FailedPrecondition(format!(
            "the report is {}; only a draft or a returned report can be changed",
            status_name(other)
        ))),
    }
}

/// Whether the submitter may submit (a draft) or resubmit (a returned report).
pub fn check_submittable(s: ReportStatus) -> Result<()> {
    match s {
        ReportStatus::Draft | ReportStatus::Returned => Ok(()),
        ReportStatus::Unspecified => Err(ReportingError::FailedPrecondition(
            "there is no draft to submit; create one first (SaveDraft)".into(),
        )),
        other => Err(ReportingError::FailedPrecondition(format!(
            "the report is already {}; only a draft or a returned report can be submitted",
            status_name(other)
        ))),
    }
}

/// Whether the owner may accept or return.
pub fn check_reviewable(s: ReportStatus, action: &str) -> Result<()> {
    match s {
        ReportStatus::Submitted => Ok(()),
        other => Err(ReportingError::FailedPrecondition(format!(
            "the report is {}; only a submitted report can be {action}",
            status_name(other)
        ))),
    }
}

/// A submission on `day` is late when it comes after the due date.
pub fn is_late(day: Date, due: Date) -> bool {
    day > due
}

/// The compliance of one expected submitter.
pub fn compliance_state(first_submitted: Option<Date>, due: Date, today: Date) -> ComplianceState {
    match first_submitted {
        Some(d) if is_late(d, due) => ComplianceState::Late,
        Some(_) => ComplianceState::OnTime,
        None if today > due => ComplianceState::Missing,
        None => ComplianceState::Pending,
    }
}

// ---------------------------------------------------------------------------------------------
// Aggregation

/// One accepted value and when its report was accepted.
pub struct Contribution<'a> {
    pub value: &'a str,
    pub accepted_at: i64,
}

/// Combines accepted values of an indicator: the result (empty when nothing to show) and how
/// many reports contributed.
pub fn aggregate(ind: &Indicator, values: &[Contribution<'_>]) -> (String, u32) {
    let present: Vec<&Contribution<'_>> = values
        .iter()
        .filter(|c| !c.value.trim().is_empty())
        .collect();
    let n = present.len() as u32;
    let agg = ind.aggregation();
    if present.is_empty() || agg == Aggregation::None {
        return (String::new(), n);
    }
    if agg == Aggregation::Latest || !is_numeric(ind.value_type()) {
        let latest = present
            .iter()
            .max_by_key(|c| c.accepted_at)
            .map(|c| c.value.trim().to_string())
            .unwrap_or_default();
        return (latest, n);
    }
    let nums: Vec<f64> = present
        .iter()
        .filter_map(|c| c.value.trim().parse::<f64>().ok())
        .collect();
    if nums.is_empty() {
        return (String::new(), n);
    }
    let v = match agg {
        Aggregation::Sum => nums.iter().sum(),
        Aggregation::Average => nums.iter().sum::<f64>() / nums.len() as f64,
        Aggregation::Min => nums.iter().copied().fold(f64::INFINITY, f64::min),
        Aggregation::Max => nums.iter().copied().fold(f64::NEG_INFINITY, f64::max),
        _ => return (String::new(), n),
    };
    (format_number(v), n)
}

/// The sum of daily statistic values, formatted for an indicator.
pub fn prefill_value(ind: &Indicator, sum: f64) -> String {
    if ind.value_type() == IndicatorType::Integer {
        format!("{}", sum.round() as i64)
    } else {
        format_number(sum)
    }
}

// ---------------------------------------------------------------------------------------------
// Statistics intake

/// Checks one pushed statistic value; `i` is its index in the request.
pub fn check_statistic(
    i: usize,
    indicator_code: &str,
    agency_code: &str,
    day: &str,
    value: f64,
) -> Result<Date> {
    if !is_statistic_code(indicator_code) {
        return Err(ReportingError::invalid(
            format!("values[{i}].indicator_code"),
            format!(
                "{indicator_code:?} must be 1–100 lower-case letters, digits, '_', '.' or '-' \
                 (e.g. axis.documents_sent)"
            ),
        ));
    }
    check_agency_code(&format!("values[{i}].agency_code"), agency_code)?;
    let d = parse_date(day).ok_or_else(|| {
        ReportingError::invalid(
            format!("values[{i}].day"),
            format!("{day:?} is not a date yyyy-MM-dd"),
        )
    })?;
    if !value.is_finite() {
        return Err(ReportingError::invalid(
            format!("values[{i}].value"),
            "must be a finite number",
        ));
    }
    Ok(d)
}

#[cfg(test)]
mod tests {
    use lienthong_api::reporting::v1::Submitters;

    use super::*;

    fn d(s: &str) -> Date {
        parse_date(s).unwrap_or_else(|| panic!("bad test date {s}"))
    }

    #[test]
    fn agency_codes_and_patterns() {
        assert!(is_agency_code("000.00.00.H48"));
        assert!(is_agency_code("000.01.01.H48"));
        assert!(!is_agency_code("000.00.00.h48"));
        assert!(!is_agency_code("00.00.00.H48"));
        assert!(!is_agency_code("000.00.00.H4"));
        assert!(!is_agency_code("000.00.00.H48.1"));
        assert!(matches_pattern("*.H48", "000.00.12.H48"));
        assert!(!matches_pattern("*.H48", "000.00.00.H49"));
        assert!(matches_pattern("000.00.??.H48", "000.00.53.H48"));
        assert!(!matches_pattern("000.00.??.H48", "000.01.53.H48"));
        assert!(matches_pattern("*", "000.00.00.G22"));
        assert!(matches_pattern("*.*.*.H*", "000.00.00.H41"));
        assert!(!matches_pattern("000.00.00.H48", "000.00.00.H481"));
        assert!(check_pattern("p", "*.H48").is_ok());
        assert!(check_pattern("p", "*.h48").is_err());
        assert!(check_pattern("p", "").is_err());

        let regime = Regime {
            owner: "000.00.01.H48".into(),
            submitters: Some(Submitters {
                agency_codes: vec!["000.00.00.G22".into()],
                pattern: "*.H48".into(),
            }),
            ..Default::default()
        };
        assert!(is_submitter(&regime, "000.00.12.H48"));
        assert!(is_submitter(&regime, "000.00.00.G22"));
        assert!(!is_submitter(&regime, "000.00.01.H48"), "owner excluded");
        assert!(!is_submitter(&regime, "000.00.00.H49"));
    }

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
    }

    #[test]
    fn local_dates_are_vietnam_time() {
        // 2026-03-16 17:30 UTC is already 2026-03-17 00:30 in Hà Nội.
        let micros = (d("2026-03-16").midnight().assume_utc().unix_timestamp() + 17 * 3600 + 1800)
            * 1_000_000;
        assert_eq!(local_date(micros), d("2026-03-17"));
        assert_eq!(
            local_date(local_noon_micros(d("2026-03-17"))),
            d("2026-03-17")
        );
    }

    fn ind(t: IndicatorType, min: Option<f64>, max: Option<f64>) -> Indicator {
        Indicator {
            code: "X".into(),
            name: "x".into(),
            value_type: t as i32,
            min,
            max,
            aggregation: Aggregation::Sum as i32,
            ..Default::default()
        }
    }

    #[test]
    fn values_are_checked_against_type_and_bounds() {
        use IndicatorType::*;
        let cases: &[(Indicator, &str, bool)] = &[
            (ind(Integer, None, None), "125", true),
            (ind(Integer, None, None), "-3", true),
            (ind(Integer, None, None), "12.5", false),
            (ind(Integer, None, None), "abc", false),
            (ind(Integer, Some(0.0), None), "-1", false),
            (ind(Integer, None, Some(10.0)), "11", false),
            (ind(Decimal, None, None), "12.5", true),
            (ind(Decimal, None, None), "1e3", false),
            (ind(Decimal, None, None), "NaN", false),
            (ind(Decimal, Some(1.5), Some(2.5)), "2.5", true),
            (ind(Decimal, Some(1.5), Some(2.5)), "1.4", false),
            (ind(Percent, None, None), "100", true),
            (ind(Percent, None, None), "100.1", false),
            (ind(Percent, None, None), "-0.5", false),
            (ind(Percent, Some(10.0), None), "9.99", false),
            (ind(Text, None, None), "Đã triển khai", true),
            (
                ind(Text, None, None),
                &"x".repeat(MAX_TEXT_CHARS + 1),
                false,
            ),
        ];
        for (indicator, value, ok) in cases {
            assert_eq!(
                check_value(indicator, value).is_ok(),
                *ok,
                "{:?} {value}",
                indicator.value_type()
            );
        }
    }

    fn regime() -> Regime {
        Regime {
            code: "R".into(),
            name: "r".into(),
            owner: "000.00.01.H48".into(),
            period_kind: PeriodKind::Month as i32,
            submitters: Some(Submitters {
                agency_codes: vec![],
                pattern: "*.H48".into(),
            }),
            indicators: vec![
                Indicator {
                    code: "A".into(),
                    ..ind(IndicatorType::Integer, Some(0.0), None)
                },
                Indicator {
                    code: "B".into(),
                    aggregation: Aggregation::Average as i32,
                    ..ind(IndicatorType::Percent, None, None)
                },
            ],
            ..Default::default()
        }
    }

    #[test]
    fn reports_name_every_bad_indicator() {
        let r = regime();
        let v = |a: &str, b: &str| {
            vec![
                StoredValue {
                    code: "A".into(),
                    value: a.into(),
                    prefilled: false,
                },
                StoredValue {
                    code: "B".into(),
                    value: b.into(),
                    prefilled: false,
                },
            ]
        };
        assert!(validate_report(&r, &v("3", "50")).is_ok());
        let e = validate_report(&r, &v("-1", "150"))
            .expect_err("invalid")
            .to_string();
        assert!(e.contains("values[A]: -1 is below the minimum 0"), "{e}");
        assert!(e.contains("values[B]: 150 is not a percentage"), "{e}");
        let e = validate_report(&r, &v("", "5"))
            .expect_err("missing")
            .to_string();
        assert!(e.contains("values[A]: required"), "{e}");
        let e = check_draft_values(&r, &[("Z".into(), "1".into())])
            .expect_err("unknown")
            .to_string();
        assert!(e.contains("values[Z]: no indicator Z"), "{e}");
    }

    #[test]
    fn regimes_are_checked() {
        assert!(check_regime(&regime()).is_ok());
        let mut r = regime();
        r.indicators[1].code = "A".into();
        assert!(
            check_regime(&r)
                .unwrap_err()
                .to_string()
                .contains("appears twice")
        );
        let mut r = regime();
        r.indicators[0].value_type = IndicatorType::Text as i32;
        assert!(
            check_regime(&r)
                .unwrap_err()
                .to_string()
                .contains("indicators[0]")
        );
        let mut r = regime();
        r.submitters = None;
        assert!(
            check_regime(&r)
                .unwrap_err()
                .to_string()
                .starts_with("regime.submitters")
        );
        let mut r = regime();
        r.owner = "H48".into();
        assert!(
            check_regime(&r)
                .unwrap_err()
                .to_string()
                .starts_with("regime.owner")
        );
        let mut r = regime();
        r.indicators[0].source_statistic = "Axis Sent".into();
        assert!(
            check_regime(&r)
                .unwrap_err()
                .to_string()
                .contains("source_statistic")
        );
    }

    #[test]
    fn values_apply_in_regime_order_and_lose_prefill_when_edited() {
        let r = regime();
        let current = vec![StoredValue {
            code: "A".into(),
            value: "7".into(),
            prefilled: true,
        }];
        let same = apply_values(&r, &current, &[("A".into(), "7".into())]);
        assert!(same[0].prefilled);
        let out = apply_values(&r, &current, &[("B".into(), " 40 ".into())]);
        assert_eq!(out.len(), 2);
        assert_eq!((out[0].value.as_str(), out[0].prefilled), ("7", true));
        assert_eq!((out[1].value.as_str(), out[1].prefilled), ("40", false));
        let out = apply_values(&r, &current, &[("A".into(), "8".into())]);
        assert_eq!((out[0].value.as_str(), out[0].prefilled), ("8", false));
    }

    #[test]
    fn workflow_transitions() {
        use ReportStatus::*;
        for s in [Unspecified, Draft, Returned] {
            assert!(check_editable(s).is_ok());
        }
        for s in [Submitted, Accepted] {
            assert!(check_editable(s).is_err());
        }
        assert!(check_submittable(Draft).is_ok());
        assert!(check_submittable(Returned).is_ok());
        assert!(check_submittable(Submitted).is_err());
        assert!(check_submittable(Accepted).is_err());
        assert!(check_submittable(Unspecified).is_err());
        assert!(check_reviewable(Submitted, "accepted").is_ok());
        for s in [Unspecified, Draft, Accepted, Returned] {
            assert!(check_reviewable(s, "accepted").is_err());
        }
    }

    #[test]
    fn compliance_states() {
        let due = d("2026-03-17");
        assert_eq!(
            compliance_state(Some(d("2026-03-17")), due, d("2026-04-01")),
            ComplianceState::OnTime
        );
        assert_eq!(
            compliance_state(Some(d("2026-03-18")), due, d("2026-04-01")),
            ComplianceState::Late
        );
        assert_eq!(
            compliance_state(None, due, d("2026-03-18")),
            ComplianceState::Missing
        );
        assert_eq!(
            compliance_state(None, due, d("2026-03-17")),
            ComplianceState::Pending
        );
    }

    #[test]
    fn aggregation_over_a_known_data_set() {
        let c = |value, accepted_at| Contribution { value, accepted_at };
        let data = [c("10", 3), c("25.5", 1), c("", 5), c("4", 2)];
        let with = |a: Aggregation, t: IndicatorType| Indicator {
            aggregation: a as i32,
            ..ind(t, Option::None, Option::None)
        };
        use Aggregation::{Average, Latest, Max, Min, None, Sum};
        use IndicatorType::*;
        assert_eq!(aggregate(&with(Sum, Decimal), &data), ("39.5".into(), 3));
        assert_eq!(
            aggregate(&with(Average, Decimal), &data),
            ("13.1667".into(), 3)
        );
        assert_eq!(aggregate(&with(Min, Decimal), &data), ("4".into(), 3));
        assert_eq!(aggregate(&with(Max, Decimal), &data), ("25.5".into(), 3));
        assert_eq!(aggregate(&with(Latest, Decimal), &data), ("10".into(), 3));
        assert_eq!(aggregate(&with(None, Decimal), &data), ("".into(), 3));
        assert_eq!(aggregate(&with(Sum, Integer), &[]), ("".into(), 0));
        assert_eq!(
            aggregate(&with(Latest, Text), &[c("a", 1), c("b", 9)]),
            ("b".into(), 2)
        );
        assert_eq!(format_number(3.0), "3");
        assert_eq!(format_number(12.25), "12.25");
        assert_eq!(prefill_value(&with(Sum, Integer), 41.0), "41");
    }

    #[test]
    fn statistics_are_checked_naming_the_field() {
        assert!(
            check_statistic(0, "axis.documents_sent", "000.00.12.H48", "2026-03-01", 3.0).is_ok()
        );
        let e = check_statistic(2, "axis.documents_sent", "000.00.12.H48", "2026/03/01", 3.0)
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("values[2].day:"), "{e}");
        let e = check_statistic(1, "axis.documents_sent", "H48", "2026-03-01", 3.0)
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("values[1].agency_code:"), "{e}");
        let e = check_statistic(0, "Axis Sent", "000.00.12.H48", "2026-03-01", 3.0)
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("values[0].indicator_code:"), "{e}");
        let e = check_statistic(0, "a.b", "000.00.12.H48", "2026-03-01", f64::NAN)
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("values[0].value:"), "{e}");
    }
}
