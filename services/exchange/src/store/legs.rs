//! The legs of documents (`deliveries`): one per recipient, with its transport state, business
//! status and revoke state.
//!
//! WARNING: transport states are stored as integers whose order is NOT the order of progress
//! (relayed, 4, comes before delivered, 2): compare [`TransportState`]s, never their integers;
//! the SQL below spells the order out.
use lienthong_axis::{BusinessStatus, RevokeState, TransportState};
use sqlx::{AnyConnection, Row, any::AnyRow};

use crate::{
    domain::status::LegStatus,
    error::Result,
    store::{inbox::ItemKind, statuses::status_of_code},
};

/// A recipient's leg of a document.
pub struct Leg {
    pub recipient: String,
    /// `None` for a stored value that is no state (never written by this hub).
    pub transport_state: Option<TransportState>,
    pub delivered_at: Option<i64>,
    pub acknowledged_at: Option<i64>,
    /// The business status (`None` before acknowledgement).
    pub current_status: Option<BusinessStatus>,
    pub revoke_state: RevokeState,
    /// The hub serving the recipient.
    pub hub: String,
    /// Why the document cannot be delivered, when the leg failed ("" otherwise).
    pub failure_reason: String,
}

impl Leg {
    /// Where the leg stands as far as statuses go.
    pub fn status(&self) -> LegStatus {
        LegStatus {
            business: self.current_status,
            revoke: self.revoke_state,
        }
    }
}

pub(super) fn leg_from_row(row: &AnyRow) -> Result<Leg> {
    Ok(Leg {
        recipient: row.try_get("recipient")?,
        transport_state: TransportState::from_i64(row.try_get("transport_state")?),
        delivered_at: row.try_get("delivered_at")?,
        acknowledged_at: row.try_get("acknowledged_at")?,
        current_status: stored_status(&row.try_get::<String, _>("current_status")?)?,
        revoke_state: RevokeState::from_i64(row.try_get("revoke_state")?),
        hub: row.try_get("hub")?,
        failure_reason: row.try_get("failure_reason")?,
    })
}

/// A leg's current status as stored: its code, "" before acknowledgement.
fn stored_status(code: &str) -> Result<Option<BusinessStatus>> {
    if code.is_empty() {
        Ok(None)
    } else {
        status_of_code(code).map(Some)
    }
}

/// The stored form of a leg's current status.
fn status_code(status: Option<BusinessStatus>) -> &'static str {
    status.map_or("", BusinessStatus::code)
}

pub(super) const LEG_COLUMNS: &str = "recipient, transport_state, delivered_at, acknowledged_at, \
     current_status, revoke_state, hub, failure_reason";

/// Adds a queued leg towards a recipient served by `hub`.
pub async fn insert_leg(
    conn: &mut AnyConnection,
    document_id: &str,
    recipient: &str,
    hub: &str,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO deliveries (document_id, recipient, transport_state, hub) VALUES ($1, $2, $3, $4)",
    )
    .bind(document_id)
    .bind(recipient)
    .bind(TransportState::Queued.as_i64())
    .bind(hub)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn leg(
    conn: &mut AnyConnection,
    document_id: &str,
    recipient: &str,
) -> Result<Option<Leg>> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {LEG_COLUMNS} FROM deliveries WHERE document_id = $1 AND recipient = $2"
    )))
    .bind(document_id)
    .bind(recipient)
    .fetch_optional(conn)
    .await?;
    row.as_ref().map(leg_from_row).transpose()
}

pub async fn legs(conn: &mut AnyConnection, document_id: &str) -> Result<Vec<Leg>> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {LEG_COLUMNS} FROM deliveries WHERE document_id = $1 ORDER BY recipient"
    )))
    .bind(document_id)
    .fetch_all(conn)
    .await?;
    rows.iter().map(leg_from_row).collect()
}

/// Queued → delivered. Returns whether the leg changed.
pub async fn mark_delivered(
    conn: &mut AnyConnection,
    document_id: &str,
    recipient: &str,
    now: i64,
) -> Result<bool> {
    let n = sqlx::query(
        "UPDATE deliveries SET transport_state = $3, delivered_at = $4 \
         WHERE document_id = $1 AND recipient = $2 AND transport_state = $5",
    )
    .bind(document_id)
    .bind(recipient)
    .bind(TransportState::Delivered.as_i64())
    .bind(now)
    .bind(TransportState::Queued.as_i64())
    .execute(conn)
    .await?
    .rows_affected();
    Ok(n > 0)
}

/// → acknowledged, unless already acknowledged; with `status` 01 it becomes the current status
/// (`None`: the current status stays, after an accepted revocation). The recipient's inbox
/// item of the document is done. Returns whether it changed.
pub async fn mark_acknowledged(
    conn: &mut AnyConnection,
    document_id: &str,
    recipient: &str,
    now: i64,
    status: Option<BusinessStatus>,
) -> Result<bool> {
    let n = sqlx::query(
        "UPDATE deliveries SET transport_state = $3, acknowledged_at = $4, \
         delivered_at = COALESCE(delivered_at, $4), current_status = COALESCE($5, current_status) \
         WHERE document_id = $1 AND recipient = $2 AND transport_state <> $3",
    )
    .bind(document_id)
    .bind(recipient)
    .bind(TransportState::Acknowledged.as_i64())
    .bind(now)
    .bind(status.map(BusinessStatus::code))
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if n > 0 {
        sqlx::query(
            "UPDATE inbox SET acked_at = $3 WHERE document_id = $1 AND agency = $2 AND kind = $4 AND acked_at IS NULL",
        )
        .bind(document_id)
        .bind(recipient)
        .bind(now)
        .bind(ItemKind::Document.as_i64())
        .execute(conn)
        .await?;
    }
    Ok(n > 0)
}

