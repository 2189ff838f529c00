//! Reading tasks: one task (`GetTask`) and lists (`ListTasks`), for the agencies taking part
//! and for admins.
use lienthong_api::tasks::v1::{ListTasksRequest, Task};
use lienthong_axis::TaskId;
use lienthong_platform::Identity;

use super::Tasks;
use crate::{
    domain::{Viewer, bucket::near_threshold, query, text},
    error::{Result, TasksError},
    store::{self, TaskFilter},
};

/// Agencies read the tasks they take part in, admins every task.
fn viewer(caller: &Identity) -> Result<Viewer> {
    match caller {
        Identity::Agency(code) => Ok(Viewer::Agency(code.clone())),
        Identity::Admin(_) => Ok(Viewer::Admin),
        other => Err(TasksError::IdentityNotAllowed {
            identity: other.clone(),
            expected: "neither an agency nor an admin",
        }),
    }
}

/// One page of tasks and the token of the next ('' on the last page).
pub struct Page {
    pub tasks: Vec<Task>,
    pub next_page_token: String,
}

impl Tasks {
    pub async fn get_task(&self, caller: &Identity, task_id: &str) -> Result<Task> {
        let viewer = viewer(caller)?;
        let id = text::parsed("task_id", task_id, TaskId::parse)?;
        let mut conn = store::acquire(&self.db).await?;
        let loaded = self.load(&mut conn, &viewer, id).await?;
        self.view(&mut conn, &loaded.row).await
    }

    /// Tasks newest first, filtered as asked, a page at a time: the page token is signed and
    /// bound to the caller and the filters (`query::list_scope`), and lasts a day.
    pub async fn list_tasks(&self, caller: &Identity, r: &ListTasksRequest) -> Result<Page> {
        let viewer = viewer(caller)?;
        let now = self.now();
        let scope = query::list_scope(&viewer, r);
        let cursor = self.tokens.read::<i64>(&r.page_token, &scope, now);
        let query = query::list_query(r, cursor)?;
        let filter = TaskFilter {
            party: match &viewer {
                Viewer::Agency(a) => Some(a),
                Viewer::Admin => None,
            },
            query: &query,
            now,
            near: near_threshold(now, self.near_window_days),
        };
        let mut conn = store::acquire(&self.db).await?;
        let mut rows = store::list_tasks(&mut conn, &filter).await?;
        let page = usize::try_from(query.page_size).unwrap_or(usize::MAX);
        let more = rows.len() > page;
        rows.truncate(page);
        // The coordinators of the whole page in one query, not one per task.
        let ids: Vec<_> = rows.iter().map(|row| row.id).collect();
        let mut coordinators = store::coordinators_of_tasks(&mut conn, &ids).await?;
        drop(conn);
        let tasks = rows
            .iter()
            .map(|row| self.summary(row, coordinators.remove(&row.id).unwrap_or_default()))
            .collect();
        let next_page_token = match rows.last() {
            Some(last) if more => self.tokens.issue(&scope, &last.id.seq(), now),
            _ => String::new(),
        };
        Ok(Page {
            tasks,
            next_page_token,
        })
    }
}
