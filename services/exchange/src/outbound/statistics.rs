//! The hub as a source of daily figures for the platform's statistics pusher.
use std::sync::Arc;

use lienthong_api::reporting::v1::StatisticValue;
use lienthong_platform::{
    error::InfraError,
    statistics::{PendingDay, StatisticsSource},
};

use crate::{app::Exchange, error::ExchangeError};

pub struct ExchangeStatistics {
    exchange: Arc<Exchange>,
}

impl ExchangeStatistics {
    pub fn new(exchange: Arc<Exchange>) -> Self {
        ExchangeStatistics { exchange }
    }
}

fn infra(e: ExchangeError) -> InfraError {
    match e {
        ExchangeError::Infra(e) => e,
        other => InfraError::internal(other.to_string()),
    }
}

impl StatisticsSource for ExchangeStatistics {
    async fn pending_days(&self) -> Result<Vec<PendingDay>, InfraError> {
        self.exchange.pending_statistics_days().await.map_err(infra)
    }

    async fn figures(&self, day: PendingDay) -> Result<Vec<StatisticValue>, InfraError> {
        self.exchange.day_figures(day.day).await.map_err(infra)
    }

    async fn mark_pushed(&self, day: PendingDay) -> Result<(), InfraError> {
        self.exchange.statistics_pushed(day).await.map_err(infra)
    }
}