/// Sets a leg's business status if it still is `expected` (optimistic concurrency: two
/// concurrent reports cannot both pass the transition check). Returns whether it did.
pub async fn set_current_status(
    conn: &mut AnyConnection,
    document_id: &str,
    recipient: &str,
    expected: Option<BusinessStatus>,
    status: BusinessStatus,
) -> Result<bool> {
    let n = sqlx::query(
        "UPDATE deliveries SET current_status = $4 \
         WHERE document_id = $1 AND recipient = $2 AND current_status = $3",
    )
    .bind(document_id)
    .bind(recipient)
    .bind(status_code(expected))
    .bind(status.code())
    .execute(conn)
    .await?
    .rows_affected();
    Ok(n > 0)
}

/// Sets a leg's revoke state if it still is `expected`. Returns whether it did.
pub async fn set_revoke_state(
    conn: &mut AnyConnection,
    document_id: &str,
    recipient: &str,
    expected: RevokeState,
    state: RevokeState,
) -> Result<bool> {
    let n = sqlx::query(
        "UPDATE deliveries SET revoke_state = $4 \
         WHERE document_id = $1 AND recipient = $2 AND revoke_state = $3",
    )
    .bind(document_id)
    .bind(recipient)
    .bind(expected.as_i64())
    .bind(state.as_i64())
    .execute(conn)
    .await?
    .rows_affected();
    Ok(n > 0)
}

/// Queued → relayed, for the legs handed over to the next hub.
pub async fn mark_relayed(
    conn: &mut AnyConnection,
    document_id: &str,
    recipient: &str,
) -> Result<()> {
    sqlx::query(
        "UPDATE deliveries SET transport_state = $3 WHERE document_id = $1 AND recipient = $2 AND transport_state = $4",
    )
    .bind(document_id)
    .bind(recipient)
    .bind(TransportState::Relayed.as_i64())
    .bind(TransportState::Queued.as_i64())
    .execute(conn)
    .await?;
    Ok(())
}

/// Applies a transport event (delivered or acknowledged) reported by the recipient's hub.
pub async fn apply_remote_transport(
    conn: &mut AnyConnection,
    document_id: &str,
    recipient: &str,
    state: TransportState,
    at: i64,
) -> Result<()> {
    // Only forward moves (TransportState's order): queued and relayed move to anything; a
    // late "delivered" never undoes "acknowledged".
    let sql = if state == TransportState::Acknowledged {
        "UPDATE deliveries SET transport_state = $3, acknowledged_at = $4, \
         delivered_at = COALESCE(delivered_at, $4) \
         WHERE document_id = $1 AND recipient = $2 AND (transport_state IN ($5, $6) OR transport_state < $3)"
    } else {
        "UPDATE deliveries SET transport_state = $3, delivered_at = COALESCE(delivered_at, $4) \
         WHERE document_id = $1 AND recipient = $2 AND (transport_state IN ($5, $6) OR transport_state < $3)"
    };
    sqlx::query(sql)
        .bind(document_id)
        .bind(recipient)
        .bind(state.as_i64())
        .bind(at)
        .bind(TransportState::Queued.as_i64())
        .bind(TransportState::Relayed.as_i64())
        .execute(conn)
        .await?;
    Ok(())
}

/// Sets a leg's current business status as reported by the recipient's hub.
pub async fn apply_remote_status(
    conn: &mut AnyConnection,
    document_id: &str,
    recipient: &str,
    status: BusinessStatus,
) -> Result<()> {
    sqlx::query(
        "UPDATE deliveries SET current_status = $3 WHERE document_id = $1 AND recipient = $2",
    )
    .bind(document_id)
    .bind(recipient)
    .bind(status.code())
    .execute(conn)
    .await?;
    Ok(())
}

/// Sets a leg's revoke state as reported by another hub.
pub async fn apply_remote_revoke_state(
    conn: &mut AnyConnection,
    document_id: &str,
    recipient: &str,
    state: RevokeState,
) -> Result<()> {
    sqlx::query(
        "UPDATE deliveries SET revoke_state = $3 WHERE document_id = $1 AND recipient = $2",
    )
    .bind(document_id)
    .bind(recipient)
    .bind(state.as_i64())
    .execute(conn)
    .await?;
    Ok(())
}

/// Records which hub serves a leg's recipient, as learnt from the updates that hub sends.
pub async fn set_leg_hub(
    conn: &mut AnyConnection,
    document_id: &str,
    recipient: &str,
    hub: &str,
) -> Result<()> {
    sqlx::query("UPDATE deliveries SET hub = $3 WHERE document_id = $1 AND recipient = $2")
        .bind(document_id)
        .bind(recipient)
        .bind(hub)
        .execute(conn)
        .await?;
    Ok(())
}
