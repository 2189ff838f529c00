#!/usr/bin/env python3
"""A lienthong client in Python, generated from proto/ at run time: the proof that the gRPC
contract serves other languages than Rust.

It generates the Python stubs of every .proto under proto/ with grpcio-tools into a temporary
directory, then plays one exchange through a hub over mutual TLS, as two agencies:

  1. agency A sends a document with one attachment (declared size and SHA-256) to agency B;
  2. B subscribes to its inbox and receives the document's header;
  3. B fetches the document and checks the attachment's bytes against the declared digest;
  4. B acknowledges it (status 01) and reports BUSINESS_STATUS_ACCEPTED (03);
  5. A reads the statuses from its own inbox and confirms them;
  6. A's view of the document shows B's leg ACKNOWLEDGED with current status ACCEPTED;
  7. a malformed agency code is refused INVALID_ARGUMENT, and the google.rpc details of the
     refusal (the `grpc-status-details-bin` trailer) are decoded: ErrorInfo reason
     INVALID_FIELD and a BadRequest naming the field.

Each step prints one line starting with "step <name>:". Exit status: 0 when every check holds,
1 on a mismatch, an unexpected refusal or an unreadable file (the line "FAIL: ..." on stderr
says which), 2 on bad arguments.

Requirements: tests/python/requirements.txt (grpcio, grpcio-tools, googleapis-common-protos for
google.rpc.Status and its details).
"""
from __future__ import annotations

import argparse
import hashlib
import importlib
import importlib.resources
import keyword
import pathlib
import sys
import tempfile
import time

import grpc

ROOT = pathlib.Path(__file__).resolve().parents[2]


class Mismatch(Exception):
    """What the hub answered is not what the contract promises."""


def expect(condition: bool, what: str) -> None:
    if not condition:
        raise Mismatch(what)


def step(name: str, text: str) -> None:
    print(f"step {name}: {text}", flush=True)


# --- Stubs ------------------------------------------------------------------------------------


def generate_stubs(proto_dir: pathlib.Path, out: pathlib.Path) -> list[pathlib.Path]:
    """Generates the Python messages and gRPC stubs of every .proto under `proto_dir` into
    `out` with grpc_tools.protoc; the well-known types (timestamp, duration) come from
    grpc_tools' own include directory."""
    from grpc_tools import protoc

    well_known = importlib.resources.files("grpc_tools") / "_proto"
    protos = sorted(proto_dir.rglob("*.proto"))
    expect(bool(protos), f"no .proto file under {proto_dir}")
    args = [
        "grpc_tools.protoc",
        f"--proto_path={proto_dir}",
        f"--proto_path={well_known}",
        f"--python_out={out}",
        f"--grpc_python_out={out}",
        *(str(p) for p in protos),
    ]
    expect(protoc.main(args) == 0, f"protoc failed on {proto_dir}")
    return [p.relative_to(proto_dir) for p in protos]


def keyword_fields(module) -> list[str]:
    """The fields of the module's messages whose name is a Python keyword (`h.from` would be a
    syntax error): the revised protos have none."""
    found = []

    def walk(message):
        for field in message.fields:
            if keyword.iskeyword(field.name):
                found.append(f"{message.full_name}.{field.name}")
        for nested in message.nested_types:
            walk(nested)

    for message in module.DESCRIPTOR.message_types_by_name.values():
        walk(message)
    return found


def load_stubs(proto_dir: pathlib.Path, out: pathlib.Path):
    """Generates the stubs, imports them, and checks that no field is a Python keyword."""
    protos = generate_stubs(proto_dir, out)
    sys.path.insert(0, str(out))
    bad = []
    for proto in protos:
        module = importlib.import_module(str(proto.with_suffix("")).replace("/", ".") + "_pb2")
        bad += keyword_fields(module)
    expect(not bad, f"fields named after a Python keyword: {', '.join(bad)}")
    step("generate", f"{len(protos)} files from {proto_dir} into Python stubs, no keyword field")
    from lienthong.exchange.v1 import exchange_pb2, exchange_pb2_grpc

    return exchange_pb2, exchange_pb2_grpc


# --- mTLS -------------------------------------------------------------------------------------


