//! Property tests: every parser gives back what its Display wrote, and no input makes any of
//! them panic (arbitrary Unicode, and strings built from the characters the formats use).
use lienthong_axis::{
    AgencyCode, BusinessStatus, DocumentId, RevokeState, TaskId, TransportState, agency, local,
    timestamp,
};
use proptest::prelude::*;
use time::Date;

/// Strings over the characters of codes, dates and ids, Vietnamese letters included.
const VOCABULARY: &str = "[0-9.,/ A-Za-zĐđơưếạ+-]{0,40}";

fn agency_code() -> impl Strategy<Value = String> {
    "[0-9]{3}\\.[0-9]{2}\\.[0-9]{2}\\.[A-Z][0-9]{2}"
}

/// Dates with a four-digit year, 0000-01-01 ..= 9999-12-31.
fn date() -> impl Strategy<Value = Date> {
    (1_721_060i32..=5_373_484).prop_map(|j| Date::from_julian_day(j).expect("julian day in range"))
}

/// Any date `time` supports, negative years included.
fn any_date() -> impl Strategy<Value = Date> {
    (Date::MIN.to_julian_day()..=Date::MAX.to_julian_day())
        .prop_map(|j| Date::from_julian_day(j).expect("julian day in range"))
}

fn document_id_text() -> impl Strategy<Value = String> {
    (
        agency_code(),
        date(),
        "[0-9A-Za-zĐđ-][0-9A-Za-zĐđ._-]{0,15}",
        "[A-ZĐƯ-][A-Za-zĐđƯư0-9/,.&()_-]{0,60}",
    )
        .prop_map(|(organ, d, number, notation)| {
            format!(
                "{organ},{},{number}/{notation}",
                local::format_slash_date(d)
            )
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    // ---- agency codes

    #[test]
    fn agency_codes_round_trip(s in agency_code()) {
        let code = AgencyCode::parse("f", &s).expect("valid code");
        prop_assert_eq!(code.to_string(), s.clone());
        let shown = code.to_string();
        prop_assert_eq!(AgencyCode::parse("f", &shown), Ok(code.clone()));
        prop_assert!(AgencyCode::is_valid(&s));
        prop_assert_eq!(code.unit(), &s[10..]);
        prop_assert!(agency::is_unit(code.unit()));
    }

    #[test]
    fn agency_codes_never_panic(s in any::<String>()) {
        check_agency(&s)?;
    }

    #[test]
    fn agency_codes_never_panic_on_vocabulary(s in VOCABULARY) {
        check_agency(&s)?;
    }

    #[test]
    fn agency_codes_near_misses(s in "[0-9]{2,4}\\.[0-9a]{1,3}\\.[0-9]{2}\\.[A-Za-zĐ][0-9Đ]{1,3}") {
        check_agency(&s)?;
    }

    // ---- dates

    #[test]
    fn dates_round_trip(d in date()) {
        let dashed = local::format_date(d);
        prop_assert_eq!(local::parse_date("f", &dashed), Ok(d));
        prop_assert_eq!(local::parse_date_opt(&dashed), Some(d));
        prop_assert_eq!(local::parse_optional_date("f", &dashed), Ok(Some(d)));
        let slashed = local::format_slash_date(d);
        prop_assert_eq!(local::parse_slash_date("f", &slashed), Ok(d));
    }

    #[test]
    fn dates_never_panic(s in any::<String>()) {
        check_dates(&s)?;
    }

    #[test]
    fn dates_never_panic_on_vocabulary(s in "[0-9/+ Đ-]{0,12}") {
        check_dates(&s)?;
    }

    #[test]
    fn days_hold_their_instants(d in any_date()) {
        let (start, end) = local::day_bounds(d);
        prop_assert_eq!(start, local::start_of_day(d));
        prop_assert_eq!(end, local::end_of_day(d));
        prop_assert_eq!(end - start, local::MICROS_PER_DAY);
        prop_assert_eq!(local::local_date(start), d);
        prop_assert_eq!(local::local_date(end - 1), d);
        prop_assert_eq!(local::local_date(local::local_noon(d)), d);
        if d < Date::MAX {
            prop_assert_eq!(local::local_date(end), d.next_day().expect("not the last day"));
        }
    }

    #[test]
    fn instants_fall_in_their_day(micros in any::<i64>()) {
        let d = local::local_date(micros);
        // Saturated at the ends of the dates `time` supports.
        if d > Date::MIN && d < Date::MAX {
            prop_assert!(local::start_of_day(d) <= micros && micros < local::end_of_day(d));
        }
        let utc = local::format_utc_time(micros);
        let vn = local::format_local_time(micros);
        prop_assert!(utc.ends_with('Z'));
        prop_assert!(vn.ends_with(" +07:00"));
        if d > Date::MIN && d < Date::MAX {
            prop_assert!(vn.starts_with(&local::format_date(d)), "{} {}", vn, micros);
        }
    }

    // ---- DocumentIds

    #[test]
    fn document_ids_round_trip(s in document_id_text()) {
        let id = DocumentId::parse("d", &s).expect("valid DocumentId");
        prop_assert_eq!(id.to_string(), s.clone());
        let shown = id.to_string();
        prop_assert_eq!(DocumentId::parse("d", &shown), Ok(id.clone()));
        let rebuilt = DocumentId::new("d", id.organ(), id.date(), id.number(), id.notation());
        prop_assert_eq!(rebuilt, Ok(id.clone()));
        prop_assert_eq!(
            format!("{}/{}", id.number(), id.notation()),
            id.number_notation().to_string()
        );
        prop_assert!(!id.number().contains('/'));
    }

    #[test]
    fn document_ids_never_panic(s in any::<String>()) {
        check_document_id(&s)?;
    }

    #[test]
    fn document_ids_never_panic_on_vocabulary(s in VOCABULARY) {
        check_document_id(&s)?;
    }

    #[test]
    fn document_ids_near_misses(
        organ in prop_oneof![agency_code(), "[0-9.A-Z]{0,14}"],
        d in "[0-9/Đ-]{0,11}",
        rest in "[0-9A-ZĐđ/, ]{0,30}",
        long in 0usize..120,
    ) {
        check_document_id(&format!("{organ},{d},{rest}"))?;
        check_document_id(&format!("{organ},2026/01/31,{rest}{}", "Đ".repeat(long)))?;
    }

    // ---- task ids

    #[test]
    fn task_ids_round_trip(n in 1i64..=i64::MAX) {
        let id = TaskId::from_seq(n);
        prop_assert_eq!(TaskId::parse("t", &id.to_string()), Ok(id));
        prop_assert_eq!(id.seq(), n);
    }

    #[test]
    fn task_ids_never_panic(s in any::<String>()) {
        check_task_id(&s)?;
    }

    #[test]
    fn task_ids_never_panic_on_vocabulary(s in "(NV-)?[0-9+Đ -]{0,25}") {
        check_task_id(&s)?;
    }

    // ---- statuses

    #[test]
    fn business_statuses_never_panic(s in prop_oneof![any::<String>(), "[0-9]{0,3}"]) {
        match BusinessStatus::parse("code", &s) {
            Ok(status) => prop_assert_eq!(status.code(), s.as_str()),
            Err(e) => {
                prop_assert_eq!(e.field.as_str(), "code");
                prop_assert_eq!(BusinessStatus::from_code(&s), None);
            }
        }
    }

    #[test]
    fn business_statuses_round_trip(i in 0usize..9) {
        let status = BusinessStatus::ALL[i];
        prop_assert_eq!(BusinessStatus::parse("code", &status.to_string()), Ok(status));
    }

    #[test]
    fn stored_states_round_trip(v in prop_oneof![any::<i64>(), -2i64..8]) {
        if let Some(s) = TransportState::from_i64(v) {
            prop_assert_eq!(s.as_i64(), v);
        } else {
            prop_assert!(!(1..=5).contains(&v));
        }
        let r = RevokeState::from_i64(v);
        if (0..=3).contains(&v) {
            prop_assert_eq!(r.as_i64(), v);
        } else {
            prop_assert_eq!(r, RevokeState::None);
        }
    }

    #[test]
    fn transport_order_is_the_rank(a in 0usize..5, b in 0usize..5) {
        let (a, b) = (TransportState::ALL[a], TransportState::ALL[b]);
        prop_assert_eq!(a.cmp(&b), a.rank().cmp(&b.rank()));
        // Forward only; a failure ends a leg that was on its way, and nothing follows it.
        let failed = TransportState::Failed;
        let expected = if a == failed {
            false
        } else if b == failed {
            a <= TransportState::Relayed
        } else {
            a.rank() < b.rank()
        };
        prop_assert_eq!(a.may_move_to(b), expected);
    }

    // ---- timestamps

    #[test]
    fn timestamps_round_trip(micros in any::<i64>()) {
        let ts = timestamp::to_timestamp(micros);
        prop_assert!((0..1_000_000_000).contains(&ts.nanos));
        prop_assert_eq!(timestamp::from_timestamp(&ts), micros);
    }

    #[test]
    fn timestamps_never_panic(seconds in any::<i64>(), nanos in any::<i32>()) {
        let micros = timestamp::from_timestamp(&lienthong_api::wkt::Timestamp { seconds, nanos });
        let exact = i128::from(seconds) * 1_000_000 + i128::from(nanos).div_euclid(1000);
        let clamped = exact.clamp(i128::from(i64::MIN), i128::from(i64::MAX));
        prop_assert_eq!(i128::from(micros), clamped);
    }
}

fn check_agency(s: &str) -> Result<(), TestCaseError> {
    match AgencyCode::parse("to[0].code", s) {
        Ok(code) => {
            prop_assert_eq!(code.as_str(), s);
            prop_assert!(AgencyCode::is_valid(s));
        }
        Err(e) => {
            prop_assert_eq!(e.field.as_str(), "to[0].code");
            prop_assert!(!AgencyCode::is_valid(s));
            prop_assert!(
                e.rule == "is required" || e.rule.contains("DDD.CC.BB.Axx"),
                "{}",
                e
            );
        }
    }
    Ok(())
}

fn check_dates(s: &str) -> Result<(), TestCaseError> {
    match local::parse_date("day", s) {
        Ok(d) => prop_assert_eq!(local::format_date(d), s),
        Err(e) => {
            prop_assert_eq!(e.field.as_str(), "day");
            prop_assert!(e.rule.contains("yyyy-MM-dd"), "{}", e);
        }
    }
    prop_assert_eq!(local::parse_date_opt(s), local::parse_date("day", s).ok());
    match local::parse_slash_date("day", s) {
        Ok(d) => prop_assert_eq!(local::format_slash_date(d), s),
        Err(e) => prop_assert!(e.rule.contains("yyyy/MM/dd"), "{}", e),
    }
    Ok(())
}

fn check_document_id(s: &str) -> Result<(), TestCaseError> {
    match DocumentId::parse("response_for[0]", s) {
        Ok(id) => {
            prop_assert_eq!(id.to_string(), s);
            let shown = id.to_string();
            prop_assert_eq!(DocumentId::parse("d", &shown), Ok(id.clone()));
            prop_assert!(id.number_notation().len() <= 200);
            prop_assert!(!id.number().trim().is_empty() && !id.notation().trim().is_empty());
        }
        Err(e) => {
            prop_assert_eq!(e.field.as_str(), "response_for[0]");
            prop_assert!(
                e.rule == "is required" || e.rule.contains("is not a DocumentId"),
                "{}",
                e
            );
        }
    }
    Ok(())
}

fn check_task_id(s: &str) -> Result<(), TestCaseError> {
    match TaskId::parse("task_id", s) {
        Ok(id) => {
            prop_assert!(id.seq() > 0);
            prop_assert_eq!(TaskId::parse("task_id", &id.to_string()), Ok(id));
        }
        Err(e) => prop_assert_eq!(e.field.as_str(), "task_id"),
    }
    Ok(())
}

proptest! {
    /// The text policy never panics, and whatever it accepts holds no control character.
    #[test]
    fn text_policy_never_panics(s in any::<String>(), max in 0usize..64) {
        let single = lienthong_axis::text::single_line("f", &s, max);
        let multi = lienthong_axis::text::multi_line("f", &s, max);
        if single.is_ok() {
            prop_assert!(s.chars().all(|c| c == '\t' || !c.is_control()));
            prop_assert!(multi.is_ok());
        }
        if let Err(e) = single {
            prop_assert_eq!(e.field, "f");
        }
    }
}
