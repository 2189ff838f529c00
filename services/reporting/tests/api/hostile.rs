//! Hostile input, for every RPC of the reporting service: every string field with control
//! characters, NUL, bidi overrides, line breaks, non-characters and 100 KB; malformed codes,
//! keys, patterns, dates and page tokens; unknown enum values, out-of-range numbers, oversized
//! lists; identities and parties that may not make the call; rules broken. Each is refused
//! with its code, its reason and (for a field) a message and a `BadRequest` naming the field,
//! and nothing is stored: the tables hold the same rows and the reports read the same before
//! and after. Each request is valid but for its hostile part: the valid ones are sent last and
//! succeed.
use std::collections::HashMap;

use lienthong_api::reporting::v1::{
    AcceptReportRequest, CreateRegimeRequest, ExportFormat, ExportPeriodRequest,
    GetComplianceRequest, GetRegimeRequest, GetReportRequest, ListPeriodsRequest,
    ListRegimesRequest, ListReportsRequest, PushStatisticsRequest, Regime, Report,
    ReturnReportRequest, SaveDraftRequest, StatisticValue, SubmitReportRequest,
    intake_service_client::IntakeServiceClient, reporting_service_client::ReportingServiceClient,
};
use lienthong_platform::{Identity, client::TracedChannel, db::Backend, error::reason_of};
use tonic::{Code, Status};

use crate::{create, listed, support::*, test_regime};

/// One request of any RPC.
#[derive(Clone, Debug)]
enum Req {
    CreateRegime(CreateRegimeRequest),
    GetRegime(GetRegimeRequest),
    ListRegimes(ListRegimesRequest),
    ListPeriods(ListPeriodsRequest),
    SaveDraft(SaveDraftRequest),
    Submit(SubmitReportRequest),
    Accept(AcceptReportRequest),
    Return(ReturnReportRequest),
    GetReport(GetReportRequest),
    ListReports(ListReportsRequest),
    Compliance(GetComplianceRequest),
    Export(ExportPeriodRequest),
    Push(PushStatisticsRequest),
}

fn name(r: &Req) -> &'static str {
    match r {
        Req::CreateRegime(_) => "CreateRegime",
        Req::GetRegime(_) => "GetRegime",
        Req::ListRegimes(_) => "ListRegimes",
        Req::ListPeriods(_) => "ListPeriods",
        Req::SaveDraft(_) => "SaveDraft",
        Req::Submit(_) => "SubmitReport",
        Req::Accept(_) => "AcceptReport",
        Req::Return(_) => "ReturnReport",
        Req::GetReport(_) => "GetReport",
        Req::ListReports(_) => "ListReports",
        Req::Compliance(_) => "GetCompliance",
        Req::Export(_) => "ExportPeriod",
        Req::Push(_) => "PushStatistics",
    }
}

/// What a string field holds, which decides the hostile values it is tried with.
#[derive(Clone, Copy, Debug)]
enum Kind {
    /// Free text, line breaks allowed, at most this many characters.
    Text(usize),
    /// One line, at most this many characters.
    Line(usize),
    RegimeCode,
    IndicatorCode,
    StatisticCode,
    Period,
    Agency,
    Pattern,
    Date,
    PageToken,
    /// Only what the text policy refuses (the field is named by its place).
    Policy,
}

/// Characters no field takes.
fn forbidden() -> Vec<String> {
    [
        "a\0b",
        "a\u{1b}[2Jb",
        "a\u{7}b",
        "a\u{7f}b",
        "a\u{85}b",
        "Báo cáo\u{202e}fdp.exe",
        "a\u{2066}b",
        "a\u{200f}b",
        "a\u{ffff}",
    ]
    .map(String::from)
    .to_vec()
}