def channel(args, cert: str, key: str) -> grpc.Channel:
    """A channel to the hub presenting this agency's certificate, verifying the hub against the
    axis CA under the name `--server-name` (the hub's certificate names localhost)."""
    credentials = grpc.ssl_channel_credentials(
        root_certificates=pathlib.Path(args.ca).read_bytes(),
        private_key=pathlib.Path(key).read_bytes(),
        certificate_chain=pathlib.Path(cert).read_bytes(),
    )
    options = [("grpc.ssl_target_name_override", args.server_name)]
    ch = grpc.secure_channel(args.hub, credentials, options=options)
    try:
        grpc.channel_ready_future(ch).result(timeout=args.timeout)
    except grpc.FutureTimeoutError:
        ch.close()
        raise Mismatch(
            f"no TLS connection to {args.hub} within {args.timeout} s: is the hub running there, "
            f"is its certificate issued by {args.ca} for {args.server_name!r}, and does {key} "
            f"belong to {cert}?"
        ) from None
    return ch


# --- Rich errors ------------------------------------------------------------------------------


def rich_details(error: grpc.RpcError):
    """The google.rpc.Status a lienthong service puts in the `grpc-status-details-bin` trailer,
    and its ErrorInfo and BadRequest details."""
    from google.rpc import error_details_pb2, status_pb2

    trailers = dict(error.trailing_metadata() or ())
    raw = trailers.get("grpc-status-details-bin")
    expect(raw is not None, f"{error.code().name} without details: {error.details()}")
    status = status_pb2.Status.FromString(raw)
    expect(
        status.code == error.code().value[0],
        f"google.rpc.Status code {status.code} is not the call's {error.code().name}",
    )
    expect(status.message == error.details(), "google.rpc.Status message is not the call's")
    info, bad = error_details_pb2.ErrorInfo(), error_details_pb2.BadRequest()
    have_info = have_bad = False
    for detail in status.details:
        if detail.Is(error_details_pb2.ErrorInfo.DESCRIPTOR):
            have_info = detail.Unpack(info)
        elif detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
            have_bad = detail.Unpack(bad)
    return (info if have_info else None), (bad if have_bad else None)


def describe(error: grpc.RpcError) -> str:
    """A refusal as a line: code, reason (when the details carry one) and message."""
    try:
        info, _ = rich_details(error)
    except Mismatch:
        info = None
    reason = f" ({info.reason})" if info else ""
    return f"{error.code().name}{reason}: {error.details()}"


# --- The exchange -----------------------------------------------------------------------------


def send(pb, stub, args, content: bytes):
    header = pb.DocumentHeader(
        sender=pb.Agency(code=args.sender),
        recipients=[pb.Agency(code=args.recipient)],
        document_id=args.document_id,
        subject=args.subject,
        attachments=[
            pb.AttachmentInfo(
                name="cong-van.txt",
                content_type="text/plain; charset=utf-8",
                size=len(content),
                sha256=hashlib.sha256(content).hexdigest(),
            )
        ],
    )
    messages = [
        pb.SendDocumentRequest(header=header),
        pb.SendDocumentRequest(chunk=pb.AttachmentChunk(attachment_index=0, data=content)),
    ]
    receipt = stub.SendDocument(iter(messages), timeout=args.timeout)
    expect(receipt.document_id == args.document_id, f"receipt for {receipt.document_id!r}")
    expect(not receipt.duplicate, "the first send is answered as a duplicate")
    expect(list(receipt.recipients) == [args.recipient], f"recipients {list(receipt.recipients)}")
    step(
        "send",
        f"{args.sender} sent {receipt.document_id!r} to {args.recipient} "
        f"(accept_time {receipt.accept_time.ToJsonString()})",
    )
    return header


def receive(pb, stub, args):
    """The recipient's subscription until the document arrives."""
    stream = stub.Subscribe(pb.SubscribeRequest(after_item_id=0), timeout=args.timeout)
    try:
        for response in stream:
            item = response.item
            if item.WhichOneof("payload") == "document" and (
                item.document.document_id == args.document_id
            ):
                step("receive", f"{args.recipient} got item {item.item_id} by Subscribe")
                return item.document
    finally:
        stream.cancel()
    raise Mismatch("the subscription ended without the document")


def fetch(pb, stub, args, declared, content: bytes) -> None:
    parts = stub.FetchDocument(
        pb.FetchDocumentRequest(document_id=args.document_id, include_content=True),
        timeout=args.timeout,
    )
    header, data = None, bytearray()
    for part in parts:
        if part.WhichOneof("part") == "header":
            header = part.header
        else:
            expect(part.chunk.attachment_index == 0, "a chunk for another attachment")
            data += part.chunk.data
    expect(header is not None, "FetchDocument sent no header")
    expect(header.sender.code == args.sender, f"sender {header.sender.code!r}")
    expect(header.subject == args.subject, f"subject {header.subject!r}")
    expect(len(header.attachments) == 1, f"{len(header.attachments)} attachments declared")
    attachment = header.attachments[0]
    expect(attachment.sha256 == declared.sha256, "the declared digest changed on the way")
    expect(hashlib.sha256(data).hexdigest() == attachment.sha256, "bytes do not match sha256")
    expect(bytes(data) == content, "the attachment's bytes differ from those sent")
    step("fetch", f"{len(data)} bytes of {attachment.name!r}, sha256 {attachment.sha256[:16]}… ok")


