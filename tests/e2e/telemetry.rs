//! What an operator's OTLP collector receives from the real processes (issue 11): a
//! cross-province steering document sent from Nghệ An (H41) to Quảng Ngãi (H48) through the
//! national hub, with the tasks and reporting services beside H48, every process exporting to an
//! in-test collector.
//!
//! One trace follows the document from the sender's call through both relays to the task's
//! creation and back to the sender's status message; each outgoing call's CLIENT span is the
//! parent of its SERVER span; a refused call is an error with its code; the hubs are told apart by
//! their resource; no SQL or TLS internals are exported; each service exports RPC durations.
//! `lienthong track` shows the document's hops.
use std::{collections::BTreeSet, time::Duration};

use lienthong_api::{
    exchange::v1::{
        AcknowledgeDocumentRequest, BusinessStatus, DocumentHeader, ListPendingRequest,
        ReportStatusRequest, SendDocumentRequest, SteeringType,
        exchange_service_client::ExchangeServiceClient, inbox_item::Payload,
        send_document_request::Part,
    },
    tasks::v1::{ListTasksRequest, task_service_client::TaskServiceClient},
};
use lienthong_e2e::{Env, Service, attachment, bin, inbox_ids};
use lienthong_platform::{
    Identity,
    client::TracedChannel,
    db::Backend,
    testing::{TRUST_DOMAIN, TestDb, TestPki, eventually, free_port},
    testing_otlp::{Collector, ReceivedSpan, str_attribute},
};

use crate::{NGHE_AN, STTTT};

/// The trace the test's own "sender software" starts: every span of the document must carry it.
const TRACE_ID: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
const PARENT_SPAN: &str = "00f067aa0ba902b7";

const SEND: &str = "lienthong.exchange.v1.ExchangeService/SendDocument";
const RELAY: &str = "lienthong.exchange.v1.RelayService/RelayDocument";
const RELAY_STATUS: &str = "lienthong.exchange.v1.RelayService/RelayStatus";
const CREATE_TASK: &str = "lienthong.tasks.v1.TaskIntakeService/CreateTaskFromDocument";

/// Three hubs, tasks and reporting beside H48, all exporting to `collector`.
struct Stack {
    pki: TestPki,
    /// national, H48, H41, tasks, reporting.
    services: Vec<Service>,
    _dbs: Vec<TestDb>,
}

const NATIONAL: usize = 0;
const PROV_H48: usize = 1;
const PROV_H41: usize = 2;
const TASKS: usize = 3;

impl Stack {
    async fn start(collector: &Collector) -> Stack {
        let pki = TestPki::new();
        let ports: Vec<u16> = (0..5).map(|_| free_port()).collect();
        let url = |i: usize| format!("https://127.0.0.1:{}", ports[i]);
        let mut dbs = Vec::new();
        for _ in 0..5 {
            dbs.push(TestDb::new(Backend::Sqlite).await);
        }
        let otel = |env: Env| {
            env.set("OTEL_EXPORTER_OTLP_ENDPOINT", collector.endpoint())
                .set("OTEL_BSP_SCHEDULE_DELAY", 200)
                .set("OTEL_METRIC_EXPORT_INTERVAL", 500)
        };
        let hub = |i: usize, id: &str| Env::hub(&pki, id, ports[i], &pki.data_dir(id), &dbs[i]);
        let exchange = Identity::Service("exchange".into());
        let envs = [
            hub(NATIONAL, "national")
                .set("LIENTHONG_HUB_ROLE", "national")
                .set(
                    "LIENTHONG_HUB_ROUTES",
                    format!("H48={},H41={}", url(PROV_H48), url(PROV_H41)),
                ),
            hub(PROV_H48, "H48")
                .set("LIENTHONG_HUB_ROLE", "provincial")
                .set("LIENTHONG_NATIONAL_ENDPOINT", url(NATIONAL))
                .set("LIENTHONG_TASKS_ENDPOINT", url(TASKS))
                .set("LIENTHONG_REPORTING_ENDPOINT", url(4))
                .set("LIENTHONG_STATS_PUSH_SECS", "0.3")
                .calling_as(&pki, &exchange),
            hub(PROV_H41, "H41")
                .set("LIENTHONG_HUB_ROLE", "provincial")
                .set("LIENTHONG_NATIONAL_ENDPOINT", url(NATIONAL)),
            Env::service(
                &pki,
                &Identity::Service("tasks".into()),
                "LIENTHONG_TASKS_LISTEN",
                ports[TASKS],
                &pki.data_dir("tasks"),
                &dbs[TASKS],
            ),
            Env::service(
                &pki,
                &Identity::Service("reporting".into()),
                "LIENTHONG_REPORTING_LISTEN",
                ports[4],
                &pki.data_dir("reporting"),
                &dbs[4],
            ),
        ];
        let binaries = [
            "lienthong-exchange",
            "lienthong-exchange",
            "lienthong-exchange",
            "lienthong-tasks",
            "lienthong-reporting",
        ];
        let mut services = Vec::new();
        for (i, env) in envs.into_iter().enumerate() {
            let log = pki.dir().join(format!("service-{i}.log"));
            services.push(Service::start(binaries[i], &otel(env), ports[i], &log));
        }
        let admin = pki.files(&Identity::Admin("ops".into()));
        for service in &mut services {
            service.wait_ready(&admin).await;
        }
        Stack {
            pki,
            services,
            _dbs: dbs,
        }
    }

