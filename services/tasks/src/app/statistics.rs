//! Statistics: counts per lead agency over a period (`GetTaskStatistics`), and the daily
//! figures pushed to the reporting service (through [`crate::outbound`]).
use lienthong_api::{
    reporting::v1::StatisticValue,
    tasks::v1::{AgencyTaskStatistics, GetTaskStatisticsRequest},
};
use lienthong_axis::local::{end_of_day, local_date, start_of_day};
use lienthong_platform::{error::InfraError, statistics::PendingDay};

use super::Tasks;
use crate::{
    domain::{figures, query},
    error::Result,
    store,
};

impl Tasks {
    /// Counts per lead agency for the period `[from, to]`, as of its end (or now).
    pub async fn statistics(
        &self,
        r: &GetTaskStatisticsRequest,
    ) -> Result<Vec<AgencyTaskStatistics>> {
        let period = query::period(r)?;
        let as_of = (end_of_day(period.to) - 1).min(self.now());
        let facts = {
            let mut conn = store::acquire(&self.db).await?;
            store::statistics_facts(&mut conn, period.lead_agency.as_ref(), as_of + 1).await?
        };
        Ok(figures::period_counts(
            &facts,
            start_of_day(period.from),
            as_of,
            self.near_window_days,
        ))
    }

    /// The days whose figures are due to the reporting service, each with the instant its
    /// figures are taken as of (now) as its version.
    pub async fn pending_statistics(&self) -> Result<Vec<PendingDay>, InfraError> {
        let now = self.now();
        let watermark = {
            let mut conn = store::acquire(&self.db).await?;
            store::push_watermark(&mut conn).await?
        };
        Ok(figures::days_to_push(watermark, local_date(now))
            .into_iter()
            .map(|day| PendingDay { day, version: now })
            .collect())
    }

    /// The figures of a pending day: cumulative, as of the end of the day or, for today, as of
    /// the day's version.
    pub async fn daily_figures(&self, day: PendingDay) -> Result<Vec<StatisticValue>, InfraError> {
        let as_of = (end_of_day(day.day) - 1).min(day.version);
        let facts = {
            let mut conn = store::acquire(&self.db).await?;
            store::statistics_facts(&mut conn, None, as_of + 1).await?
        };
        Ok(figures::daily_values(
            &facts,
            day.day,
            as_of,
            self.near_window_days,
        ))
    }

    /// The reporting service accepted the figures of `day`: a day that was over when they were
    /// taken is final (never pushed again); today's figures are pushed again next time.
    pub async fn statistics_pushed(&self, day: PendingDay) -> Result<(), InfraError> {
        if figures::is_final(day.day, day.version) {
            let mut conn = store::acquire(&self.db).await?;
            store::advance_push_watermark(&mut conn, day.day).await?;
        }
        Ok(())
    }
}