/// The values a field is tried with; each must be refused naming the field.
fn hostile_values(kind: Kind) -> Vec<String> {
    let mut out = forbidden();
    out.push("Đ".repeat(50 * 1024)); // 100 KB
    if let Kind::Text(max) = kind {
        out.push("x".repeat(max + 1));
        return out;
    }
    out.extend(["a\nb", "a\r\nb", "a\u{2028}b"].map(String::from));
    let long33 = "K".repeat(33);
    let more: Vec<String> = match kind {
        Kind::Text(_) | Kind::Policy => vec![],
        Kind::Line(max) => vec!["x".repeat(max + 1)],
        Kind::RegimeCode => vec!["kh61".into(), "KH 61".into(), "-KH".into(), long33],
        Kind::IndicatorCode => vec!["docs".into(), "A B".into(), "-A".into(), "X".repeat(65)],
        Kind::StatisticCode => vec!["Axis Sent".into(), "AXIS.SENT".into(), "x".repeat(101)],
        Kind::Period => vec![
            "2026-13".into(),
            "2026-3".into(),
            "26-03".into(),
            "2026-Q1".into(),
            "2026-03-01..2027-06-01".into(),
        ],
        Kind::Agency => vec![
            "SCT".into(),
            "000.00.09.h48".into(),
            " 000.00.09.H48".into(),
        ],
        Kind::Pattern => vec!["*.h48".into(), "*,H48".into(), "?".repeat(33)],
        Kind::Date => vec![
            "2026-02-30".into(),
            "01/03/2026".into(),
            "+2026-03-01".into(),
        ],
        Kind::PageToken => vec!["abc".into(), "12".into(), "e30.e30".into()],
    };
    out.extend(more);
    out
}

/// A string field of a request: its name and how to set it.
struct Field {
    name: &'static str,
    kind: Kind,
    set: fn(&mut Req, String),
}

macro_rules! field {
    ($variant:ident . $field:ident, $kind:expr) => {
        Field {
            name: stringify!($field),
            kind: $kind,
            set: |r, v| {
                if let Req::$variant(x) = r {
                    x.$field = v;
                }
            },
        }
    };
}

/// A field of the regime of a CreateRegime request.
macro_rules! regime_field {
    ($name:literal, $kind:expr, |$g:ident, $v:ident| $body:expr) => {
        Field {
            name: $name,
            kind: $kind,
            set: |r, $v| {
                if let Req::CreateRegime(CreateRegimeRequest { regime: Some($g) }) = r {
                    $body;
                }
            },
        }
    };
}

/// The regime of the suite: monthly, owned by OWNER, submitted by STTTT and SCT.
const R: &str = "HOS";
/// STTTT's draft (SaveDraft), STTTT's complete draft (SubmitReport), the submitted reports
/// of STTTT and SCT (AcceptReport, ReturnReport, reads).
const DRAFT: &str = "2026-02";
const COMPLETE: &str = "2026-01";
const SUBMITTED: &str = "2026-03";
const GOOD: [(&str, &str); 4] = [
    ("DOCS", "3"),
    ("RATE", "10"),
    ("AMOUNT", "-12.5"),
    ("NOTE", "Đã triển khai"),
];

fn owner() -> Identity {
    Identity::agency(OWNER).expect("code")
}

fn agency(code: &str) -> Identity {
    Identity::agency(code).expect("code")
}

fn exchange() -> Identity {
    Identity::Service("exchange".into())
}

fn new_regime() -> Regime {
    let mut r = test_regime("HOS2", listed(&[STTTT]));
    r.description = "Mô tả\nnhiều dòng".into();
    r.indicators[0].source_statistic = "axis.documents_sent".into();
    r.indicators[0].unit = "văn bản".into();
    r.indicators[0].target = "≥ 10".into();
    r
}

fn create_regime_fields() -> Vec<Field> {
    use Kind::*;
    vec![
        regime_field!("regime.code", RegimeCode, |g, v| g.code = v),
        regime_field!("regime.name", Line(300), |g, v| g.name = v),
        regime_field!("regime.owner", Agency, |g, v| g.owner = v),
        regime_field!("regime.description", Text(4000), |g, v| g.description = v),
        regime_field!("regime.indicators[0].code", IndicatorCode, |g, v| g
            .indicators[0]
            .code =
            v),
        regime_field!("regime.indicators[0].name", Line(300), |g, v| g
            .indicators[0]
            .name = v),
        regime_field!("regime.indicators[0].unit", Line(50), |g, v| g.indicators
            [0]
        .unit = v),
        regime_field!(
            "regime.indicators[0].source_statistic",
            StatisticCode,
            |g, v| g.indicators[0].source_statistic = v
        ),
        regime_field!("regime.indicators[0].target", Line(200), |g, v| g
            .indicators[0]
            .target =
            v),
        regime_field!("regime.submitters.agency_codes[0]", Agency, |g, v| {
            if let Some(s) = g.submitters.as_mut() {
                s.agency_codes[0] = v;
            }
        }),
        regime_field!("regime.submitters.pattern", Pattern, |g, v| {
            if let Some(s) = g.submitters.as_mut() {
                s.pattern = v;
            }
        }),
    ]
}

