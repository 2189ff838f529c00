//! The hostile-input suite for the other services of the hub — DirectoryService, RelayService,
//! HubAdminService — and for messages that are not protobuf at all: every refusal with its
//! code, its reason and the field named, nothing stored.
use lienthong_api::exchange::v1::{
    Agency, DocumentHeader, GetAgencyRequest, GetHubStatusRequest, ListAgenciesRequest,
    ListPendingRequest, RegisterAgencyRequest, RelayDocumentRequest, RelayHeader,
    RelayStatusRequest, RemoveAgencyRequest, Secrecy, StatusUpdate, TraceHeader,
    directory_service_client::DirectoryServiceClient,
    hub_admin_service_client::HubAdminServiceClient, relay_document_request,
    relay_service_client::RelayServiceClient,
};
use lienthong_platform::{Identity, client::TracedChannel, db::Backend};
use prost::bytes::{Buf, BufMut};
use tonic::{
    Code, Status,
    codec::{Codec, DecodeBuf, Decoder, EncodeBuf, Encoder},
    codegen::http::uri::PathAndQuery,
};

use crate::{
    hostile::{Case, id_and_name_cases, refused_naming, text_cases},
    support::*,
};

fn admin_id() -> Identity {
    Identity::Admin("ops".into())
}

type Directory = DirectoryServiceClient<TracedChannel>;

/// A registration of Sở Y tế, changed by `change`.
fn registration(change: &dyn Fn(&mut Agency)) -> RegisterAgencyRequest {
    let mut a = Agency {
        code: SYT.into(),
        name: "Sở Y tế tỉnh Quảng Ngãi".into(),
        ..Default::default()
    };
    change(&mut a);
    RegisterAgencyRequest { agency: Some(a) }
}

const SYT: &str = "000.00.21.H48";

pub async fn hostile_directory_requests_store_nothing(backend: Backend) {
    let hub = spawn_hub(backend).await;
    let mut as_agency = hub.directory(&agency_id(H48)).await;
    let mut admin = hub.directory(&admin_id()).await;
    bad_registrations(&mut as_agency, &mut admin).await;
    let get = |code: &str| GetAgencyRequest { code: code.into() };
    refused_naming(
        as_agency.get_agency(get(SYT)).await,
        Code::NotFound,
        "AGENCY_NOT_REGISTERED",
        "code",
    );
    refused_naming(
        as_agency.get_agency(get("000.00.00.H48\0")).await,
        Code::InvalidArgument,
        "INVALID_FIELD",
        "code",
    );
    let list = ListAgenciesRequest {
        page_token: "forged".into(),
        ..Default::default()
    };
    refused_naming(
        as_agency.list_agencies(list).await,
        Code::InvalidArgument,
        "INVALID_FIELD",
        "page_token",
    );
    let remove = |code: &str| RemoveAgencyRequest { code: code.into() };
    refused(
        as_agency.remove_agency(remove(H48)).await,
        Code::PermissionDenied,
        "IDENTITY_NOT_ALLOWED",
    );
    refused_naming(
        admin.remove_agency(remove("H48")).await,
        Code::InvalidArgument,
        "INVALID_FIELD",
        "code",
    );
    refused_naming(
        admin.remove_agency(remove(SYT)).await,
        Code::NotFound,
        "AGENCY_NOT_REGISTERED",
        "code",
    );
    // H48 is still there; a proper registration passes.
    as_agency.get_agency(get(H48)).await.expect("H48 kept");
    admin
        .register_agency(registration(&|a| a.email = "syt@quangngai.gov.vn".into()))
        .await
        .expect("a proper registration");
    hub.stop().await;
}

