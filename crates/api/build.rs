//! Compiles the protos with protox (pure Rust: there is no system `protoc` to rely on) and keeps
//! the encoded descriptor set, which server reflection serves.
use std::{env, error::Error, fs, path::PathBuf};

use prost::Message;

const PROTOS: &[&str] = &[
    "lienthong/exchange/v1/exchange.proto",
    "lienthong/bench/v1/echo.proto",
    "lienthong/tasks/v1/tasks.proto",
    "lienthong/reporting/v1/reporting.proto",
];

fn main() -> Result<(), Box<dyn Error>> {
    let root = PathBuf::from(env::var("CARGO_MANIFEST_DIR")?).join("../../proto");
    println!("cargo:rerun-if-changed={}", root.display());
    let fds = protox::compile(PROTOS, [&root])?;
    let out = PathBuf::from(env::var("OUT_DIR")?);
    fs::write(out.join("lienthong_descriptor.bin"), fds.encode_to_vec())?;
    tonic_prost_build::configure().compile_fds(fds)?;
    Ok(())
}