/// Every RPC: who calls it, a valid request, and its string fields.
#[allow(clippy::too_many_lines)]
fn rpcs() -> Vec<(Identity, Req, Vec<Field>)> {
    use Kind::*;
    let sttt = agency(STTTT);
    let (r, p) = (R.to_string(), SUBMITTED.to_string());
    vec![
        (
            owner(),
            Req::CreateRegime(CreateRegimeRequest {
                regime: Some(new_regime()),
            }),
            create_regime_fields(),
        ),
        (
            sttt.clone(),
            Req::GetRegime(GetRegimeRequest { code: R.into() }),
            vec![field!(GetRegime.code, RegimeCode)],
        ),
        (
            sttt.clone(),
            Req::ListRegimes(ListRegimesRequest {
                page_size: 10,
                page_token: String::new(),
            }),
            vec![field!(ListRegimes.page_token, PageToken)],
        ),
        (
            sttt.clone(),
            Req::ListPeriods(ListPeriodsRequest {
                regime_code: R.into(),
                year: 2026,
            }),
            vec![field!(ListPeriods.regime_code, RegimeCode)],
        ),
        (
            sttt.clone(),
            Req::SaveDraft(SaveDraftRequest {
                regime_code: R.into(),
                period: DRAFT.into(),
                values: values(&[("NOTE", "Ghi chú\tmới\r\ndòng 2"), ("DOCS", "4")]),
            }),
            vec![
                field!(SaveDraft.regime_code, RegimeCode),
                field!(SaveDraft.period, Period),
                Field {
                    name: "values[0].indicator_code",
                    kind: Policy,
                    set: |r, v| {
                        if let Req::SaveDraft(x) = r {
                            x.values[0].indicator_code = v;
                        }
                    },
                },
                Field {
                    name: "values[NOTE]",
                    kind: Text(4000),
                    set: |r, v| {
                        if let Req::SaveDraft(x) = r {
                            x.values[0].value = v;
                        }
                    },
                },
            ],
        ),
        (
            sttt.clone(),
            Req::Submit(SubmitReportRequest {
                regime_code: R.into(),
                period: COMPLETE.into(),
            }),
            vec![
                field!(Submit.regime_code, RegimeCode),
                field!(Submit.period, Period),
            ],
        ),
        (
            owner(),
            Req::Accept(AcceptReportRequest {
                regime_code: r.clone(),
                period: p.clone(),
                agency_code: STTTT.into(),
            }),
            vec![
                field!(Accept.regime_code, RegimeCode),
                field!(Accept.period, Period),
                field!(Accept.agency_code, Agency),
            ],
        ),
        (
            owner(),
            Req::Return(ReturnReportRequest {
                regime_code: r.clone(),
                period: p.clone(),
                agency_code: SCT.into(),
                reason: "Thiếu số liệu\nquý I".into(),
            }),
            vec![
                field!(Return.regime_code, RegimeCode),
                field!(Return.period, Period),
                field!(Return.agency_code, Agency),
                field!(Return.reason, Text(2000)),
            ],
        ),
        (
            sttt.clone(),
            Req::GetReport(GetReportRequest {
                regime_code: r.clone(),
                period: p.clone(),
                agency_code: STTTT.into(),
            }),
            vec![
                field!(GetReport.regime_code, RegimeCode),
                field!(GetReport.period, Period),
                field!(GetReport.agency_code, Agency),
            ],
        ),
        (
            owner(),
            Req::ListReports(ListReportsRequest {
                regime_code: r.clone(),
                period: p.clone(),
                page_size: 10,
                page_token: String::new(),
            }),
            vec![
                field!(ListReports.regime_code, RegimeCode),
                field!(ListReports.period, Period),
                field!(ListReports.page_token, PageToken),
            ],
        ),
        (
            owner(),
            Req::Compliance(GetComplianceRequest {
                regime_code: r.clone(),
                period: p.clone(),
                scope: "*.H48".into(),
            }),
            vec![
                field!(Compliance.regime_code, RegimeCode),
                field!(Compliance.period, Period),
                field!(Compliance.scope, Pattern),
            ],
        ),
        (
            owner(),
            Req::Export(ExportPeriodRequest {
                regime_code: r,
                period: p,
                scope: "*.H48".into(),
                format: ExportFormat::Csv as i32,
            }),
            vec![
                field!(Export.regime_code, RegimeCode),
                field!(Export.period, Period),
                field!(Export.scope, Pattern),
            ],
        ),
        (
            exchange(),
            Req::Push(PushStatisticsRequest {
                values: vec![stat("axis.documents_sent", STTTT, "2026-03-01", 3.0)],
            }),
            push_fields(),
        ),
    ]
}