def acknowledge_and_accept(pb, stub, args) -> None:
    ack = stub.AcknowledgeDocument(
        pb.AcknowledgeDocumentRequest(document_id=args.document_id), timeout=args.timeout
    )
    expect(ack.newly_acknowledged, "the first acknowledgement is not new")
    step("acknowledge", f"{args.recipient} acknowledged (status 01 recorded)")
    report = stub.ReportStatus(
        pb.ReportStatusRequest(
            document_id=args.document_id,
            status=pb.BUSINESS_STATUS_ACCEPTED,
            staff_info="Văn thư (Python client)",
        ),
        timeout=args.timeout,
    )
    recorded = report.status
    expect(recorded.status == pb.BUSINESS_STATUS_ACCEPTED, f"recorded {recorded.status}")
    expect(recorded.reporter == args.recipient, f"reporter {recorded.reporter!r}")
    step("report", f"{args.recipient} reported {pb.BusinessStatus.Name(recorded.status)} (03)")


def until(args, what: str, check):
    """Polls `check` until it returns something, for at most --timeout seconds."""
    deadline = time.monotonic() + args.timeout
    while True:
        found = check()
        if found:
            return found
        if time.monotonic() > deadline:
            raise Mismatch(f"{what}: not seen within {args.timeout} s")
        time.sleep(0.2)


def confirm_statuses(pb, stub, args) -> None:
    """The sender reads the status messages about its document from its inbox (ListPending,
    page by page) and confirms them, so that they are not delivered again."""

    def statuses():
        items, token = [], ""
        while True:
            page = stub.ListPending(
                pb.ListPendingRequest(page_size=50, page_token=token), timeout=args.timeout
            )
            items += [
                i
                for i in page.items
                if i.WhichOneof("payload") == "status"
                and i.status.document_id == args.document_id
            ]
            token = page.next_page_token
            if not token:
                break
        seen = {i.status.status for i in items}
        return items if pb.BUSINESS_STATUS_ACCEPTED in seen else None

    items = until(args, "the ACCEPTED status message in the sender's inbox", statuses)
    names = [pb.BusinessStatus.Name(i.status.status) for i in items]
    expect(all(i.status.reporter == args.recipient for i in items), "a status of another reporter")
    confirmed = stub.ConfirmStatusMessages(
        pb.ConfirmStatusMessagesRequest(item_ids=[i.item_id for i in items]), timeout=args.timeout
    )
    expect(confirmed.confirmed == len(items), f"confirmed {confirmed.confirmed} of {len(items)}")
    step("statuses", f"{args.sender} received and confirmed {', '.join(names)}")


def sender_view(pb, stub, args) -> None:
    def view():
        doc = stub.GetSentDocument(
            pb.GetSentDocumentRequest(document_id=args.document_id), timeout=args.timeout
        ).document
        leg = doc.recipients[0] if doc.recipients else None
        done = leg and leg.current_status == pb.BUSINESS_STATUS_ACCEPTED
        return (doc, leg) if done else None

    doc, leg = until(args, "B's leg ACCEPTED in GetSentDocument", view)
    expect(doc.subject == args.subject, f"subject {doc.subject!r}")
    expect(leg.agency_code == args.recipient, f"leg of {leg.agency_code!r}")
    expect(
        leg.transport_state == pb.TRANSPORT_STATE_ACKNOWLEDGED,
        f"transport state {pb.TransportState.Name(leg.transport_state)}",
    )
    history = [pb.BusinessStatus.Name(s.status) for s in leg.statuses]
    expect(
        history == ["BUSINESS_STATUS_ARRIVED", "BUSINESS_STATUS_ACCEPTED"],
        f"status history {history}",
    )
    step(
        "view",
        f"{args.sender} sees {leg.agency_code}: {pb.TransportState.Name(leg.transport_state)}, "
        f"current_status {pb.BusinessStatus.Name(leg.current_status)}, history {history}",
    )


