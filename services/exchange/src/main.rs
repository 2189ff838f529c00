use anyhow::Context;
use clap::Parser;
use lienthong_exchange::service::{ExchangeArgs, start};
use lienthong_platform::{shutdown::Shutdown, telemetry, tls};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tls::install_crypto_provider();
    let args = ExchangeArgs::parse();
    // The hub's id and role on every span and metric, to tell the hubs of an axis apart.
    let telemetry = telemetry::init_with(
        "lienthong-exchange",
        vec![
            opentelemetry::KeyValue::new("lienthong.hub.id", args.hub_id.clone()),
            opentelemetry::KeyValue::new("lienthong.hub.role", args.role.clone()),
        ],
    )
    .context("telemetry")?;
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