fn push_fields() -> Vec<Field> {
    macro_rules! stat_field {
        ($name:literal, $kind:expr, $f:ident) => {
            Field {
                name: $name,
                kind: $kind,
                set: |r, v| {
                    if let Req::Push(x) = r {
                        x.values[0].$f = v;
                    }
                },
            }
        };
    }
    vec![
        stat_field!(
            "values[0].indicator_code",
            Kind::StatisticCode,
            indicator_code
        ),
        stat_field!("values[0].agency_code", Kind::Agency, agency_code),
        stat_field!("values[0].day", Kind::Date, day),
    ]
}

fn stat(code: &str, agency: &str, day: &str, value: f64) -> StatisticValue {
    StatisticValue {
        indicator_code: code.into(),
        agency_code: agency.into(),
        day: day.into(),
        value,
    }
}

/// A refusal the suite expects: the code, the reason, and the field named first (if any).
struct Case {
    what: String,
    who: Identity,
    req: Req,
    code: Code,
    reason: &'static str,
    field: Option<String>,
}

/// Every string field of every RPC with every hostile value of its kind.
fn string_cases() -> Vec<Case> {
    let mut out = Vec::new();
    for (who, base, fields) in rpcs() {
        for field in fields {
            for value in hostile_values(field.kind) {
                let mut req = base.clone();
                let shown: String = value.chars().take(40).collect();
                (field.set)(&mut req, value);
                out.push(Case {
                    what: format!("{}.{} = {shown:?}", name(&req), field.name),
                    who: who.clone(),
                    req,
                    code: Code::InvalidArgument,
                    reason: "INVALID_FIELD",
                    field: Some(field.name.into()),
                });
            }
        }
    }
    out
}

