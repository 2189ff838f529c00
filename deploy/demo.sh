#!/usr/bin/env bash
# A guided run of the exchange axis on this machine: a development PKI, one hub, and a document
# sent by UBND tỉnh Quảng Ngãi to two agencies, received, acknowledged, handled, then revoked.
#
#   LIENTHONG_BIN  directory holding `lienthong` and `lienthong-exchange` (default target/debug)
#   DEMO_DIR       where the PKI, the hub's data, its log and fetched documents go (default .demo)
#   DEMO_PORT      the hub's port on 127.0.0.1 (default 7443)
#
# Re-running is fine: the PKI and the hub's data are kept, and every run sends a new document.
set -euo pipefail

BIN="${LIENTHONG_BIN:-target/debug}"
DEMO_DIR="${DEMO_DIR:-.demo}"
PORT="${DEMO_PORT:-7443}"

for exe in lienthong lienthong-exchange; do
  if [[ ! -x "$BIN/$exe" ]]; then
    echo "demo: $BIN/$exe not found; build first (cargo build) or set LIENTHONG_BIN" >&2
    exit 1
  fi
done
BIN="$(cd "$BIN" && pwd)"
mkdir -p "$DEMO_DIR"
DEMO_DIR="$(cd "$DEMO_DIR" && pwd)"
PKI="$DEMO_DIR/pki"

# Every `lienthong` call below talks to this hub with a certificate from this PKI.
export LIENTHONG_ENDPOINT="https://127.0.0.1:$PORT"
export LIENTHONG_PKI="$PKI"
unset LIENTHONG_AS LIENTHONG_CERT LIENTHONG_KEY LIENTHONG_CA LIENTHONG_CRL

SENDER=000.00.00.H48 # UBND tỉnh Quảng Ngãi
VPCP=000.00.00.G22   # Văn phòng Chính phủ
STTTT=000.00.12.H48  # Sở Thông tin và Truyền thông tỉnh Quảng Ngãi

if [[ -t 1 ]]; then
  BOLD=$'\e[1m' DIM=$'\e[2m' RESET=$'\e[0m'
else
  BOLD='' DIM='' RESET=''
fi
STEP=0
step() {
  STEP=$((STEP + 1))
  printf '\n%s%2d. %s%s\n' "$BOLD" "$STEP" "$*" "$RESET"
}

# Quotes an argument for display, the way one would type it.
shell_word() {
  if [[ "$1" =~ ^[A-Za-z0-9._/,:=@%+-]+$ ]]; then
    printf '%s' "$1"
  else
    printf "'%s'" "${1//\'/\'\\\'\'}"
  fi
}

# `run_as WHO args...`: run lienthong as that identity, echoing the command.
run_as() {
  local who="$1" line arg
  shift
  line="lienthong --as $who"
  for arg in "$@"; do
    line+=" $(shell_word "$arg")"
  done
  printf '%s$ %s%s\n' "$DIM" "$line" "$RESET"
  "$BIN/lienthong" --as "$who" "$@"
}

# --- PKI -----------------------------------------------------------------------------------
if [[ ! -f "$PKI/index.json" ]]; then
  step "Creating the development PKI in $PKI (CA, CRL, hub, services, admin, seed agencies)"
  "$BIN/lienthong" pki init --dir "$PKI"
else
  step "Using the existing PKI in $PKI"
  "$BIN/lienthong" pki init --dir "$PKI" # issues only what is missing
fi

# --- The hub -------------------------------------------------------------------------------
step "Starting the exchange hub H48 on 127.0.0.1:$PORT (log: $DEMO_DIR/hub.log)"
HUB_PID=""
stop_hub() {
  if [[ -n "$HUB_PID" ]] && kill -0 "$HUB_PID" 2>/dev/null; then
    echo
    echo "demo: stopping the hub (pid $HUB_PID)"
    kill -TERM "$HUB_PID" 2>/dev/null || true
    wait "$HUB_PID" 2>/dev/null || true
  fi
}
trap stop_hub EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

NO_COLOR=1 LIENTHONG_DATA_DIR="$DEMO_DIR/data" \
  LIENTHONG_TLS_CERT="$PKI/hub-H48/cert.pem" \
  LIENTHONG_TLS_KEY="$PKI/hub-H48/key.pem" \
  LIENTHONG_TLS_CA="$PKI/ca.pem" \
  LIENTHONG_TLS_CRL="$PKI/crl.pem" \
  LIENTHONG_EXCHANGE_LISTEN="127.0.0.1:$PORT" \
  "$BIN/lienthong-exchange" >>"$DEMO_DIR/hub.log" 2>&1 &
HUB_PID=$!