def refusal(pb, pb_grpc, ch, args) -> None:
    """A malformed agency code, read back as a client author would: the code, then the
    google.rpc details."""
    directory = pb_grpc.DirectoryServiceStub(ch)
    bad_code = "H48"
    try:
        directory.GetAgency(pb.GetAgencyRequest(code=bad_code), timeout=args.timeout)
    except grpc.RpcError as error:
        expect(
            error.code() == grpc.StatusCode.INVALID_ARGUMENT,
            f"{error.code().name} instead of INVALID_ARGUMENT: {error.details()}",
        )
        info, bad = rich_details(error)
        expect(info is not None, "no ErrorInfo in the details")
        expect(info.reason == "INVALID_FIELD", f"ErrorInfo.reason {info.reason!r}")
        expect(info.domain == "exchange.lienthong", f"ErrorInfo.domain {info.domain!r}")
        expect(bad is not None, "no BadRequest in the details")
        fields = [v.field for v in bad.field_violations]
        expect(fields == ["code"], f"BadRequest fields {fields}")
        step(
            "refusal",
            f"GetAgency({bad_code!r}) → {error.code().name}, ErrorInfo "
            f"{info.reason}@{info.domain}, BadRequest {fields[0]}: "
            f"{bad.field_violations[0].description}",
        )
        return
    raise Mismatch(f"GetAgency({bad_code!r}) was not refused")


def play(args) -> None:
    with tempfile.TemporaryDirectory(prefix="lienthong-py-") as out:
        pb, pb_grpc = load_stubs(pathlib.Path(args.proto_dir), pathlib.Path(out))
        if args.generate_only:
            return
        content = ("Kính gửi: " + args.recipient + "\nNội dung thử nghiệm.\n").encode() * 40
        with (
            channel(args, args.sender_cert, args.sender_key) as a,
            channel(args, args.recipient_cert, args.recipient_key) as b,
        ):
            step("connect", f"mTLS to {args.hub} as {args.sender} and as {args.recipient}: ready")
            sender, recipient = pb_grpc.ExchangeServiceStub(a), pb_grpc.ExchangeServiceStub(b)
            header = send(pb, sender, args, content)
            got = receive(pb, recipient, args)
            expect(got.sender.code == args.sender, f"inbox header from {got.sender.code!r}")
            fetch(pb, recipient, args, header.attachments[0], content)
            acknowledge_and_accept(pb, recipient, args)
            confirm_statuses(pb, sender, args)
            sender_view(pb, sender, args)
            refusal(pb, pb_grpc, a, args)


def arguments(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--hub", help="the hub's address, host:port (e.g. 127.0.0.1:50051)")
    p.add_argument(
        "--server-name",
        default="localhost",
        help="the name the hub's certificate is checked against (default: localhost)",
    )
    p.add_argument("--ca", help="the axis CA certificate (PEM)")
    p.add_argument("--sender", help="agency A's code (the sender)")
    p.add_argument("--sender-cert", help="agency A's certificate chain (PEM)")
    p.add_argument("--sender-key", help="agency A's private key (PEM)")
    p.add_argument("--recipient", help="agency B's code (the recipient)")
    p.add_argument("--recipient-cert", help="agency B's certificate chain (PEM)")
    p.add_argument("--recipient-key", help="agency B's private key (PEM)")
    p.add_argument("--document-id", help="default: <sender>,<today>,<seconds since 1970>/PY-LT")
    p.add_argument("--subject", default="Công văn gửi từ client Python")
    p.add_argument(
        "--proto-dir", default=str(ROOT / "proto"), help="default: the repository's proto/"
    )
    p.add_argument("--timeout", type=float, default=30.0, help="seconds per call and per wait")
    p.add_argument(
        "--generate-only", action="store_true", help="only generate and check the stubs"
    )
    args = p.parse_args(argv)
    if not args.generate_only:
        needed = ["hub", "ca", "sender", "sender_cert", "sender_key"]
        needed += ["recipient", "recipient_cert", "recipient_key"]
        missing = ["--" + n.replace("_", "-") for n in needed if not getattr(args, n)]
        if missing:
            p.error("missing " + ", ".join(missing))
    if not args.document_id and args.sender:
        args.document_id = f"{args.sender},{time.strftime('%Y/%m/%d')},{int(time.time())}/PY-LT"
    return args


def main(argv=None) -> int:
    args = arguments(argv)
    try:
        play(args)
        if args.generate_only:
            print("ok: the stubs generate and import", flush=True)
            return 0
    except Mismatch as e:
        print(f"FAIL: {e}", file=sys.stderr, flush=True)
        return 1
    except grpc.RpcError as e:
        print(f"FAIL: unexpected {describe(e)}", file=sys.stderr, flush=True)
        return 1
    except OSError as e:
        print(f"FAIL: {e}", file=sys.stderr, flush=True)
        return 1
    print("ok: the Python client's exchange passed", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
