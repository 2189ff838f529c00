//! The lienthong contract: types, clients and servers generated from `proto/`, with the
//! protobuf JSON mapping (serde) of every message.
#![allow(clippy::all, missing_docs)]

/// Encoded `FileDescriptorSet` of every lienthong proto (each package has its own too).
pub const FILE_DESCRIPTOR_SET: &[u8] =
    include_bytes!(concat!(env!("OUT_DIR"), "/lienthong_descriptor.bin"));

pub mod codec;

/// The well-known types (`Timestamp`, `Duration`) the messages use.
pub use pbjson_types as wkt;

pub mod exchange {
    pub mod v1 {
        tonic::include_proto!("lienthong.exchange.v1");
        include!(concat!(env!("OUT_DIR"), "/lienthong.exchange.v1.serde.rs"));
        /// Encoded `FileDescriptorSet` of this package (and its imports), for reflection.
        pub const FILE_DESCRIPTOR_SET: &[u8] = include_bytes!(concat!(
            env!("OUT_DIR"),
            "/lienthong.exchange.v1.descriptor.bin"
        ));
    }
}

pub mod tasks {
    pub mod v1 {
        tonic::include_proto!("lienthong.tasks.v1");
        include!(concat!(env!("OUT_DIR"), "/lienthong.tasks.v1.serde.rs"));
        /// Encoded `FileDescriptorSet` of this package (and its imports), for reflection.
        pub const FILE_DESCRIPTOR_SET: &[u8] = include_bytes!(concat!(
            env!("OUT_DIR"),
            "/lienthong.tasks.v1.descriptor.bin"
        ));
    }
}

pub mod reporting {
    pub mod v1 {
        tonic::include_proto!("lienthong.reporting.v1");
        include!(concat!(env!("OUT_DIR"), "/lienthong.reporting.v1.serde.rs"));
        /// Encoded `FileDescriptorSet` of this package (and its imports), for reflection.
        pub const FILE_DESCRIPTOR_SET: &[u8] = include_bytes!(concat!(
            env!("OUT_DIR"),
            "/lienthong.reporting.v1.descriptor.bin"
        ));
    }
}

pub mod bench {
    pub mod v1 {
        tonic::include_proto!("lienthong.bench.v1");
        include!(concat!(env!("OUT_DIR"), "/lienthong.bench.v1.serde.rs"));
        /// Encoded `FileDescriptorSet` of this package (and its imports), for reflection.
        pub const FILE_DESCRIPTOR_SET: &[u8] = include_bytes!(concat!(
            env!("OUT_DIR"),
            "/lienthong.bench.v1.descriptor.bin"
        ));
    }
}