/// Registrations an agency may not make, and malformed ones: none is stored.
async fn bad_registrations(as_agency: &mut Directory, admin: &mut Directory) {
    refused(
        as_agency.register_agency(registration(&|_| {})).await,
        Code::PermissionDenied,
        "IDENTITY_NOT_ALLOWED",
    );
    for (r, field) in [
        (registration(&|a| a.name = "Sở\0Y tế".into()), "agency.name"),
        (
            registration(&|a| a.name = "Sở Y tế\u{202e}".into()),
            "agency.name",
        ),
        (registration(&|a| a.name = "S".repeat(301)), "agency.name"),
        (registration(&|a| a.name = " ".into()), "agency.name"),
        (
            registration(&|a| a.email = "syt@quangngai.gov.vn\r\nBcc: x@y".into()),
            "agency.email",
        ),
        (
            registration(&|a| a.phone = "0255\u{1b}".into()),
            "agency.phone",
        ),
        (
            registration(&|a| a.address = "a".repeat(501)),
            "agency.address",
        ),
        (
            registration(&|a| a.website = "https://x\n".into()),
            "agency.website",
        ),
        (
            registration(&|a| a.code = "000.00.21.H48\n".into()),
            "agency.code",
        ),
        (RegisterAgencyRequest { agency: None }, "agency"),
    ] {
        refused_naming(
            admin.register_agency(r).await,
            Code::InvalidArgument,
            "INVALID_FIELD",
            field,
        );
    }
    refused_naming(
        as_agency
            .get_agency(GetAgencyRequest { code: SYT.into() })
            .await,
        Code::NotFound,
        "AGENCY_NOT_REGISTERED",
        "code",
    );
}

/// A provincial hub whose national hub is not there: relays come from "national".
async fn provincial(backend: Backend) -> TestHub {
    spawn_hub_with(
        backend,
        Options {
            role: "provincial".into(),
            national_endpoint: Some(format!("https://127.0.0.1:{}", free_port())),
            ..Options::default()
        },
    )
    .await
}

fn relayed(
    document: DocumentHeader,
) -> tokio_stream::Iter<std::vec::IntoIter<RelayDocumentRequest>> {
    tokio_stream::iter(vec![RelayDocumentRequest {
        part: Some(relay_document_request::Part::Header(RelayHeader {
            document: Some(document),
            recipients: vec![STTTT.into()],
        })),
    }])
}

pub async fn hostile_relays_store_nothing(backend: Backend) {
    let hub = provincial(backend).await;
    let mut national =
        RelayServiceClient::new(hub.channel(&Identity::Hub("national".into())).await);
    let base = |n: u32| header(G22, &[STTTT], n, &[]);
    // Wrong identities: an agency, a hub this provincial hub does not take relays from.
    let mut as_agency = RelayServiceClient::new(hub.channel(&agency_id(G22)).await);
    refused(
        as_agency.relay_document(relayed(base(1))).await,
        Code::PermissionDenied,
        "IDENTITY_NOT_ALLOWED",
    );
    let mut as_h41 = RelayServiceClient::new(hub.channel(&Identity::Hub("H41".into())).await);
    refused(
        as_h41.relay_document(relayed(base(1))).await,
        Code::PermissionDenied,
        "RELAY_REFUSED",
    );
    // The content rules of a local send, field by field.
    let cases: Vec<Case> = text_cases()
        .into_iter()
        .chain(id_and_name_cases())
        .chain(relay_cases())
        .collect();
    for (n, case) in cases.iter().enumerate() {
        let mut h = base(n as u32 + 1);
        (case.change)(&mut h);
        let field = if case.field.starts_with("header.") {
            case.field.to_string()
        } else {
            format!("header.document.{}", case.field)
        };
        refused_naming(
            national.relay_document(relayed(h)).await,
            case.code,
            case.reason,
            &field,
        );
    }
    hostile_status_relays(&mut national, &hub).await;
    let mut so = hub.agency(STTTT).await;
    let pending = so
        .list_pending(ListPendingRequest::default())
        .await
        .expect("pending")
        .into_inner()
        .items;
    assert!(
        pending.is_empty(),
        "nothing relayed was stored: {pending:?}"
    );
    // A proper relay still passes.
    let ok = national
        .relay_document(relayed(base(900)))
        .await
        .expect("a proper relay")
        .into_inner();
    assert!(ok.accepted);
    assert_eq!(documents_in(&mut so).await.len(), 1);
    hub.stop().await;
}

