//! Hostile input, for every RPC of the tasks service: every string field with control
//! characters, NUL, bidi overrides, line breaks, non-characters and 100 KB; malformed codes,
//! ids, dates and DocumentIds; unknown enum values and out-of-range numbers; identities and
//! parties that may not make the call; rules broken. Each is refused with its code, its
//! reason and (for a field) a message and a `BadRequest` naming the field, and nothing is
//! stored: the tables hold the same rows and the tasks read the same before and after. Each
//! request is valid but for its hostile field: the valid ones are sent last and succeed.
use std::collections::HashMap;

use lienthong_api::tasks::v1::{
    ConfirmResultRequest, CreateTaskFromDocumentRequest, CreateTaskRequest, DecideExtensionRequest,
    GetTaskRequest, GetTaskStatisticsRequest, ListTasksRequest, PauseTaskRequest,
    RefuseTaskRequest, ReportProgressRequest, RequestExtensionRequest, ResumeTaskRequest,
    ReturnResultRequest, SubmitResultRequest, Task, WatchTaskEventsRequest,
    task_intake_service_client::TaskIntakeServiceClient, task_service_client::TaskServiceClient,
    task_statistics_service_client::TaskStatisticsServiceClient,
};
use lienthong_platform::{Identity, client::TracedChannel, db::Backend, error::reason_of};
use tonic::{Code, Status};

use crate::{
    calls::*,
    support::{G22, H48, SCT, STTTT, TestTasks, agency_id, spawn},
};

lienthong_platform::on_both_databases!(hostile_input_is_refused_and_nothing_is_stored);

/// One request of any RPC.
#[derive(Clone, Debug)]
enum Req {
    Create(CreateTaskRequest),
    Intake(CreateTaskFromDocumentRequest),
    Get(GetTaskRequest),
    List(ListTasksRequest),
    Progress(ReportProgressRequest),
    Submit(SubmitResultRequest),
    Confirm(ConfirmResultRequest),
    Return(ReturnResultRequest),
    Pause(PauseTaskRequest),
    Resume(ResumeTaskRequest),
    Refuse(RefuseTaskRequest),
    Extend(RequestExtensionRequest),
    Decide(DecideExtensionRequest),
    Watch(WatchTaskEventsRequest),
    Stats(GetTaskStatisticsRequest),
}