    async fn exchange(&self, i: usize, agency: &str) -> ExchangeServiceClient<TracedChannel> {
        ExchangeServiceClient::new(self.services[i].channel(&self.pki.agency(agency)).await)
    }
}

fn steering_document() -> DocumentHeader {
    DocumentHeader {
        document_id: format!("{NGHE_AN},2026/11/26,7/UBND-VP"),
        steering_type: SteeringType::Steering as i32,
        due_date: "2026-12-31".into(),
        subject: "Triển khai chữ ký số cho 100% dịch vụ công trực tuyến".into(),
        ..lienthong_e2e::document(NGHE_AN, &[STTTT], 7, b"")
    }
}

/// Sends `header` as the sender's software would, in the trace it started.
async fn send_in_trace(client: &mut ExchangeServiceClient<TracedChannel>, header: DocumentHeader) {
    let mut request = tonic::Request::new(tokio_stream::iter(vec![SendDocumentRequest {
        part: Some(Part::Header(header)),
    }]));
    request.metadata_mut().insert(
        "traceparent",
        format!("00-{TRACE_ID}-{PARENT_SPAN}-01")
            .parse()
            .expect("traceparent"),
    );
    client.send_document(request).await.expect("accepted");
}

fn trace_id(span: &ReceivedSpan) -> String {
    hex_of(&span.span.trace_id)
}

