use anyhow::Context;
use clap::Parser;
use lienthong_platform::{shutdown::Shutdown, telemetry, tls};
use lienthong_tasks::service::{TasksArgs, start};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tls::install_crypto_provider();
    let args = TasksArgs::parse();
    let telemetry = telemetry::init("lienthong-tasks").context("telemetry")?;
    let shutdown = Shutdown::new();
    shutdown.trigger_on_signals();
    let result = match start(args, shutdown).await {
        Ok(running) => running.wait().await.context("serving"),
        Err(e) => Err(e).context("starting the tasks service"),
    };
    tracing::info!("tasks service stopped");
    telemetry.shutdown();
    result
}