/// What only a relay carries: trace headers, the recipients asked, the hub's policy.
fn relay_cases() -> Vec<Case> {
    let case = |what, code, reason, field, change: fn(&mut DocumentHeader)| Case {
        what,
        change: Box::new(change),
        code,
        reason,
        field,
    };
    vec![
        case(
            "a trace header with a line break",
            Code::InvalidArgument,
            "INVALID_FIELD",
            "trace_headers[0].organ_id",
            |h| {
                h.trace_headers = vec![TraceHeader {
                    organ_id: "national\nFAKE".into(),
                    record_time: None,
                }]
            },
        ),
        case(
            "a state secret",
            Code::FailedPrecondition,
            "SECRET_DOCUMENT",
            "other_info.secrecy",
            |h| {
                h.other_info = Some(lienthong_api::exchange::v1::OtherInfo {
                    secrecy: Secrecy::TopSecret as i32,
                    ..Default::default()
                })
            },
        ),
        case(
            "a recipient listed twice in the document",
            Code::InvalidArgument,
            "INVALID_FIELD",
            "recipients[1].code",
            |h| h.recipients.push(h.recipients[0].clone()),
        ),
        case(
            "asked for a recipient that is not the document's",
            Code::InvalidArgument,
            "INVALID_FIELD",
            "header.recipients[0]",
            |h| h.recipients[0].code = SCT.into(),
        ),
    ]
}

async fn hostile_status_relays(national: &mut RelayServiceClient<TracedChannel>, hub: &TestHub) {
    let update = |change: &dyn Fn(&mut StatusUpdate)| {
        let mut u = StatusUpdate {
            update_id: "national:1".into(),
            document_id: format!("{G22},2026/11/26,1/UBND-TH"),
            recipient: STTTT.into(),
            to_agency: G22.into(),
            reporter: STTTT.into(),
            status: 3,
            hub: "H48".into(),
            ..Default::default()
        };
        change(&mut u);
        RelayStatusRequest { update: Some(u) }
    };
    for (r, field) in [
        (
            update(&|u| u.description = "a\0b".into()),
            "update.description",
        ),
        (
            update(&|u| u.staff_info = "a\nb".into()),
            "update.staff_info",
        ),
        (update(&|u| u.update_id = String::new()), "update.update_id"),
        (
            update(&|u| u.update_id = "u".repeat(201)),
            "update.update_id",
        ),
        (update(&|u| u.hub = "H48\u{202e}".into()), "update.hub"),
        (update(&|u| u.recipient = "x".into()), "update.recipient"),
        (
            update(&|u| u.document_id = "x\0".into()),
            "update.document_id",
        ),
        (update(&|u| u.status = 99), "update.status"),
        (RelayStatusRequest { update: None }, "update"),
    ] {
        refused_naming(
            national.relay_status(r).await,
            Code::InvalidArgument,
            "INVALID_FIELD",
            field,
        );
    }
    refused_naming(
        national.relay_status(update(&|_| {})).await,
        Code::NotFound,
        "NO_DOCUMENT",
        "update.document_id",
    );
    let mut as_agency = RelayServiceClient::new(hub.channel(&agency_id(STTTT)).await);
    refused(
        as_agency.relay_status(update(&|_| {})).await,
        Code::PermissionDenied,
        "IDENTITY_NOT_ALLOWED",
    );
}