/// The valid request of an RPC, changed by `change`, refused as `expected`.
fn refusal(
    rpc: &str,
    who: Option<Identity>,
    change: impl FnOnce(&mut Req),
    expected: (Code, &'static str, Option<&str>),
) -> Case {
    let (base_who, mut req, _) = rpcs()
        .into_iter()
        .find(|(_, r, _)| name(r) == rpc)
        .expect("an RPC of the suite");
    change(&mut req);
    let shown: String = format!("{req:?}").chars().take(300).collect();
    let (code, reason, field) = expected;
    Case {
        what: format!("{rpc} {shown}"),
        who: who.unwrap_or(base_who),
        req,
        code,
        reason,
        field: field.map(String::from),
    }
}

fn regime_of(r: &mut Req) -> &mut Regime {
    match r {
        Req::CreateRegime(CreateRegimeRequest { regime: Some(g) }) => g,
        _ => panic!("not a CreateRegime"),
    }
}

fn invalid(field: &str) -> (Code, &'static str, Option<&str>) {
    (Code::InvalidArgument, "INVALID_FIELD", Some(field))
}

/// Enums, numbers and lists of CreateRegime.
fn regime_cases() -> Vec<Case> {
    let mut out = Vec::new();
    let mut add = |change: fn(&mut Regime), field: &'static str| {
        out.push(refusal(
            "CreateRegime",
            None,
            move |r| change(regime_of(r)),
            invalid(field),
        ));
    };
    add(|g| g.period_kind = 42, "regime.period_kind");
    add(|g| g.period_kind = -1, "regime.period_kind");
    add(|g| g.period_kind = 0, "regime.period_kind");
    add(
        |g| g.deadline_working_days = u32::MAX,
        "regime.deadline_working_days",
    );
    add(
        |g| g.indicators[0].value_type = 99,
        "regime.indicators[0].value_type",
    );
    add(
        |g| g.indicators[1].aggregation = -7,
        "regime.indicators[1].aggregation",
    );
    add(
        |g| g.indicators[2].min = Some(f64::NAN),
        "regime.indicators[2].min",
    );
    add(
        |g| g.indicators[2].max = Some(f64::INFINITY),
        "regime.indicators[2].max",
    );
    add(
        |g| g.indicators[3].code = "DOCS".into(),
        "regime.indicators[3].code",
    );
    add(
        |g| g.indicators = vec![g.indicators[0].clone(); 201],
        "regime.indicators",
    );
    add(
        |g| {
            if let Some(s) = g.submitters.as_mut() {
                s.agency_codes = vec!["\0".into(); 100_000];
            }
        },
        "regime.submitters.agency_codes",
    );
    // Many bad indicators: the refusal still arrives, bounded, naming the first.
    add(
        |g| {
            g.indicators = (0..200)
                .map(|i| {
                    let mut ind = g.indicators[0].clone();
                    ind.code = format!("Đ{i}").repeat(20);
                    ind
                })
                .collect();
        },
        "regime.indicators[0].code",
    );
    out
}

