//! Compiles the protos with protox (pure Rust: there is no system `protoc` to rely on), keeps
//! the encoded descriptor set (which server reflection serves), and generates the protobuf JSON
//! mapping of every message with pbjson (which the CLI prints with `--json`).
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
    let bytes = fds.encode_to_vec();
    let out = PathBuf::from(env::var("OUT_DIR")?);
    fs::write(out.join("lienthong_descriptor.bin"), &bytes)?;
    // One set per package (its file and what it imports), so that a server's reflection knows
    // exactly the symbols of the services it serves.
    for file in &fds.file {
        let Some(package) = file
            .package
            .as_deref()
            .filter(|p| p.starts_with("lienthong."))
        else {
            continue;
        };
        let mut set = prost_types::FileDescriptorSet::default();
        for dep in &file.dependency {
            if let Some(d) = fds.file.iter().find(|f| f.name.as_deref() == Some(dep)) {
                set.file.push(d.clone());
            }
        }
        set.file.push(file.clone());
        fs::write(
            out.join(format!("{package}.descriptor.bin")),
            set.encode_to_vec(),
        )?;
    }
    // Well-known types from pbjson-types: the same fields as prost-types, with serde.
    // (compile_well_known_types drops prost's own mapping to prost-types, which this replaces.)
    tonic_prost_build::configure()
        .compile_well_known_types(true)
        // Undecodable requests are the caller's error (INVALID_ARGUMENT), not INTERNAL.
        .codec_path("crate::codec::Codec")
        .extern_path(".google.protobuf", "::pbjson_types")
        .compile_fds(fds)?;
    pbjson_build::Builder::new()
        .register_descriptors(&bytes)?
        // Field names as in the proto (the docs' names), every field present: a stable shape
        // for scripts.
        .preserve_proto_field_names()
        .emit_fields()
        .build(&[".lienthong"])?;
    Ok(())
}