fn hex_of(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The hub (or service) that exported a span.
fn origin(span: &ReceivedSpan) -> String {
    span.resource_str("lienthong.hub.id")
        .or_else(|| span.resource_str("service.name"))
        .unwrap_or_default()
}

/// The document's journey, driven as the agencies' software would.
async fn play(stack: &Stack) -> String {
    let doc = steering_document();
    let id = doc.document_id.clone();
    let mut sender = stack.exchange(PROV_H41, NGHE_AN).await;
    send_in_trace(&mut sender, doc).await;

    let mut recipient = stack.exchange(PROV_H48, STTTT).await;
    assert_eq!(inbox_ids(&mut recipient, 1).await, vec![id.clone()]);
    attachment(&mut recipient, &id).await;
    recipient
        .acknowledge_document(AcknowledgeDocumentRequest {
            document_id: id.clone(),
        })
        .await
        .expect("acknowledged");
    recipient
        .report_status(ReportStatusRequest {
            document_id: id.clone(),
            status: BusinessStatus::Accepted as i32,
            ..Default::default()
        })
        .await
        .expect("03 reported");

    // The statuses come back to the sender, and the task exists beside H48.
    eventually("03 back at the sender", Duration::from_secs(30), || {
        let mut sender = sender.clone();
        async move {
            let items = sender
                .list_pending(ListPendingRequest::default())
                .await
                .ok()?
                .into_inner()
                .items;
            items
                .into_iter()
                .any(|i| {
                    matches!(i.payload, Some(Payload::Status(s))
                        if s.status == BusinessStatus::Accepted as i32)
                })
                .then_some(())
        }
    })
    .await;
    let mut tasks = TaskServiceClient::new(
        stack.services[TASKS]
            .channel(&stack.pki.agency(STTTT))
            .await,
    );
    eventually("the task of the document", Duration::from_secs(30), || {
        let (mut tasks, id) = (tasks.clone(), id.clone());
        async move {
            let found = tasks
                .list_tasks(ListTasksRequest {
                    source_document_id: id,
                    ..Default::default()
                })
                .await
                .ok()?
                .into_inner()
                .tasks;
            (!found.is_empty()).then_some(())
        }
    })
    .await;
    let _ = &mut tasks;
    id
}

/// Calls the hub refuses: a DocumentId that is no date (INVALID_ARGUMENT, the caller's fault)
/// and a service this hub does not serve (UNIMPLEMENTED, an error by the conventions).
async fn refused_calls(stack: &Stack) {
    let mut sender = stack.exchange(PROV_H41, NGHE_AN).await;
    let bad = DocumentHeader {
        document_id: format!("{NGHE_AN},2026/13/45,8/UBND-VP"),
        ..lienthong_e2e::document(NGHE_AN, &[STTTT], 8, b"")
    };
    let refused = sender
        .send_document(tokio_stream::iter(vec![SendDocumentRequest {
            part: Some(Part::Header(bad)),
        }]))
        .await
        .expect_err("an impossible date is refused");
    assert_eq!(refused.code(), tonic::Code::InvalidArgument);
    let mut not_here = TaskServiceClient::new(
        stack.services[PROV_H41]
            .channel(&stack.pki.agency(NGHE_AN))
            .await,
    );
    let unimplemented = not_here
        .list_tasks(ListTasksRequest::default())
        .await
        .expect_err("a hub serves no tasks");
    assert_eq!(unimplemented.code(), tonic::Code::Unimplemented);
}

/// `lienthong track` at the sender's hub, as the sender: the hops through the three hubs.
async fn track(stack: &Stack, id: &str) -> String {
    let files = stack.pki.agency(NGHE_AN);
    let out = tokio::process::Command::new(bin("lienthong"))
        .env_clear()
        .env("LIENTHONG_ENDPOINT", &stack.services[PROV_H41].url)
        .env("LIENTHONG_CERT", &files.cert)
        .env("LIENTHONG_KEY", &files.key)
        .env("LIENTHONG_CA", &files.ca)
        .env(
            "LIENTHONG_CRL",
            files.crl.as_ref().expect("the test PKI has a CRL"),
        )
        .env("LIENTHONG_TRUST_DOMAIN", TRUST_DOMAIN)
        .args(["track", id])
        .output()
        .await
        .expect("run lienthong track");
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        out.status.success(),
        "track failed: {}\n{stdout}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_trace_follows_a_document_across_hubs_into_tasks_and_back() {
    let collector = Collector::start().await;
    let mut stack = Stack::start(&collector).await;
    let id = play(&stack).await;
    refused_calls(&stack).await;
    let tracked = track(&stack, &id).await;
    for hub in ["H41", "national", "H48"] {
        assert!(tracked.contains(hub), "track names hub {hub}:\n{tracked}");
    }
    assert!(
        tracked.contains(TRACE_ID),
        "track names the trace:\n{tracked}"
    );

    // SIGTERM flushes each process's batched spans and a last metrics export.
    for service in stack.services.iter_mut().rev() {
        service.stop();
    }
    let spans = collector.spans();
    assert_one_trace(&spans);
    assert_pairs(&spans);
    assert_refusals(&spans);
    assert_no_internals(&spans);
    assert_rpc_durations(&collector);
}

/// Every step of the document is in the trace the sender started, at the hub it happened.
fn assert_one_trace(spans: &[ReceivedSpan]) {
    let ours: Vec<&ReceivedSpan> = spans.iter().filter(|s| trace_id(s) == TRACE_ID).collect();
    let seen: BTreeSet<(String, String, bool)> = ours
        .iter()
        .map(|s| (origin(s), s.name().to_string(), s.is_server()))
        .collect();
    for (origin, name, server) in [
        ("H41", SEND, true),
        ("H41", RELAY, false),
        ("national", RELAY, true),
        ("national", RELAY, false),
        ("H48", RELAY, true),
        ("H48", CREATE_TASK, false),
        ("lienthong-tasks", CREATE_TASK, true),
        ("H48", RELAY_STATUS, false),
        ("national", RELAY_STATUS, true),
        ("H41", RELAY_STATUS, true),
    ] {
        assert!(
            seen.contains(&(origin.to_string(), name.to_string(), server)),
            "{origin} {name} ({}) is in the document's trace; seen: {seen:#?}",
            if server { "SERVER" } else { "CLIENT" }
        );
    }
    let send = ours
        .iter()
        .find(|s| s.name() == SEND && s.is_server())
        .expect("the send");
    assert_eq!(hex_of(&send.span.parent_span_id), PARENT_SPAN);
    assert_eq!(send.str("rpc.system").as_deref(), Some("grpc"));
    assert_eq!(send.int("rpc.grpc.status_code"), Some(0));
}

/// Each CLIENT span of an outgoing call is the parent of the SERVER span that answered it.
fn assert_pairs(spans: &[ReceivedSpan]) {
    let ours: Vec<&ReceivedSpan> = spans.iter().filter(|s| trace_id(s) == TRACE_ID).collect();
    let clients: Vec<&&ReceivedSpan> = ours.iter().filter(|s| s.is_client()).collect();
    assert!(clients.len() >= 5, "{} client spans", clients.len());
    for client in clients {
        let answered = ours
            .iter()
            .filter(|s| s.is_server() && s.is_child_of(client))
            .count();
        assert!(
            answered >= 1 && client.name().contains('/'),
            "CLIENT {} of {} has its SERVER span",
            client.name(),
            origin(client)
        );
    }
    for server in ours.iter().filter(|s| s.is_server() && s.name() != SEND) {
        assert!(
            ours.iter()
                .any(|c| c.is_client() && server.is_child_of(c) && c.name() == server.name()),
            "SERVER {} at {} has a CLIENT parent",
            server.name(),
            origin(server)
        );
    }
}

/// The refused calls carry their code; the server's own fault (UNIMPLEMENTED) is an error, the
/// caller's (INVALID_ARGUMENT) is not.
fn assert_refusals(spans: &[ReceivedSpan]) {
    let unimplemented = spans
        .iter()
        .find(|s| s.name() == "lienthong.tasks.v1.TaskService/ListTasks" && origin(s) == "H41")
        .expect("the refused ListTasks at H41");
    assert_eq!(unimplemented.int("rpc.grpc.status_code"), Some(12));
    assert_eq!(unimplemented.is_error(), Some(true));
    assert!(!unimplemented.status_message().is_empty());
    let invalid = spans
        .iter()
        .find(|s| s.name() == SEND && s.int("rpc.grpc.status_code") == Some(3))
        .expect("the refused SendDocument");
    assert_ne!(
        invalid.is_error(),
        Some(true),
        "a caller's mistake is no server error"
    );
    assert_eq!(origin(invalid), "H41");
}

/// SQL statements and TLS internals stay out of the export.
fn assert_no_internals(spans: &[ReceivedSpan]) {
    let internal = |target: &str| target.starts_with("sqlx") || target.starts_with("rustls");
    for span in spans {
        let target = span.str("target").unwrap_or_default();
        assert!(!internal(&target), "span {} from {target}", span.name());
        for event in &span.span.events {
            let target = str_attribute(&event.attributes, "target").unwrap_or_default();
            assert!(
                !internal(&target),
                "event {:?} from {target} exported",
                event.name
            );
        }
    }
}

/// Each of the three services exported its RPC durations, with the status code.
fn assert_rpc_durations(collector: &Collector) {
    let mut from: BTreeSet<String> = BTreeSet::new();
    for (metric, resource) in collector.metrics() {
        if metric.name == "rpc.server.call.duration" {
            assert_eq!(metric.unit, "s");
            from.extend(str_attribute(&resource, "service.name"));
        }
    }
    for service in [
        "lienthong-exchange",
        "lienthong-tasks",
        "lienthong-reporting",
    ] {
        assert!(
            from.iter().any(|f| f.starts_with(service)),
            "{service} exported rpc.server.call.duration; from: {from:?}"
        );
    }
    assert!(
        !collector
            .histogram_points("rpc.client.call.duration")
            .is_empty(),
        "client durations"
    );
}
