//! Events: every agency taking part in a task hears what happens to it, as a stream that
//! resumes after the last event processed; the sweeper raises near-deadline and overdue events
//! as the clock passes them.
use std::{
    sync::{
        Arc,
        atomic::{AtomicI64, AtomicUsize, Ordering},
    },
    time::Duration,
};

use lienthong_api::tasks::v1::{TaskEvent, TaskEventKind, WatchTaskEventsResponse};
use lienthong_axis::{AgencyCode, local::format_date, timestamp::to_timestamp};
use lienthong_platform::{
    limits::KeyedLimit,
    notify::{ServerStream, Step, follow},
};
use tokio::sync::OwnedSemaphorePermit;

use super::{
    Tasks,
    change::{Change, Entry, record},
    events_key,
    view::parties,
};
use crate::{
    domain::{DeadlineEvent, HistoryAction, actor, bucket::near_threshold, query},
    error::{Result, TasksError},
    store::{self, TaskRow},
};

/// Events read at a time.
const PAGE: i64 = 100;

/// What a stream says when the service stops.
const SHUTTING_DOWN: &str =
    "the tasks service is shutting down; watch again after the last event you processed";

/// How many `WatchTaskEvents` streams an agency may hold open at a time, unless configured.
pub const DEFAULT_MAX_STREAMS_PER_AGENCY: usize = 16;

/// The reason of a stream refused beyond the limit (`RESOURCE_EXHAUSTED`).
pub const TOO_MANY_STREAMS: &str = "TOO_MANY_STREAMS";

/// The limit of open event streams per agency (at least one).
pub(super) fn streams_limit(max: usize) -> KeyedLimit {
    KeyedLimit::new(max.max(1), TOO_MANY_STREAMS, "open WatchTaskEvents streams")
}

/// One open event stream: its place in the agency's limit and in the count of open streams,
/// both given back when the stream ends (the client left, an error, shutdown).
struct StreamSlot {
    _permit: OwnedSemaphorePermit,
    open: Arc<AtomicUsize>,
}

impl StreamSlot {
    fn new(permit: OwnedSemaphorePermit, open: Arc<AtomicUsize>) -> Self {
        open.fetch_add(1, Ordering::SeqCst);
        StreamSlot {
            _permit: permit,
            open,
        }
    }
}