ready=""
for _ in $(seq 1 40); do
  if ! kill -0 "$HUB_PID" 2>/dev/null; then
    HUB_PID=""
    echo "demo: the hub exited during start-up; the end of $DEMO_DIR/hub.log:" >&2
    tail -n 20 "$DEMO_DIR/hub.log" >&2
    exit 1
  fi
  if "$BIN/lienthong" --as admin-operator health >/dev/null 2>&1; then
    ready=yes
    break
  fi
  sleep 0.5
done
if [[ -z "$ready" ]]; then
  echo "demo: the hub is not serving after 20 s; the end of $DEMO_DIR/hub.log:" >&2
  tail -n 20 "$DEMO_DIR/hub.log" >&2
  exit 1
fi
"$BIN/lienthong" --as admin-operator health

# --- The document --------------------------------------------------------------------------
NUMBER="$(date +%s)"
DOCID="$SENDER,$(date -u +%Y/%m/%d),$NUMBER/UBND-VX"
OUTBOX="$DEMO_DIR/outbox/$NUMBER"
mkdir -p "$OUTBOX"
cat >"$OUTBOX/cong-van-$NUMBER.txt" <<EOF
ỦY BAN NHÂN DÂN TỈNH QUẢNG NGÃI
Số: $NUMBER/UBND-VX

V/v triển khai liên thông văn bản điện tử

Kính gửi: Văn phòng Chính phủ; Sở Thông tin và Truyền thông.

UBND tỉnh Quảng Ngãi đề nghị các cơ quan phối hợp triển khai gửi, nhận văn bản điện tử
qua Trục liên thông văn bản quốc gia theo đúng quy định.
EOF
cat >"$OUTBOX/phu-luc-$NUMBER.xml" <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<PhuLuc so="$NUMBER">
  <Muc stt="1">Danh sách đầu mối tiếp nhận văn bản</Muc>
  <Muc stt="2">Lịch triển khai: $(date -u +%Y-%m-%d)</Muc>
</PhuLuc>
EOF

step "UBND tỉnh Quảng Ngãi ($SENDER) sends $DOCID with two attachments to Văn phòng Chính phủ ($VPCP) and Sở TT&TT ($STTTT)"
run_as "$SENDER" send --to "$VPCP" --to "$STTTT" \
  --document-id "$DOCID" --number "$NUMBER" --notation UBND-VX \
  --subject "V/v triển khai liên thông văn bản điện tử" \
  --type-name "Công văn" --priority 1 --signer "Nguyễn Văn A" \
  --attach "$OUTBOX/cong-van-$NUMBER.txt" --attach "$OUTBOX/phu-luc-$NUMBER.xml"

for code in "$VPCP" "$STTTT"; do
  step "$code lists its inbox, fetches the document into $DEMO_DIR/inbox-$code and acknowledges it"
  run_as "$code" inbox
  run_as "$code" fetch "$DOCID" --out "$DEMO_DIR/inbox-$code"
  run_as "$code" ack "$DOCID"
done

step "Văn phòng Chính phủ ($VPCP) accepts (03), handles (05) and completes (06) the document"
run_as "$VPCP" status "$DOCID" --code 03 --staff "Trần Thị B, Vụ Tổng hợp"
run_as "$VPCP" status "$DOCID" --code 05 --description "Đang xử lý" --staff "Trần Thị B, Vụ Tổng hợp"
run_as "$VPCP" status "$DOCID" --code 06 --description "Đã hoàn thành" --staff "Trần Thị B, Vụ Tổng hợp"

step "Sở TT&TT ($STTTT) accepts the document (03)"
run_as "$STTTT" status "$DOCID" --code 03 --staff "Lê Văn C, Văn thư"

step "The sender follows its document: transport state and statuses per recipient"
run_as "$SENDER" sent "$DOCID"

step "The sender revokes the document (13)"
run_as "$SENDER" revoke "$DOCID" --reason "Văn bản ban hành nhầm, sẽ thay thế bằng văn bản khác"

step "Sở TT&TT ($STTTT) sees the revoke request in its inbox and accepts it (15)"
run_as "$STTTT" inbox --ack-status
run_as "$STTTT" status "$DOCID" --code 15 --description "Đồng ý thu hồi"

step "Văn phòng Chính phủ ($VPCP) sees the revoke request and refuses it (16)"
run_as "$VPCP" inbox --ack-status
run_as "$VPCP" status "$DOCID" --code 16 --description "Văn bản đã xử lý xong, không thể thu hồi"

step "The sender's view after the revocation"
run_as "$SENDER" sent "$DOCID"

step "The sender's inbox: the status messages that came back (confirmed once read)"
run_as "$SENDER" inbox --ack-status

echo
echo "demo: done. Fetched documents are in $DEMO_DIR/inbox-$VPCP and $DEMO_DIR/inbox-$STTTT."