/// What a string field holds, which decides the hostile values it is tried with.
#[derive(Clone, Copy, Debug)]
enum Kind {
    /// Free text, line breaks allowed, at most this many characters.
    Text(usize),
    Agency,
    TaskId,
    Date,
    /// A DocumentId; `true` when a future date is refused (a source document, not a filter).
    DocumentId(bool),
    PageToken,
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

/// 100 KB.
fn huge() -> String {
    "Đ".repeat(50 * 1024)
}

/// The values a field is tried with; each must be refused naming the field.
fn hostile_values(kind: Kind) -> Vec<String> {
    let mut out = forbidden();
    out.push(huge());
    let line = ["a\nb", "a\r\nb", "a\u{2028}b"].map(String::from);
    let more: Vec<&str> = match kind {
        Kind::Text(max) => {
            out.push("x".repeat(max + 1));
            return out;
        }
        Kind::Agency => vec!["SCT", "000.00.09.h48", " 000.00.09.H48", "000.00.09.H48.1"],
        Kind::TaskId => vec!["42", "NV-0", "NV--1", "nv-1", "NV-99999999999999999999"],
        Kind::Date => vec![
            "2026-02-30",
            "30/11/2026",
            "+2026-11-30",
            "2026-11-30 ",
            "26-11-30",
        ],
        Kind::DocumentId(future) => {
            let mut v = vec![
                "125/UBND",
                "000.00.00.H48,2026/02/30,1/UBND",
                "000.00.00.H48,+202/11/02,1/UBND",
                "000.00.00.H48,2026/11/01,1/UB ND",
            ];
            if future {
                v.push("000.00.00.H48,2099/12/31,1/UBND");
            }
            v
        }
        Kind::PageToken => vec!["abc", "12", "e30.e30"],
    };
    out.extend(line);
    out.extend(more.into_iter().map(String::from));
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

/// The tasks the valid requests work on, each in the state its RPC needs.
struct Fixture {
    progress: String,
    submit: String,
    confirm: String,
    give_back: String,
    pause: String,
    resume: String,
    refuse: String,
    extend: String,
    decide: String,
}

const SOURCE: &str = "000.00.00.H48,2026/11/01,125/UBND-TH";
const TEXT: usize = 10_000;
const REASON: usize = 2_000;

fn exchange() -> Identity {
    Identity::Service("exchange".into())
}

/// Every RPC: who calls it, a valid request, and its string fields.
#[allow(clippy::too_many_lines)]
fn rpcs(f: &Fixture) -> Vec<(Identity, Req, Vec<Field>)> {
    use Kind::*;
    let (h48, sct) = (agency_id(H48), agency_id(SCT));
    vec![
        (
            h48.clone(),
            Req::Create(CreateTaskRequest {
                content: "Triển khai\nKế hoạch 61".into(),
                lead_agency: SCT.into(),
                coordinating_agencies: vec![STTTT.into()],
                deadline: "2026-11-30".into(),
                source_document_id: SOURCE.into(),
                notes: "Ghi chú\tthêm".into(),
            }),
            vec![
                field!(Create.content, Text(TEXT)),
                field!(Create.lead_agency, Agency),
                Field {
                    name: "coordinating_agencies[0]",
                    kind: Agency,
                    set: |r, v| {
                        if let Req::Create(x) = r {
                            x.coordinating_agencies[0] = v;
                        }
                    },
                },
                field!(Create.deadline, Date),
                field!(Create.source_document_id, DocumentId(true)),
                field!(Create.notes, Text(TEXT)),
            ],
        ),
        (
            exchange(),
            Req::Intake(CreateTaskFromDocumentRequest {
                source_document_id: "000.00.00.H48,2026/11/01,126/UBND-TH".into(),
                assigner: H48.into(),
                lead_agency: SCT.into(),
                coordinating_agencies: vec![STTTT.into()],
                content: "Thực hiện văn bản".into(),
                deadline: "2026-12-01".into(),
            }),
            vec![
                field!(Intake.source_document_id, DocumentId(true)),
                field!(Intake.assigner, Agency),
                field!(Intake.lead_agency, Agency),
                Field {
                    name: "coordinating_agencies[0]",
                    kind: Agency,
                    set: |r, v| {
                        if let Req::Intake(x) = r {
                            x.coordinating_agencies[0] = v;
                        }
                    },
                },
                field!(Intake.content, Text(TEXT)),
                field!(Intake.deadline, Date),
            ],
        ),
        (
            sct.clone(),
            Req::Get(GetTaskRequest {
                task_id: f.progress.clone(),
            }),
            vec![field!(Get.task_id, TaskId)],
        ),
        (
            sct.clone(),
            Req::List(ListTasksRequest {
                lead_agency: SCT.into(),
                coordinating_agency: STTTT.into(),
                assigner: H48.into(),
                bucket: 0,
                deadline_from: "2026-11-01".into(),
                deadline_to: "2026-12-31".into(),
                source_document_id: SOURCE.into(),
                page_size: 10,
                page_token: String::new(),
            }),
            vec![
                field!(List.lead_agency, Agency),
                field!(List.coordinating_agency, Agency),
                field!(List.assigner, Agency),
                field!(List.deadline_from, Date),
                field!(List.deadline_to, Date),
                field!(List.source_document_id, DocumentId(false)),
                field!(List.page_token, PageToken),
            ],
        ),
        (
            sct.clone(),
            Req::Progress(ReportProgressRequest {
                task_id: f.progress.clone(),
                text: "Đã khảo sát\r\nxong".into(),
                percent: Some(30),
            }),
            vec![
                field!(Progress.task_id, TaskId),
                field!(Progress.text, Text(TEXT)),
            ],
        ),
        (
            sct.clone(),
            Req::Submit(SubmitResultRequest {
                task_id: f.submit.clone(),
                result: "Đã hoàn thành".into(),
            }),
            vec![
                field!(Submit.task_id, TaskId),
                field!(Submit.result, Text(TEXT)),
            ],
        ),
        (
            h48.clone(),
            Req::Confirm(ConfirmResultRequest {
                task_id: f.confirm.clone(),
                comment: "Đạt".into(),
            }),
            vec![
                field!(Confirm.task_id, TaskId),
                field!(Confirm.comment, Text(REASON)),
            ],
        ),
        (
            h48.clone(),
            Req::Return(ReturnResultRequest {
                task_id: f.give_back.clone(),
                reason: "Thiếu số liệu".into(),
            }),
            vec![
                field!(Return.task_id, TaskId),
                field!(Return.reason, Text(REASON)),
            ],
        ),
        (
            h48.clone(),
            Req::Pause(PauseTaskRequest {
                task_id: f.pause.clone(),
                reason: "Chờ chủ trương".into(),
            }),
            vec![
                field!(Pause.task_id, TaskId),
                field!(Pause.reason, Text(REASON)),
            ],
        ),
        (
            h48.clone(),
            Req::Resume(ResumeTaskRequest {
                task_id: f.resume.clone(),
                comment: "Tiếp tục".into(),
            }),
            vec![
                field!(Resume.task_id, TaskId),
                field!(Resume.comment, Text(REASON)),
            ],
        ),
        (
            sct.clone(),
            Req::Refuse(RefuseTaskRequest {
                task_id: f.refuse.clone(),
                reason: "Không thuộc thẩm quyền".into(),
            }),
            vec![
                field!(Refuse.task_id, TaskId),
                field!(Refuse.reason, Text(REASON)),
            ],
        ),
        (
            sct.clone(),
            Req::Extend(RequestExtensionRequest {
                task_id: f.extend.clone(),
                new_deadline: "2026-12-15".into(),
                reason: "Chờ ý kiến".into(),
            }),
            vec![
                field!(Extend.task_id, TaskId),
                field!(Extend.new_deadline, Date),
                field!(Extend.reason, Text(REASON)),
            ],
        ),
        (
            h48.clone(),
            Req::Decide(DecideExtensionRequest {
                task_id: f.decide.clone(),
                approve: true,
                comment: "Đồng ý".into(),
            }),
            vec![
                field!(Decide.task_id, TaskId),
                field!(Decide.comment, Text(REASON)),
            ],
        ),
        (
            sct,
            Req::Watch(WatchTaskEventsRequest { after_event_id: 0 }),
            vec![],
        ),
        (
            Identity::Service("reporting".into()),
            Req::Stats(GetTaskStatisticsRequest {
                from_day: "2026-11-01".into(),
                to_day: "2026-11-30".into(),
                lead_agency: SCT.into(),
            }),
            vec![
                field!(Stats.from_day, Date),
                field!(Stats.to_day, Date),
                field!(Stats.lead_agency, Agency),
            ],
        ),
    ]
}

/// A refusal the suite expects: the code, the reason, and the field named (if any).
struct Case {
    what: String,
    who: Identity,
    req: Req,
    code: Code,
    reason: &'static str,
    field: Option<String>,
}

fn bad_field(who: &Identity, req: Req, field: &str, what: String) -> Case {
    Case {
        what,
        who: who.clone(),
        req,
        code: Code::InvalidArgument,
        reason: "INVALID_FIELD",
        field: Some(field.into()),
    }
}

/// Every string field of every RPC with every hostile value of its kind.
fn string_cases(f: &Fixture) -> Vec<Case> {
    let mut out = Vec::new();
    for (who, base, fields) in rpcs(f) {
        for field in fields {
            for value in hostile_values(field.kind) {
                let mut req = base.clone();
                let shown: String = value.chars().take(40).collect();
                (field.set)(&mut req, value);
                let what = format!("{:?}.{} = {shown:?}", discriminant(&req), field.name);
                out.push(bad_field(&who, req, field.name, what));
            }
        }
    }
    out
}

fn discriminant(r: &Req) -> &'static str {
    match r {
        Req::Create(_) => "CreateTask",
        Req::Intake(_) => "CreateTaskFromDocument",
        Req::Get(_) => "GetTask",
        Req::List(_) => "ListTasks",
        Req::Progress(_) => "ReportProgress",
        Req::Submit(_) => "SubmitResult",
        Req::Confirm(_) => "ConfirmResult",
        Req::Return(_) => "ReturnResult",
        Req::Pause(_) => "PauseTask",
        Req::Resume(_) => "ResumeTask",
        Req::Refuse(_) => "RefuseTask",
        Req::Extend(_) => "RequestExtension",
        Req::Decide(_) => "DecideExtension",
        Req::Watch(_) => "WatchTaskEvents",
        Req::Stats(_) => "GetTaskStatistics",
    }
}

/// The valid request of an RPC, changed by `change`.
fn base_of(f: &Fixture, name: &str, change: impl FnOnce(&mut Req)) -> (Identity, Req) {
    let (who, mut req, _) = rpcs(f)
        .into_iter()
        .find(|(_, r, _)| discriminant(r) == name)
        .expect("an RPC of the suite");
    change(&mut req);
    (who, req)
}

fn refusal(
    f: &Fixture,
    rpc: &str,
    who: Option<Identity>,
    change: impl FnOnce(&mut Req),
    expected: (Code, &'static str, Option<&str>),
) -> Case {
    let (base_who, req) = base_of(f, rpc, change);
    let (code, reason, field) = expected;
    let shown: String = format!("{req:?}").chars().take(300).collect();
    Case {
        what: format!("{rpc} {shown}"),
        who: who.unwrap_or(base_who),
        req,
        code,
        reason,
        field: field.map(String::from),
    }
}

/// Numbers, enums, identities and rules.
#[allow(clippy::too_many_lines)]
fn other_cases(f: &Fixture) -> Vec<Case> {
    use Code::*;
    let invalid = |field| (InvalidArgument, "INVALID_FIELD", Some(field));
    let not_allowed = (PermissionDenied, "IDENTITY_NOT_ALLOWED", None);
    let (admin, service) = (Identity::Admin("ops".into()), exchange());
    let (g22, sct, sttt, h48) = (
        agency_id(G22),
        agency_id(SCT),
        agency_id(STTTT),
        agency_id(H48),
    );
    let mut out = Vec::new();
    for p in [101, -1, i32::MIN, i32::MAX] {
        out.push(refusal(
            f,
            "ReportProgress",
            None,
            |r| {
                if let Req::Progress(x) = r {
                    x.percent = Some(p);
                }
            },
            invalid("percent"),
        ));
    }
    for b in [42, -1, 7] {
        out.push(refusal(
            f,
            "ListTasks",
            None,
            |r| {
                if let Req::List(x) = r {
                    x.bucket = b;
                }
            },
            invalid("bucket"),
        ));
    }
    for after in [u64::MAX, 1 << 63] {
        out.push(refusal(
            f,
            "WatchTaskEvents",
            None,
            |r| {
                if let Req::Watch(x) = r {
                    x.after_event_id = after;
                }
            },
            invalid("after_event_id"),
        ));
    }
    out.push(refusal(
        f,
        "CreateTask",
        None,
        |r| {
            if let Req::Create(x) = r {
                x.coordinating_agencies = vec!["\0".repeat(3); 100_000];
            }
        },
        invalid("coordinating_agencies"),
    ));
    out.push(refusal(
        f,
        "CreateTask",
        None,
        |r| {
            if let Req::Create(x) = r {
                x.coordinating_agencies = vec!["Đ".repeat(250); 200];
            }
        },
        invalid("coordinating_agencies[0]"),
    ));
    // Echoed (under the identifiers' length limit), percent-encoded three times over.
    out.push(refusal(
        f,
        "CreateTask",
        None,
        |r| {
            if let Req::Create(x) = r {
                x.coordinating_agencies = vec!["Đ".repeat(60); 200];
            }
        },
        invalid("coordinating_agencies[0]"),
    ));
    out.push(refusal(
        f,
        "CreateTask",
        None,
        |r| {
            if let Req::Create(x) = r {
                x.lead_agency = H48.into();
            }
        },
        invalid("lead_agency"),
    ));
    out.push(refusal(
        f,
        "CreateTask",
        None,
        |r| {
            if let Req::Create(x) = r {
                x.deadline = "2026-11-01".into();
            }
        },
        invalid("deadline"),
    ));
    out.push(refusal(
        f,
        "GetTaskStatistics",
        None,
        |r| {
            if let Req::Stats(x) = r {
                x.to_day = "2026-10-01".into();
            }
        },
        invalid("to_day"),
    ));
    out.push(refusal(
        f,
        "RequestExtension",
        None,
        |r| {
            if let Req::Extend(x) = r {
                x.new_deadline = "2026-11-03".into();
            }
        },
        (InvalidArgument, "DEADLINE_NOT_LATER", Some("new_deadline")),
    ));
    out.push(refusal(
        f,
        "ReportProgress",
        Some(sttt.clone()),
        |_| {},
        (InvalidArgument, "PERCENT_FROM_COORDINATOR", Some("percent")),
    ));
    // Identities the policy refuses, and parties the task refuses.
    for (rpc, who) in [
        ("CreateTask", service.clone()),
        ("CreateTask", admin.clone()),
        ("CreateTaskFromDocument", sct.clone()),
        ("CreateTaskFromDocument", admin.clone()),
        ("ListTasks", service.clone()),
        ("ReportProgress", admin.clone()),
        ("WatchTaskEvents", service.clone()),
        ("GetTaskStatistics", sct.clone()),
    ] {
        out.push(refusal(f, rpc, Some(who), |_| {}, not_allowed));
    }
    let not_found = (NotFound, "TASK_NOT_FOUND", Some("task_id"));
    for rpc in [
        "GetTask",
        "ReportProgress",
        "PauseTask",
        "DecideExtension",
        "RefuseTask",
    ] {
        out.push(refusal(f, rpc, Some(g22.clone()), |_| {}, not_found));
    }
    let role = (PermissionDenied, "ROLE_NOT_ALLOWED", None);
    out.push(refusal(f, "SubmitResult", Some(sttt.clone()), |_| {}, role));
    out.push(refusal(f, "ConfirmResult", Some(sct.clone()), |_| {}, role));
    out.push(refusal(
        f,
        "DecideExtension",
        Some(sct.clone()),
        |_| {},
        role,
    ));
    out.push(refusal(f, "PauseTask", Some(sct), |_| {}, role));
    out.push(refusal(
        f,
        "ReportProgress",
        Some(h48),
        |_| {},
        (PermissionDenied, "NOT_LEAD_OR_COORDINATOR", None),
    ));
    let confirm_open = f.progress.clone();
    out.push(refusal(
        f,
        "ConfirmResult",
        None,
        move |r| {
            if let Req::Confirm(x) = r {
                x.task_id = confirm_open;
            }
        },
        (FailedPrecondition, "TRANSITION_REFUSED", None),
    ));
    let pending = f.decide.clone();
    out.push(refusal(
        f,
        "RequestExtension",
        Some(agency_id(SCT)),
        move |r| {
            if let Req::Extend(x) = r {
                x.task_id = pending;
            }
        },
        (FailedPrecondition, "EXTENSION_PENDING", None),
    ));
    out
}

/// A channel per identity, opened once.
struct Channels<'a> {
    svc: &'a TestTasks,
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
        let mut tasks = TaskServiceClient::new(ch.clone());
        match req {
            Req::Create(r) => tasks.create_task(r).await.map(drop),
            Req::Intake(r) => TaskIntakeServiceClient::new(ch)
                .create_task_from_document(r)
                .await
                .map(drop),
            Req::Get(r) => tasks.get_task(r).await.map(drop),
            Req::List(r) => tasks.list_tasks(r).await.map(drop),
            Req::Progress(r) => tasks.report_progress(r).await.map(drop),
            Req::Submit(r) => tasks.submit_result(r).await.map(drop),
            Req::Confirm(r) => tasks.confirm_result(r).await.map(drop),
            Req::Return(r) => tasks.return_result(r).await.map(drop),
            Req::Pause(r) => tasks.pause_task(r).await.map(drop),
            Req::Resume(r) => tasks.resume_task(r).await.map(drop),
            Req::Refuse(r) => tasks.refuse_task(r).await.map(drop),
            Req::Extend(r) => tasks.request_extension(r).await.map(drop),
            Req::Decide(r) => tasks.decide_extension(r).await.map(drop),
            Req::Watch(r) => tasks.watch_task_events(r).await.map(drop),
            Req::Stats(r) => TaskStatisticsServiceClient::new(ch)
                .get_task_statistics(r)
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

/// The tasks of the valid requests, each brought to the state its RPC needs.
async fn fixture(svc: &TestTasks) -> Fixture {
    let mut h48 = svc.agency(H48).await;
    let mut sct = svc.agency(SCT).await;
    let mut ids = Vec::new();
    for n in 0..9 {
        ids.push(
            create(&mut h48, &format!("Nhiệm vụ {n}"), "2026-11-30")
                .await
                .task_id,
        );
    }
    let mut ids = ids.into_iter();
    let mut next = || ids.next().expect("nine tasks");
    let f = Fixture {
        progress: next(),
        submit: next(),
        confirm: next(),
        give_back: next(),
        pause: next(),
        resume: next(),
        refuse: next(),
        extend: next(),
        decide: next(),
    };
    for id in [&f.confirm, &f.give_back] {
        submit(&mut sct, id, "Kết quả").await.expect("submit");
    }
    h48.pause_task(PauseTaskRequest {
        task_id: f.resume.clone(),
        reason: "Chờ".into(),
    })
    .await
    .expect("pause");
    extend(&mut sct, &f.decide, "2026-12-10")
        .await
        .expect("extension");
    f
}

/// What the caller's tasks read as (the assigner sees every one of them).
async fn snapshot(svc: &TestTasks, f: &Fixture) -> Vec<Task> {
    let mut h48 = svc.agency(H48).await;
    let mut out = Vec::new();
    for id in [
        &f.progress,
        &f.submit,
        &f.confirm,
        &f.give_back,
        &f.pause,
        &f.resume,
        &f.refuse,
        &f.extend,
        &f.decide,
    ] {
        out.push(get(&mut h48, id).await.expect("get"));
    }
    out
}

async fn hostile_input_is_refused_and_nothing_is_stored(backend: Backend) {
    let svc = spawn(backend).await;
    let f = fixture(&svc).await;
    let rows = svc.row_counts().await;
    let tasks = snapshot(&svc, &f).await;
    let mut channels = Channels {
        svc: &svc,
        open: HashMap::new(),
    };
    let cases: Vec<Case> = string_cases(&f)
        .into_iter()
        .chain(other_cases(&f))
        .collect();
    assert!(cases.len() > 300, "{} cases", cases.len());
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
    assert_eq!(snapshot(&svc, &f).await, tasks, "the tasks read the same");

    // Each request was refused for its hostile field alone: as given, it is served.
    for (who, req, _) in rpcs(&f) {
        let what = format!("{req:?}");
        channels
            .send(&who, req)
            .await
            .unwrap_or_else(|e| panic!("{what}: {e:?}"));
    }
    assert_ne!(svc.row_counts().await, rows, "the valid requests stored");
    svc.stop().await;
}
