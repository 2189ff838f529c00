use anyhow::Context;
use clap::Parser;
use lienthong_exchange::service::{ExchangeArgs, start};
use lienthong_platform::{shutdown::Shutdown, telemetry, tls};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tls::install_crypto_provider();
    let args = ExchangeArgs::parse();
    let telemetry = telemetry::init("lienthong-exchange").context("telemetry")?;
    let shutdown = Shutdown::new();
    shutdown.trigger_on_signals();
    let result = match start(args, shutdown).await {
        Ok(hub) => hub.wait().await.context("serving"),
        Err(e) => Err(e).context("starting the exchange hub"),
    };
    tracing::info!("exchange hub stopped");
    telemetry.shutdown();
    result
}
