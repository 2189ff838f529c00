//! Vietnam local time: the axis's days are Hà Nội days (Asia/Ho_Chi_Minh, UTC+7, no daylight
//! saving), whatever the server's time zone.
//!
//! A deadline "2026-11-20", a day of traffic statistics or a report's due date all mean the
//! local calendar day, so a document accepted at 17:30 UTC counts for the next day. Instants are
//! `i64` microseconds since the Unix epoch, as stored in the databases.
//!
//! Every function here is total: instants beyond the years -9999..=9999 that `time` supports
//! saturate to [`time::Date::MIN`] / [`time::Date::MAX`], and the microsecond values of every
//! representable date fit in an `i64`.
use time::{Date, Month, UtcOffset};

use crate::error::{FieldError, quoted};

/// Vietnam's offset from UTC, all year round.
pub const VIETNAM: UtcOffset = time::macros::offset!(+7);

pub const MICROS_PER_SECOND: i64 = 1_000_000;
pub const MICROS_PER_DAY: i64 = 86_400 * MICROS_PER_SECOND;
const OFFSET_MICROS: i64 = VIETNAM.whole_seconds() as i64 * MICROS_PER_SECOND;
/// The Julian day number of 1970-01-01.
const EPOCH_JULIAN_DAY: i64 = 2_440_588;

/// The Vietnam local date at an instant.
pub fn local_date(micros: i64) -> Date {
    let days = micros
        .saturating_add(OFFSET_MICROS)
        .div_euclid(MICROS_PER_DAY);
    date_of_epoch_day(days)
}

fn date_of_epoch_day(days: i64) -> Date {
    let julian = days.saturating_add(EPOCH_JULIAN_DAY);
    let min = i64::from(Date::MIN.to_julian_day());
    let max = i64::from(Date::MAX.to_julian_day());
    if julian <= min {
        return Date::MIN;
    }
    if julian >= max {
        return Date::MAX;
    }
    i32::try_from(julian)
        .ok()
        .and_then(|j| Date::from_julian_day(j).ok())
        .unwrap_or(Date::MIN)
}

fn epoch_day(day: Date) -> i64 {
    i64::from(day.to_julian_day()) - EPOCH_JULIAN_DAY
}

/// The first microsecond of local day `day`.
pub fn start_of_day(day: Date) -> i64 {
    epoch_day(day) * MICROS_PER_DAY - OFFSET_MICROS
}

/// The first microsecond *after* local day `day` ends (exclusive), i.e. the next day's start.
///
/// A task due `day` is on time when completed strictly before this instant, and overdue once
/// the clock reaches it (the tasks service's meaning); the last microsecond of the day is
/// `end_of_day(day) - 1`.
pub fn end_of_day(day: Date) -> i64 {
    start_of_day(day) + MICROS_PER_DAY
}

/// `[start, end)` of local day `day`: `(start_of_day(day), end_of_day(day))`.
pub fn day_bounds(day: Date) -> (i64, i64) {
    (start_of_day(day), end_of_day(day))
}

/// Local noon of `day`: an instant safely inside the day (tests set their clocks to it).
pub fn local_noon(day: Date) -> i64 {
    start_of_day(day) + MICROS_PER_DAY / 2
}

/// Parses `yyyy-MM-dd` (four-digit year, two-digit month and day, a real calendar date); an
/// empty value is refused as "is required (yyyy-MM-dd)".
pub fn parse_date(field: &str, s: &str) -> Result<Date, FieldError> {
    if s.is_empty() {
        return Err(FieldError::new(field, "is required (yyyy-MM-dd)"));
    }
    parse_date_opt(s)
        .ok_or_else(|| FieldError::new(field, format!("{} is not a date yyyy-MM-dd", quoted(s))))
}

/// A date field that may be left empty: `Ok(None)` for "", else as [`parse_date`].
pub fn parse_optional_date(field: &str, s: &str) -> Result<Option<Date>, FieldError> {
    if s.is_empty() {
        Ok(None)
    } else {
        parse_date(field, s).map(Some)
    }
}

/// `yyyy-MM-dd`, or `None`: the rule of [`parse_date`] without the error.
pub fn parse_date_opt(s: &str) -> Option<Date> {
    parse_ymd(s, b'-')
}