/// Numbers, enums, lists, identities and rules of the other RPCs.
#[allow(clippy::too_many_lines)]
fn other_cases() -> Vec<Case> {
    use Code::*;
    let not_allowed = (PermissionDenied, "IDENTITY_NOT_ALLOWED", None);
    let admin = Identity::Admin("ops".into());
    let mut out = regime_cases();
    for year in [1999, 2101, u32::MAX] {
        out.push(refusal(
            "ListPeriods",
            None,
            move |r| {
                if let Req::ListPeriods(x) = r {
                    x.year = year;
                }
            },
            invalid("year"),
        ));
    }
    for format in [0, 3, -1] {
        out.push(refusal(
            "ExportPeriod",
            None,
            move |r| {
                if let Req::Export(x) = r {
                    x.format = format;
                }
            },
            invalid("format"),
        ));
    }
    for value in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
        out.push(refusal(
            "PushStatistics",
            None,
            move |r| {
                if let Req::Push(x) = r {
                    x.values[0].value = value;
                }
            },
            invalid("values[0].value"),
        ));
    }
    out.push(refusal(
        "PushStatistics",
        None,
        |r| {
            if let Req::Push(x) = r {
                x.values = vec![x.values[0].clone(); 10_001];
            }
        },
        (ResourceExhausted, "TOO_MANY_VALUES", Some("values")),
    ));
    out.push(refusal(
        "PushStatistics",
        None,
        |r| {
            if let Req::Push(x) = r {
                x.values = vec![stat("\0", "Đ", "Đ", f64::NAN); 10_000];
            }
        },
        invalid("values[0].indicator_code"),
    ));
    out.push(refusal(
        "SaveDraft",
        None,
        |r| {
            if let Req::SaveDraft(x) = r {
                x.values = values(&[("NOPE", "1")]);
            }
        },
        invalid("values[NOPE]"),
    ));
    out.push(refusal(
        "SaveDraft",
        None,
        |r| {
            if let Req::SaveDraft(x) = r {
                x.values = vec![x.values[0].clone(); 10_000];
            }
        },
        invalid("values"),
    ));
    // Identities the policy refuses.
    for (rpc, who) in [
        ("CreateRegime", exchange()),
        ("SaveDraft", admin.clone()),
        ("SubmitReport", exchange()),
        ("AcceptReport", admin.clone()),
        ("ReturnReport", exchange()),
        ("ExportPeriod", exchange()),
        ("GetCompliance", exchange()),
        ("PushStatistics", agency(STTTT)),
        ("PushStatistics", admin),
    ] {
        out.push(refusal(rpc, Some(who), |_| {}, not_allowed));
    }
    // Parties the records refuse.
    let (sttt, sct, g22) = (agency(STTTT), agency(SCT), agency(G22));
    out.push(refusal(
        "CreateRegime",
        Some(sttt.clone()),
        |_| {},
        (
            PermissionDenied,
            "REGIME_OF_ANOTHER_OWNER",
            Some("regime.owner"),
        ),
    ));
    out.push(refusal(
        "SaveDraft",
        Some(g22.clone()),
        |_| {},
        (PermissionDenied, "NOT_A_SUBMITTER", None),
    ));
    out.push(refusal(
        "SubmitReport",
        Some(owner()),
        |_| {},
        (PermissionDenied, "NOT_A_SUBMITTER", None),
    ));
    out.push(refusal(
        "AcceptReport",
        Some(sttt.clone()),
        |_| {},
        (PermissionDenied, "NOT_THE_OWNER", None),
    ));
    out.push(refusal(
        "ReturnReport",
        Some(sct.clone()),
        |_| {},
        (PermissionDenied, "NOT_THE_OWNER", None),
    ));
    out.push(refusal(
        "GetReport",
        Some(sct),
        |_| {},
        (PermissionDenied, "REPORT_NOT_VISIBLE", None),
    ));
    out.push(refusal(
        "GetCompliance",
        Some(sttt.clone()),
        |_| {},
        (PermissionDenied, "COMPLIANCE_NOT_VISIBLE", None),
    ));
    out.push(refusal(
        "ExportPeriod",
        Some(g22),
        |_| {},
        (PermissionDenied, "COMPLIANCE_NOT_VISIBLE", None),
    ));
    // Rules.
    out.push(refusal(
        "GetRegime",
        None,
        |r| {
            if let Req::GetRegime(x) = r {
                x.code = "NOPE".into();
            }
        },
        (NotFound, "REGIME_NOT_FOUND", Some("regime_code")),
    ));
    out.push(refusal(
        "CreateRegime",
        None,
        |r| regime_of(r).code = R.into(),
        (AlreadyExists, "REGIME_EXISTS", Some("regime.code")),
    ));
    out.push(refusal(
        "SaveDraft",
        None,
        |r| {
            if let Req::SaveDraft(x) = r {
                x.period = "2026-05".into();
            }
        },
        (FailedPrecondition, "PERIOD_NOT_STARTED", Some("period")),
    ));
    out.push(refusal(
        "SubmitReport",
        None,
        |r| {
            if let Req::Submit(x) = r {
                x.period = "2025-12".into();
            }
        },
        (FailedPrecondition, "NO_DRAFT", None),
    ));
    out.push(refusal(
        "AcceptReport",
        None,
        |r| {
            if let Req::Accept(x) = r {
                x.period = DRAFT.into();
            }
        },
        (FailedPrecondition, "TRANSITION_REFUSED", None),
    ));
    out.push(refusal(
        "SaveDraft",
        Some(sttt),
        |r| {
            if let Req::SaveDraft(x) = r {
                x.period = SUBMITTED.into();
            }
        },
        (FailedPrecondition, "TRANSITION_REFUSED", None),
    ));
    out
}

/// A channel per identity, opened once.
struct Channels<'a> {
    svc: &'a TestService,
    open: HashMap<String, TracedChannel>,
}

impl Channels<'_> {
    async fn of(&mut self, who: &Identity) -> TracedChannel {
        let key = who.to_string();
        if let Some(c) = self.open.get(&key) {
            return c.clone();
        }
        let c = self.svc.channel(who).await;
        self.open.insert(key, c.clone());
        c
    }

    async fn send(&mut self, who: &Identity, req: Req) -> Result<(), Status> {
        let ch = self.of(who).await;
        let mut c = ReportingServiceClient::new(ch.clone());
        match req {
            Req::CreateRegime(r) => c.create_regime(r).await.map(drop),
            Req::GetRegime(r) => c.get_regime(r).await.map(drop),
            Req::ListRegimes(r) => c.list_regimes(r).await.map(drop),
            Req::ListPeriods(r) => c.list_periods(r).await.map(drop),
            Req::SaveDraft(r) => c.save_draft(r).await.map(drop),
            Req::Submit(r) => c.submit_report(r).await.map(drop),
            Req::Accept(r) => c.accept_report(r).await.map(drop),
            Req::Return(r) => c.return_report(r).await.map(drop),
            Req::GetReport(r) => c.get_report(r).await.map(drop),
            Req::ListReports(r) => c.list_reports(r).await.map(drop),
            Req::Compliance(r) => c.get_compliance(r).await.map(drop),
            Req::Export(r) => c.export_period(r).await.map(drop),
            Req::Push(r) => IntakeServiceClient::new(ch)
                .push_statistics(r)
                .await
                .map(drop),
        }
    }
}

