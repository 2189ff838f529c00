use anyhow::Context;
use clap::Parser;
use lienthong_platform::{shutdown::Shutdown, telemetry, tls};
use lienthong_reporting::service::{ReportingArgs, start};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tls::install_crypto_provider();
    let args = ReportingArgs::parse();
    let telemetry = telemetry::init("lienthong-reporting").context("telemetry")?;
    let shutdown = Shutdown::new();
    shutdown.trigger_on_signals();
    let result = match start(args, shutdown).await {
        Ok(service) => service.wait().await.context("serving"),
        Err(e) => Err(e).context("starting the reporting service"),
    };
    tracing::info!("reporting service stopped");
    telemetry.shutdown();
    result
}
