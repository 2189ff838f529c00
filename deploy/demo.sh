#!/usr/bin/env bash
# A guided run of the axis on this machine: a development PKI; the national hub, the Quảng Ngãi
# hub (H48) and the Nghệ An hub (H41); the tasks and reporting services beside the H48 hub.
# UBND tỉnh Quảng Ngãi sends a document to Văn phòng Chính phủ (national hub) and a Sở (H48);
# it is received, acknowledged, handled, then revoked; UBND huyện Bình Sơn writes to UBND tỉnh
# Nghệ An across provinces; a steering document becomes a task; the month's traffic report is
# drafted from the hub's own figures, submitted, accepted and exported.
#
#   LIENTHONG_BIN  directory holding the binaries (default target/debug)
#   DEMO_DIR       where the PKI, the services' data, their logs and fetched documents go (.demo)
#   DEMO_PORT      the H48 hub's port on 127.0.0.1 (default 7443); the others follow it:
#                  tasks +1, reporting +2, national hub +7, H41 hub +8
#
# Re-running is fine: the PKI and the data are kept, and every run sends new documents.
set -euo pipefail

BIN="${LIENTHONG_BIN:-target/debug}"
DEMO_DIR="${DEMO_DIR:-.demo}"
PORT="${DEMO_PORT:-7443}"
TASKS_PORT=$((PORT + 1))
REPORTING_PORT=$((PORT + 2))
NATIONAL_PORT=$((PORT + 7))
H41_PORT=$((PORT + 8))
H48_URL="https://127.0.0.1:$PORT"
NATIONAL_URL="https://127.0.0.1:$NATIONAL_PORT"
H41_URL="https://127.0.0.1:$H41_PORT"
TASKS_URL="https://127.0.0.1:$TASKS_PORT"
REPORTING_URL="https://127.0.0.1:$REPORTING_PORT"

for exe in lienthong lienthong-exchange lienthong-tasks lienthong-reporting; do
  if [[ ! -x "$BIN/$exe" ]]; then
    echo "demo: $BIN/$exe not found; build first (cargo build) or set LIENTHONG_BIN" >&2
    exit 1
  fi
done
BIN="$(cd "$BIN" && pwd)"
mkdir -p "$DEMO_DIR"
DEMO_DIR="$(cd "$DEMO_DIR" && pwd)"
PKI="$DEMO_DIR/pki"

# Every `lienthong` call below uses a certificate from this PKI; by default it talks to the H48
# hub (agencies of other hubs are reached with `run_at`).
export LIENTHONG_ENDPOINT="$H48_URL"
export LIENTHONG_TASKS_ENDPOINT="$TASKS_URL"
export LIENTHONG_REPORTING_ENDPOINT="$REPORTING_URL"
export LIENTHONG_PKI="$PKI"
unset LIENTHONG_AS LIENTHONG_CERT LIENTHONG_KEY LIENTHONG_CA LIENTHONG_CRL

SENDER=000.00.00.H48 # UBND tỉnh Quảng Ngãi
VPCP=000.00.00.G22   # Văn phòng Chính phủ
STTTT=000.00.12.H48  # Sở Thông tin và Truyền thông tỉnh Quảng Ngãi
BINH_SON=000.00.53.H48 # UBND huyện Bình Sơn (Quảng Ngãi)
NGHE_AN=000.00.00.H41  # UBND tỉnh Nghệ An

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

# `run_at URL WHO args...`: the same, against another hub.
run_at() {
  local url="$1" who="$2" line arg
  shift 2
  line="lienthong --endpoint $url --as $who"
  for arg in "$@"; do
    line+=" $(shell_word "$arg")"
  done
  printf '%s$ %s%s\n' "$DIM" "$line" "$RESET"
  "$BIN/lienthong" --endpoint "$url" --as "$who" "$@"
}

# --- PKI -----------------------------------------------------------------------------------
if [[ ! -f "$PKI/index.json" ]]; then
  step "Creating the development PKI in $PKI (CA, CRL, hub, services, admin, seed agencies)"
  "$BIN/lienthong" pki init --dir "$PKI"
else
  step "Using the existing PKI in $PKI"
  "$BIN/lienthong" pki init --dir "$PKI" # issues only what is missing
fi