/// Parses `yyyy/MM/dd`, the date inside a DocumentId; the rules are those of [`parse_date`].
pub fn parse_slash_date(field: &str, s: &str) -> Result<Date, FieldError> {
    if s.is_empty() {
        return Err(FieldError::new(field, "is required (yyyy/MM/dd)"));
    }
    parse_ymd(s, b'/')
        .ok_or_else(|| FieldError::new(field, format!("{} is not a date yyyy/MM/dd", quoted(s))))
}

/// `yyyy<sep>MM<sep>dd` with ASCII digits only.
pub(crate) fn parse_ymd(s: &str, sep: u8) -> Option<Date> {
    let &[y0, y1, y2, y3, s1, m0, m1, s2, d0, d1] = s.as_bytes() else {
        return None;
    };
    if s1 != sep || s2 != sep {
        return None;
    }
    let year = number(&[y0, y1, y2, y3])?;
    let month = Month::try_from(u8::try_from(number(&[m0, m1])?).ok()?).ok()?;
    let day = u8::try_from(number(&[d0, d1])?).ok()?;
    Date::from_calendar_date(i32::try_from(year).ok()?, month, day).ok()
}

fn number(digits: &[u8]) -> Option<u32> {
    digits.iter().try_fold(0u32, |n, &b| {
        b.is_ascii_digit().then(|| n * 10 + u32::from(b - b'0'))
    })
}

/// `yyyy-MM-dd`.
pub fn format_date(day: Date) -> String {
    format!(
        "{:04}-{:02}-{:02}",
        day.year(),
        u8::from(day.month()),
        day.day()
    )
}

/// `yyyy/MM/dd`, as inside a DocumentId.
pub fn format_slash_date(day: Date) -> String {
    format!(
        "{:04}/{:02}/{:02}",
        day.year(),
        u8::from(day.month()),
        day.day()
    )
}

/// `2025-11-26 18:53:02 +07:00`: an instant in Vietnam time, for people.
pub fn format_local_time(micros: i64) -> String {
    format!("{} +07:00", date_time(micros.saturating_add(OFFSET_MICROS)))
}

/// `2025-11-26 11:53:02Z`: an instant in UTC, as the CLI prints times today.
pub fn format_utc_time(micros: i64) -> String {
    format!("{}Z", date_time(micros))
}

