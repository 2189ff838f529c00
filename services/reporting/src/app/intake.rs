//! The intake of daily statistics pushed by other services (the caller's service name is the
//! source): all or nothing; a repeated push replaces the same figures.
use lienthong_api::reporting::v1::StatisticValue;
use lienthong_platform::Identity;

use super::Reporting;
use crate::{
    domain::statistics::parse_push,
    error::{ReportingError, Result},
    store,
};

impl Reporting {
    /// Records pushed daily figures; returns how many.
    pub async fn push_statistics(
        &self,
        caller: &Identity,
        values: &[StatisticValue],
    ) -> Result<u32> {
        let Identity::Service(source) = caller else {
            return Err(ReportingError::NotAService {
                caller: caller.clone(),
            });
        };
        let statistics = parse_push(values)?;
        let now = self.now();
        let mut agencies: Vec<&str> = statistics.iter().map(|s| s.agency.as_str()).collect();
        agencies.sort_unstable();
        agencies.dedup();
        let mut tx = self.store.transaction().await?;
        for s in &statistics {
            store::upsert_statistic(&mut tx, source, s, now).await?;
        }
        for a in agencies {
            store::insert_agency_if_absent(&mut tx, a, "", now).await?;
        }
        store::commit(tx).await?;
        Ok(u32::try_from(statistics.len()).unwrap_or(u32::MAX))
    }
}