impl Drop for StreamSlot {
    fn drop(&mut self) {
        self.open.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Tasks {
    /// An agency's events after `after`, oldest first, at most `limit`.
    pub async fn events_after(
        &self,
        agency: &AgencyCode,
        after: i64,
        limit: i64,
    ) -> Result<Vec<TaskEvent>> {
        let mut conn = store::acquire(&self.db).await?;
        let rows = store::events_after(&mut conn, agency, after, limit).await?;
        Ok(rows
            .into_iter()
            .map(|e| TaskEvent {
                event_id: u64::try_from(e.event_id).unwrap_or_default(),
                kind: e.kind as i32,
                task_id: e.task.to_string(),
                content: e.content,
                deadline: e.deadline.map(format_date).unwrap_or_default(),
                actor: e.actor,
                detail: e.detail,
                event_time: Some(to_timestamp(e.at)),
            })
            .collect())
    }

    /// How many event streams are open (every agency's).
    pub fn open_event_streams(&self) -> usize {
        self.open_streams.load(Ordering::SeqCst)
    }

    /// The agency's events after `after_event_id`, then new ones as they happen, until the
    /// client leaves or the service stops (UNAVAILABLE: watch again). An agency holds at most
    /// the configured number of streams at a time: beyond, RESOURCE_EXHAUSTED
    /// (`TOO_MANY_STREAMS`) until one of its streams ends.
    pub fn watch_events(
        self: &Arc<Self>,
        agency: &AgencyCode,
        after_event_id: u64,
    ) -> Result<ServerStream<WatchTaskEventsResponse>> {
        let cursor = Arc::new(AtomicI64::new(query::event_cursor(after_event_id)?));
        let permit = self.streams.try_acquire(agency.as_str())?;
        // The slot lives in the stream's reader, which the stream's task drops when it ends.
        let slot = StreamSlot::new(permit, self.open_streams.clone());
        let wake = self.notifier.watch(&events_key(agency));
        let (app, agency) = (self.clone(), agency.clone());
        Ok(follow(
            wake,
            self.shutdown.clone(),
            SHUTTING_DOWN,
            move || {
                let _held = &slot;
                let (app, agency, cursor) = (app.clone(), agency.clone(), cursor.clone());
                async move {
                    let after = cursor.load(Ordering::SeqCst);
                    let events = app.events_after(&agency, after, PAGE).await?;
                    if let Some(last) = events.last() {
                        cursor.store(
                            i64::try_from(last.event_id).unwrap_or(after),
                            Ordering::SeqCst,
                        );
                    }
                    let more = events.len() == PAGE as usize;
                    let items = events
                        .into_iter()
                        .map(|event| WatchTaskEventsResponse { event: Some(event) })
                        .collect();
                    Ok::<_, TasksError>(Step::Items { items, more })
                }
            },
        ))
    }

    /// Raises the near-deadline and overdue events that are due by the clock; returns how many
    /// were raised. Safe to run concurrently and repeatedly: each is raised once per deadline.
    pub async fn sweep(&self) -> Result<usize> {
        let now = self.now();
        let threshold = near_threshold(now, self.near_window_days);
        let candidates = {
            let mut conn = store::acquire(&self.db).await?;
            store::sweep_candidates(&mut conn, threshold).await?
        };
        let mut raised = 0;
        for row in candidates {
            if self.raise_deadline_event(&row, now).await? {
                raised += 1;
            }
        }
        Ok(raised)
    }

    /// Raises the event due for `row`'s deadline, unless it was raised already. The service
    /// raises it (`service/tasks`) and records it in the task's history.
    async fn raise_deadline_event(&self, row: &TaskRow, now: i64) -> Result<bool> {
        let (Some(end), Some(deadline)) = (row.deadline_end, row.deadline) else {
            return Ok(false);
        };
        let event = DeadlineEvent::due(end, now);
        let raised_for = match event {
            DeadlineEvent::Overdue => row.overdue_marker,
            DeadlineEvent::NearDeadline => row.near_marker,
        };
        if raised_for == Some(deadline) {
            return Ok(false);
        }
        let mut tx = store::begin(&self.db).await?;
        if !store::set_marker(&mut tx, row.id, event, deadline).await? {
            return Ok(false);
        }
        if event == DeadlineEvent::Overdue {
            // Past the deadline, "near" is moot for this deadline.
            store::set_marker(&mut tx, row.id, DeadlineEvent::NearDeadline, deadline).await?;
        }
        let coordinators = store::coordinators(&mut tx, row.id).await?;
        let day = format_date(deadline);
        let change = match event {
            DeadlineEvent::Overdue => Change::event(
                HistoryAction::Overdue,
                format!("the deadline {day} has passed"),
                TaskEventKind::Overdue,
            ),
            DeadlineEvent::NearDeadline => Change::event(
                HistoryAction::NearDeadline,
                format!(
                    "the deadline {day} is within {} day(s)",
                    self.near_window_days
                ),
                TaskEventKind::NearDeadline,
            ),
        };
        let actor = actor::this_service();
        let entry = Entry {
            row,
            parties: parties(row, &coordinators),
            actor: &actor,
            at: now,
            deadline: row.deadline,
        };
        let woken = record(&mut tx, &entry, &change).await?;
        store::commit(tx).await?;
        self.wake(&woken);
        Ok(true)
    }
}

/// Sweeps every `interval` (until the service stops and drops this future).
pub async fn run_sweeper(app: Arc<Tasks>, interval: Duration) {
    loop {
        match app.sweep().await {
            Ok(0) => {}
            Ok(n) => tracing::info!(events = n, "deadline events raised"),
            Err(e) => tracing::warn!(error = %e, "deadline sweep failed; will retry"),
        }
        tokio::time::sleep(interval).await;
    }
}
