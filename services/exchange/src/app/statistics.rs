//! The traffic figures this hub reports to the reporting service: which days changed, their
//! figures (recomputed from the documents of the day), and marking a day pushed.
use lienthong_api::reporting::v1::StatisticValue;
use lienthong_axis::local;
use lienthong_platform::statistics::PendingDay;
use time::Date;

use super::Exchange;
use crate::{domain::statistics::day_figures, error::Result, store};

impl Exchange {
    /// The days whose figures changed since they were last pushed, oldest first.
    pub async fn pending_statistics_days(&self) -> Result<Vec<PendingDay>> {
        store::dirty_days(self.db.pool()).await
    }

    /// The figures of a day (a Vietnam local date) for the agencies this hub serves.
    pub async fn day_figures(&self, day: Date) -> Result<Vec<StatisticValue>> {
        let (start, end) = local::day_bounds(day);
        let legs = store::legs_accepted_between(self.db.pool(), self.hub_id(), start, end).await?;
        Ok(day_figures(self.routing(), day, &legs))
    }

    /// The reporting service accepted a day's figures.
    pub async fn statistics_pushed(&self, day: PendingDay) -> Result<()> {
        store::mark_day_pushed(self.db.pool(), day).await
    }
}