# --- The services --------------------------------------------------------------------------
PIDS=()
NAMES=()
stop_all() {
  local i
  for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do
    if kill -0 "${PIDS[$i]}" 2>/dev/null; then
      kill -TERM "${PIDS[$i]}" 2>/dev/null || true
    fi
  done
  for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do
    wait "${PIDS[$i]}" 2>/dev/null || true
  done
  if ((${#PIDS[@]} > 0)); then
    echo
    echo "demo: stopped ${NAMES[*]} (SIGTERM); logs in $DEMO_DIR/*.log"
  fi
}
trap stop_all EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# `start NAME BINARY CERT_LABEL URL VAR=VALUE...`: starts a service with its TLS files and waits
# until it answers SERVING.
start() {
  local name="$1" binary="$2" label="$3" url="$4"
  shift 4
  env NO_COLOR=1 RUST_LOG="${RUST_LOG:-info}" \
    LIENTHONG_DATA_DIR="$DEMO_DIR/data-$name" \
    LIENTHONG_TLS_CERT="$PKI/$label/cert.pem" \
    LIENTHONG_TLS_KEY="$PKI/$label/key.pem" \
    LIENTHONG_TLS_CA="$PKI/ca.pem" \
    LIENTHONG_TLS_CRL="$PKI/crl.pem" \
    "$@" "$BIN/$binary" >>"$DEMO_DIR/$name.log" 2>&1 &
  PIDS+=($!)
  NAMES+=("$name")
  local pid=$! _
  for _ in $(seq 1 60); do
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "demo: $name exited during start-up; the end of $DEMO_DIR/$name.log:" >&2
      tail -n 20 "$DEMO_DIR/$name.log" >&2
      exit 1
    fi
    if "$BIN/lienthong" --endpoint "$url" --as admin-operator health >/dev/null 2>&1; then
      printf '   %-10s %s  (pid %s, log %s)\n' "$name" "$url" "$pid" "$DEMO_DIR/$name.log"
      return
    fi
    sleep 0.5
  done
  echo "demo: $name is not serving after 30 s; the end of $DEMO_DIR/$name.log:" >&2
  tail -n 20 "$DEMO_DIR/$name.log" >&2
  exit 1
}

step "Starting the national hub, the H48 and H41 provincial hubs, and the tasks and reporting services"
start reporting lienthong-reporting service-reporting "$REPORTING_URL" \
  LIENTHONG_REPORTING_LISTEN="127.0.0.1:$REPORTING_PORT"
start tasks lienthong-tasks service-tasks "$TASKS_URL" \
  LIENTHONG_TASKS_LISTEN="127.0.0.1:$TASKS_PORT" \
  LIENTHONG_REPORTING_ENDPOINT="$REPORTING_URL" LIENTHONG_STATS_PUSH_SECS=2
start national lienthong-exchange hub-national "$NATIONAL_URL" \
  LIENTHONG_EXCHANGE_LISTEN="127.0.0.1:$NATIONAL_PORT" LIENTHONG_HUB_ID=national \
  LIENTHONG_HUB_ROLE=national LIENTHONG_HUB_ROUTES="H48=$H48_URL,H41=$H41_URL"
start h48 lienthong-exchange hub-H48 "$H48_URL" \
  LIENTHONG_EXCHANGE_LISTEN="127.0.0.1:$PORT" LIENTHONG_HUB_ID=H48 \
  LIENTHONG_HUB_ROLE=provincial LIENTHONG_NATIONAL_ENDPOINT="$NATIONAL_URL" \
  LIENTHONG_TASKS_ENDPOINT="$TASKS_URL" LIENTHONG_REPORTING_ENDPOINT="$REPORTING_URL" \
  LIENTHONG_STATS_PUSH_SECS=1 \
  LIENTHONG_CLIENT_CERT="$PKI/service-exchange/cert.pem" \
  LIENTHONG_CLIENT_KEY="$PKI/service-exchange/key.pem"
start h41 lienthong-exchange hub-H41 "$H41_URL" \
  LIENTHONG_EXCHANGE_LISTEN="127.0.0.1:$H41_PORT" LIENTHONG_HUB_ID=H41 \
  LIENTHONG_HUB_ROLE=provincial LIENTHONG_NATIONAL_ENDPOINT="$NATIONAL_URL"

# --- The document --------------------------------------------------------------------------
# DocumentIds are dated by the Vietnam calendar day (UTC+7), as the CLI's own default ids are.
TODAY_SLASH="$(date -u -d '+7 hours' +%Y/%m/%d)"
NUMBER="$(date +%s)"
DOCID="$SENDER,$TODAY_SLASH,$NUMBER/UBND-VX"
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

step "UBND tỉnh Quảng Ngãi ($SENDER, on hub H48) sends $DOCID with two attachments to Văn phòng Chính phủ ($VPCP, on the national hub) and Sở TT&TT ($STTTT, on H48)"
run_as "$SENDER" send --to "$VPCP" --to "$STTTT" \
  --document-id "$DOCID" --number "$NUMBER" --notation UBND-VX \
  --subject "V/v triển khai liên thông văn bản điện tử" \
  --type-name "Công văn" --priority 1 --signer "Nguyễn Văn A" \
  --attach "$OUTBOX/cong-van-$NUMBER.txt" --attach "$OUTBOX/phu-luc-$NUMBER.xml"

sleep 1 # the relay to the national hub takes a moment
step "Văn phòng Chính phủ ($VPCP) receives it from the national hub: lists its inbox, fetches the document, acknowledges it"
run_at "$NATIONAL_URL" "$VPCP" inbox
run_at "$NATIONAL_URL" "$VPCP" fetch "$DOCID" --out "$DEMO_DIR/inbox-$VPCP/$NUMBER"
run_at "$NATIONAL_URL" "$VPCP" ack "$DOCID"

step "Sở TT&TT ($STTTT) receives it from the H48 hub, fetches and acknowledges it"
run_as "$STTTT" inbox
run_as "$STTTT" fetch "$DOCID" --out "$DEMO_DIR/inbox-$STTTT/$NUMBER"
run_as "$STTTT" ack "$DOCID"

step "Văn phòng Chính phủ ($VPCP) accepts (03), handles (05) and completes (06) the document"
run_at "$NATIONAL_URL" "$VPCP" status "$DOCID" --code 03 --staff "Trần Thị B, Vụ Tổng hợp"
run_at "$NATIONAL_URL" "$VPCP" status "$DOCID" --code 05 --description "Đang xử lý" --staff "Trần Thị B, Vụ Tổng hợp"
run_at "$NATIONAL_URL" "$VPCP" status "$DOCID" --code 06 --description "Đã hoàn thành" --staff "Trần Thị B, Vụ Tổng hợp"

step "Sở TT&TT ($STTTT) accepts the document (03)"
run_as "$STTTT" status "$DOCID" --code 03 --staff "Lê Văn C, Văn thư"

sleep 1
step "The sender follows its document: per recipient, the hub that serves it, transport state and statuses"
run_as "$SENDER" sent "$DOCID"

step "The sender revokes the document (13)"
run_as "$SENDER" revoke "$DOCID" --reason "Văn bản ban hành nhầm, sẽ thay thế bằng văn bản khác"

step "Sở TT&TT ($STTTT) sees the revoke request in its inbox and accepts it (15)"
run_as "$STTTT" inbox --ack-status
run_as "$STTTT" status "$DOCID" --code 15 --description "Đồng ý thu hồi"

sleep 1
step "Văn phòng Chính phủ ($VPCP) sees the revoke request and refuses it (16)"
run_at "$NATIONAL_URL" "$VPCP" inbox --ack-status
run_at "$NATIONAL_URL" "$VPCP" status "$DOCID" --code 16 --description "Văn bản đã xử lý xong, không thể thu hồi"

sleep 1
step "The sender's view after the revocation"
run_as "$SENDER" sent "$DOCID"

step "The sender's inbox: the status messages that came back (confirmed once read)"
run_as "$SENDER" inbox --ack-status

# --- Across provinces ------------------------------------------------------------------------
XID="$BINH_SON,$TODAY_SLASH,$NUMBER/UBND-VP"
step "UBND huyện Bình Sơn ($BINH_SON, on H48) writes to UBND tỉnh Nghệ An ($NGHE_AN, on H41): H48 → national → H41"
run_as "$BINH_SON" send --to "$NGHE_AN" --document-id "$XID" --number "$NUMBER" --notation UBND-VP \
  --subject "V/v trao đổi kinh nghiệm chuyển đổi số cấp huyện" --type-name "Công văn" \
  --attach "$OUTBOX/cong-van-$NUMBER.txt"
sleep 1
step "UBND tỉnh Nghệ An receives it from its own hub; 'via' lists every hub it crossed, with times"
run_at "$H41_URL" "$NGHE_AN" inbox
run_at "$H41_URL" "$NGHE_AN" ack "$XID"
run_at "$H41_URL" "$NGHE_AN" status "$XID" --code 03 --staff "Văn phòng UBND tỉnh Nghệ An"
sleep 1
step "Bình Sơn sees the statuses come back through the same hubs"
run_as "$BINH_SON" sent "$XID"
step "The operator tracks it across the three hubs: every hop and status, the delays, the trace id"
run_as admin-operator track "$XID"
step "The operator of the H48 hub: role, peers and relay backlog"
run_as admin-operator hub status

# --- A steering document becomes a task ----------------------------------------------------
DUE="$(date -u -d '+30 days' +%Y-%m-%d)"
NEW_DUE="$(date -u -d '+60 days' +%Y-%m-%d)"
SID="$SENDER,$TODAY_SLASH,$NUMBER/UBND-KGVX"
step "UBND tỉnh Quảng Ngãi assigns a task by a steering document (chỉ đạo), due $DUE, to Sở TT&TT"
run_as "$SENDER" send --to "$STTTT" --steering --due-date "$DUE" --document-id "$SID" \
  --number "$NUMBER" --notation UBND-KGVX --type-name "Công văn" \
  --subject "Triển khai chữ ký số cho 100% dịch vụ công trực tuyến mức độ toàn trình"
sleep 1
step "The task appears in the tasks service for Sở TT&TT as lead agency, linked to the document, typed by no one"
run_as "$STTTT" tasks list --source "$SID"
# --json prints one JSON document (the ListTasks answer); the first task's id:
TASK_ID="$("$BIN/lienthong" --as "$STTTT" --json tasks list --source "$SID" | sed -n 's/.*"task_id": *"\([^"]*\)".*/\1/p' | head -n 1)"
if [[ -z "$TASK_ID" ]]; then
  echo "demo: the task did not appear; see $DEMO_DIR/tasks.log and $DEMO_DIR/h48.log" >&2
  exit 1
fi
step "Sở TT&TT reports progress, asks for an extension; the province approves it (both deadlines kept)"
run_as "$STTTT" tasks progress "$TASK_ID" --text "Đã rà soát 120 thủ tục, tích hợp ký số cho 48" --percent 40
run_as "$STTTT" tasks extend "$TASK_ID" --to "$NEW_DUE" --reason "Chờ nâng cấp nền tảng ký số tập trung"
run_as "$SENDER" tasks decide "$TASK_ID" --approve --comment "Đồng ý gia hạn"
step "Sở TT&TT sends its report on the task through the axis, submits its result; the province confirms it"
run_as "$STTTT" send --to "$SENDER" --number "$NUMBER" --notation BC-STTTT --type-name "Báo cáo" \
  --subject "Báo cáo kết quả triển khai chữ ký số cho dịch vụ công trực tuyến"
run_as "$STTTT" tasks submit "$TASK_ID" --result "100% dịch vụ công toàn trình đã tích hợp chữ ký số"
run_as "$SENDER" tasks confirm "$TASK_ID" --comment "Xác nhận hoàn thành"
run_as "$SENDER" tasks show "$TASK_ID"
step "The appendix table of the province's report (Markdown)"
run_as "$SENDER" tasks table

# --- The month's axis-traffic report -------------------------------------------------------
# The monthly period whose data-cutoff window (15th of the previous month – 14th) holds today.
TODAY_VN="$(date -u -d '+7 hours' +%Y-%m-%d)"
if (( 10#$(date -u -d "$TODAY_VN" +%d) >= 15 )); then
  PERIOD="$(date -u -d "$(date -u -d "$TODAY_VN" +%Y-%m-01) +1 month" +%Y-%m)"
else
  PERIOD="$(date -u -d "$TODAY_VN" +%Y-%m)"
fi
OFFICE=000.00.01.H48 # Văn phòng UBND tỉnh, owner of the regimes (illustrative code)
sleep 2 # the hub pushes its figures every second
step "Sở TT&TT opens its AXIS-MONTHLY report for $PERIOD: the documents it received are filled in by the hub"
if run_as "$STTTT" report draft AXIS-MONTHLY "$PERIOD"; then
  step "Sở TT&TT submits it; Văn phòng UBND tỉnh accepts it"
  run_as "$STTTT" report submit AXIS-MONTHLY "$PERIOD"
  run_as "$OFFICE" report accept AXIS-MONTHLY "$PERIOD" "$STTTT"
else
  echo "(the report for $PERIOD was submitted in an earlier run)"
fi
step "Văn phòng UBND tỉnh: who submitted on time, late or not at all"
run_as "$OFFICE" report compliance AXIS-MONTHLY "$PERIOD" --scope '*.H48'
step "The exported report ($DEMO_DIR/report-AXIS-MONTHLY-$PERIOD.md)"
# --force: the demo's own file, replaced at every run (export refuses to overwrite otherwise).
run_as "$OFFICE" report export AXIS-MONTHLY "$PERIOD" --format markdown --scope '*.H48' \
  --out "$DEMO_DIR/report-AXIS-MONTHLY-$PERIOD.md" --force
cat "$DEMO_DIR/report-AXIS-MONTHLY-$PERIOD.md"

echo
echo "demo: done. The fetched document is in $DEMO_DIR/inbox-$VPCP/$NUMBER and"
echo "      $DEMO_DIR/inbox-$STTTT/$NUMBER (header.json, and the attachments in files/);"
echo "      the exported report is $DEMO_DIR/report-AXIS-MONTHLY-$PERIOD.md."