/// `yyyy-MM-dd HH:mm:ss` of an instant shifted to some offset (seconds truncated toward the
/// past).
fn date_time(micros: i64) -> String {
    // Saturate to the representable dates, the time of day included.
    let first = epoch_day(Date::MIN) * MICROS_PER_DAY;
    let last = (epoch_day(Date::MAX) + 1) * MICROS_PER_DAY - 1;
    let micros = micros.clamp(first, last);
    let day = date_of_epoch_day(micros.div_euclid(MICROS_PER_DAY));
    let secs = micros.rem_euclid(MICROS_PER_DAY) / MICROS_PER_SECOND;
    format!(
        "{} {:02}:{:02}:{:02}",
        format_date(day),
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

#[cfg(test)]
mod tests {
    use time::{OffsetDateTime, macros::date};

    use super::*;

    #[test]
    fn days_are_vietnam_days() {
        let d = date!(2026 - 11 - 20);
        // 2026-11-20 00:00 +07 is 2026-11-19 17:00 UTC.
        assert_eq!(start_of_day(d), 1_795_107_600 * 1_000_000);
        assert_eq!(local_date(start_of_day(d)), d);
        assert_eq!(local_date(start_of_day(d) - 1), date!(2026 - 11 - 19));
        assert_eq!(local_date(end_of_day(d) - 1), d);
        assert_eq!(local_date(end_of_day(d)), date!(2026 - 11 - 21));
        assert_eq!(day_bounds(d), (start_of_day(d), end_of_day(d)));
        assert_eq!(local_date(local_noon(d)), d);
        assert_eq!(local_noon(d) - start_of_day(d), 12 * 3_600_000_000);
        // 2026-11-25 17:30 UTC is 2026-11-26 00:30 in Hà Nội.
        let t = OffsetDateTime::new_utc(date!(2026 - 11 - 25), time::macros::time!(17:30));
        assert_eq!(
            local_date(t.unix_timestamp() * 1_000_000),
            date!(2026 - 11 - 26)
        );
        // Before the epoch too.
        assert_eq!(local_date(-1), date!(1970 - 01 - 01));
        assert_eq!(
            local_date(-OFFSET_MICROS - 1),
            date!(1969 - 12 - 31),
            "floor, not truncation"
        );
    }

    #[test]
    fn agrees_with_the_time_crate() {
        for micros in [
            0,
            -1,
            1_795_107_600_123_456,
            -62_135_596_800_000_000,
            253_402_300_799_999_999 - 7 * 3_600_000_000,
        ] {
            let t = OffsetDateTime::from_unix_timestamp_nanos(i128::from(micros) * 1000)
                .unwrap()
                .to_offset(VIETNAM);
            assert_eq!(local_date(micros), t.date(), "{micros}");
            let start = t.date().midnight().assume_offset(VIETNAM).unix_timestamp() * 1_000_000;
            assert_eq!(start_of_day(t.date()), start);
        }
    }

    #[test]
    fn out_of_range_instants_saturate() {
        assert_eq!(local_date(i64::MIN), Date::MIN);
        assert_eq!(local_date(i64::MAX), Date::MAX);
        // 9999-12-31 23:59:59 UTC is already past the last date `time` knows in Hà Nội
        // (where `OffsetDateTime::to_offset` would panic).
        assert_eq!(local_date(253_402_300_799_999_999), Date::MAX);
        assert_eq!(format_local_time(i64::MAX), "9999-12-31 23:59:59 +07:00");
        assert_eq!(format_utc_time(i64::MIN), "-9999-01-01 00:00:00Z");
        assert!(start_of_day(Date::MIN) < end_of_day(Date::MAX));
    }

    #[test]
    fn parses_dates() {
        let d = date!(2026 - 11 - 20);
        assert_eq!(parse_date("deadline", "2026-11-20"), Ok(d));
        assert_eq!(parse_date_opt("2026-11-20"), Some(d));
        assert_eq!(parse_slash_date("f", "2026/11/20"), Ok(d));
        assert_eq!(parse_date_opt("0000-01-01"), Some(date!(0000 - 01 - 01)));
        assert_eq!(parse_date_opt("2024-02-29"), Some(date!(2024 - 02 - 29)));
        for bad in [
            "2026-13-01",
            "2026/11/20",
            "2026-02-29",
            "2026-11-00",
            "26-11-20",
            "2026-1-20",
            "2026-11-2",
            "+026-11-20",
            "2026-+1-20",
            "2026-11-+2",
            "2026-11-20 ",
            "2026-11-20T00:00",
            "２０２６-11-20",
            "2026-11-2Đ",
        ] {
            assert_eq!(parse_date_opt(bad), None, "{bad}");
            let e = parse_date("deadline", bad).unwrap_err();
            assert_eq!(
                e.to_string(),
                format!("deadline: {bad:?} is not a date yyyy-MM-dd")
            );
        }
        assert_eq!(
            parse_date("from_day", "").unwrap_err().to_string(),
            "from_day: is required (yyyy-MM-dd)"
        );
        assert_eq!(
            parse_slash_date("d", "2026-11-20").unwrap_err().to_string(),
            "d: \"2026-11-20\" is not a date yyyy/MM/dd"
        );
        assert_eq!(parse_optional_date("due_date", ""), Ok(None));
        assert_eq!(parse_optional_date("due_date", "2026-11-20"), Ok(Some(d)));
        assert!(parse_optional_date("due_date", "x").is_err());
    }

    #[test]
    fn formats() {
        let d = date!(2026 - 03 - 07);
        assert_eq!(format_date(d), "2026-03-07");
        assert_eq!(format_slash_date(d), "2026/03/07");
        assert_eq!(format_date(date!(0042 - 01 - 01)), "0042-01-01");
        // 2025-11-26 11:53:02.5 UTC.
        let t = OffsetDateTime::new_utc(date!(2025 - 11 - 26), time::macros::time!(11:53:02));
        let micros = t.unix_timestamp() * 1_000_000 + 500_000;
        assert_eq!(format_utc_time(micros), "2025-11-26 11:53:02Z");
        assert_eq!(format_local_time(micros), "2025-11-26 18:53:02 +07:00");
        assert_eq!(format_utc_time(-1), "1969-12-31 23:59:59Z");
    }
}