fn check(case: &Case, r: Result<(), Status>) {
    let what = &case.what;
    let s = r.expect_err(&format!("{what}: must be refused"));
    let message: String = s.message().chars().take(300).collect();
    assert_eq!(s.code(), case.code, "{what}: {message}");
    assert_eq!(
        reason_of(&s).as_deref(),
        Some(case.reason),
        "{what}: {message}"
    );
    assert!(
        s.message().len() < 4096,
        "{what}: a short message, not an echo"
    );
    let Some(field) = &case.field else {
        return;
    };
    assert!(
        s.message().starts_with(&format!("{field}:")),
        "{what}: {message:?} should name {field}"
    );
    if case.code == Code::InvalidArgument {
        let fields = violated_fields(&s);
        assert_eq!(fields.first(), Some(field), "{what}: {message}");
        if !s.message().contains("more malformed fields not shown") {
            assert_eq!(fields.len(), 1, "{what}: {message}");
        }
    }
}

/// Regime HOS and its reports: STTTT's draft of February, STTTT's complete draft of January,
/// the submitted March reports of STTTT and SCT.
async fn fixture(svc: &TestService) {
    create(svc, test_regime(R, listed(&[STTTT, SCT]))).await;
    let mut sttt = svc.agency(STTTT).await;
    let mut sct = svc.agency(SCT).await;
    save(&mut sttt, R, DRAFT, &[("DOCS", "1")])
        .await
        .expect("draft");
    save(&mut sttt, R, COMPLETE, &GOOD)
        .await
        .expect("complete draft");
    for c in [&mut sttt, &mut sct] {
        save(c, R, SUBMITTED, &GOOD).await.expect("draft");
        submit(c, R, SUBMITTED).await.expect("submit");
    }
}

/// The reports of the suite, as their owner reads them.
async fn snapshot(svc: &TestService) -> Vec<Report> {
    let mut owner = svc.agency(OWNER).await;
    let mut out = Vec::new();
    for (period, agency) in [
        (DRAFT, STTTT),
        (COMPLETE, STTTT),
        (SUBMITTED, STTTT),
        (SUBMITTED, SCT),
    ] {
        out.push(
            get_report(&mut owner, R, period, agency)
                .await
                .expect("report"),
        );
    }
    out
}

pub async fn hostile_input_is_refused_and_nothing_is_stored(backend: Backend) {
    let svc = spawn_service(backend).await;
    fixture(&svc).await;
    let rows = svc.row_counts().await;
    let reports = snapshot(&svc).await;
    let mut channels = Channels {
        svc: &svc,
        open: HashMap::new(),
    };
    let cases: Vec<Case> = string_cases().into_iter().chain(other_cases()).collect();
    assert!(cases.len() > 400, "{} cases", cases.len());
    for case in &cases {
        let r = channels.send(&case.who, case.req.clone()).await;
        check(case, r);
        assert_eq!(
            svc.row_counts().await,
            rows,
            "{}: stored something",
            case.what
        );
    }
    assert_eq!(snapshot(&svc).await, reports, "the reports read the same");

    // Each request was refused for its hostile part alone: as given, it is served.
    for (who, req, _) in rpcs() {
        let what = name(&req);
        channels
            .send(&who, req)
            .await
            .unwrap_or_else(|e| panic!("{what}: {e:?}"));
    }
    assert_ne!(svc.row_counts().await, rows, "the valid requests stored");
    svc.stop().await;
}