pub async fn hub_status_is_for_operators(backend: Backend) {
    let hub = spawn_hub(backend).await;
    for id in [agency_id(H48), Identity::Hub("H41".into())] {
        let mut client = HubAdminServiceClient::new(hub.channel(&id).await);
        refused(
            client.get_hub_status(GetHubStatusRequest {}).await,
            Code::PermissionDenied,
            "IDENTITY_NOT_ALLOWED",
        );
    }
    hub.admin()
        .await
        .get_hub_status(GetHubStatusRequest {})
        .await
        .expect("an operator sees it");
    undecodable_messages_are_the_callers_fault(&hub).await;
    hub.stop().await;
}

/// Bytes sent as they are, for messages no protobuf encoder would write.
#[derive(Clone, Copy, Default)]
struct Raw;

struct RawEncoder;
struct RawDecoder;

impl Codec for Raw {
    type Encode = Vec<u8>;
    type Decode = ();
    type Encoder = RawEncoder;
    type Decoder = RawDecoder;
    fn encoder(&mut self) -> RawEncoder {
        RawEncoder
    }
    fn decoder(&mut self) -> RawDecoder {
        RawDecoder
    }
}

impl Encoder for RawEncoder {
    type Item = Vec<u8>;
    type Error = Status;
    fn encode(&mut self, item: Vec<u8>, buf: &mut EncodeBuf<'_>) -> Result<(), Status> {
        buf.put_slice(&item);
        Ok(())
    }
}

impl Decoder for RawDecoder {
    type Item = ();
    type Error = Status;
    fn decode(&mut self, buf: &mut DecodeBuf<'_>) -> Result<Option<()>, Status> {
        let n = buf.remaining();
        buf.advance(n);
        Ok(Some(()))
    }
}

async fn raw_call(channel: TracedChannel, path: &'static str, body: Vec<u8>) -> Result<(), Status> {
    let mut grpc = tonic::client::Grpc::new(channel);
    grpc.ready()
        .await
        .map_err(|e| Status::unavailable(e.to_string()))?;
    grpc.unary(
        tonic::Request::new(body),
        PathAndQuery::from_static(path),
        Raw,
    )
    .await
    .map(|_| ())
}

/// Invalid UTF-8 in a string field, a broken varint, a truncated message: INVALID_ARGUMENT
/// `UNDECODABLE_MESSAGE`, on every service.
async fn undecodable_messages_are_the_callers_fault(hub: &TestHub) {
    // Field 1 (a string) of two bytes that are no UTF-8.
    let bad_utf8 = vec![0x0a, 0x02, 0xff, 0xfe];
    // Field 1 (a varint) whose bytes never end.
    let broken_varint = vec![
        0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    ];
    // Field 1 (a string) announcing ten bytes, carrying one.
    let truncated = vec![0x0a, 0x0a, b'x'];
    let (agency, hub_id, admin) = (agency_id(H48), Identity::Hub("H41".into()), admin_id());
    for (id, path, body) in [
        (
            &agency,
            "/lienthong.exchange.v1.ExchangeService/AcknowledgeDocument",
            bad_utf8.clone(),
        ),
        (
            &agency,
            "/lienthong.exchange.v1.ExchangeService/ListPending",
            broken_varint.clone(),
        ),
        (
            &agency,
            "/lienthong.exchange.v1.ExchangeService/ReportStatus",
            truncated.clone(),
        ),
        (
            &agency,
            "/lienthong.exchange.v1.DirectoryService/GetAgency",
            bad_utf8.clone(),
        ),
        (
            &hub_id,
            "/lienthong.exchange.v1.RelayService/RelayStatus",
            truncated.clone(),
        ),
        (
            &admin,
            "/lienthong.exchange.v1.HubAdminService/GetHubStatus",
            broken_varint.clone(),
        ),
    ] {
        let e = refused(
            raw_call(hub.channel(id).await, path, body).await,
            Code::InvalidArgument,
            "UNDECODABLE_MESSAGE",
        );
        assert!(
            e.message().contains("cannot be decoded"),
            "{path}: {}",
            e.message()
        );
    }
}
