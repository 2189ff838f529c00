//! The lienthong contract: types, clients and servers generated from `proto/`.
#![allow(clippy::all, missing_docs)]

/// Encoded `FileDescriptorSet` of every lienthong proto, for server reflection.
pub const FILE_DESCRIPTOR_SET: &[u8] =
    include_bytes!(concat!(env!("OUT_DIR"), "/lienthong_descriptor.bin"));

pub mod exchange {
    pub mod v1 {
        tonic::include_proto!("lienthong.exchange.v1");
    }
}

pub mod tasks {
    pub mod v1 {
        tonic::include_proto!("lienthong.tasks.v1");
    }
}

pub mod reporting {
    pub mod v1 {
        tonic::include_proto!("lienthong.reporting.v1");
    }
}

pub mod bench {
    pub mod v1 {
        tonic::include_proto!("lienthong.bench.v1");
    }
}
