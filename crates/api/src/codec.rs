//! The codec of every lienthong service and client: prost's, except that a message that cannot
//! be decoded (a broken varint, invalid UTF-8 in a string field, a truncated message) is the
//! caller's fault, `INVALID_ARGUMENT` with reason `UNDECODABLE_MESSAGE`, not an `INTERNAL`
//! fault of the server as tonic-prost reports it.
use std::collections::HashMap;

use tonic::{
    Code, Status,
    codec::{DecodeBuf, Decoder},
};
use tonic_prost::{ProstCodec, ProstDecoder, ProstEncoder};
use tonic_types::{ErrorDetails, StatusExt};

/// [`ProstCodec`] with decode errors mapped to `INVALID_ARGUMENT`.
#[derive(Debug, Clone, Default)]
pub struct Codec<T, U> {
    inner: ProstCodec<T, U>,
}

impl<T, U> tonic::codec::Codec for Codec<T, U>
where
    T: prost::Message + Send + 'static,
    U: prost::Message + Default + Send + 'static,
{
    type Encode = T;
    type Decode = U;
    type Encoder = ProstEncoder<T>;
    type Decoder = CheckedDecoder<U>;

    fn encoder(&mut self) -> Self::Encoder {
        self.inner.encoder()
    }

    fn decoder(&mut self) -> Self::Decoder {
        CheckedDecoder {
            inner: self.inner.decoder(),
        }
    }
}

/// A decoder that reports undecodable input as the sender's error.
#[derive(Debug)]
pub struct CheckedDecoder<U> {
    inner: ProstDecoder<U>,
}

impl<U: prost::Message + Default> Decoder for CheckedDecoder<U> {
    type Item = U;
    type Error = Status;

    fn decode(&mut self, buf: &mut DecodeBuf<'_>) -> Result<Option<U>, Status> {
        self.inner.decode(buf).map_err(undecodable)
    }

    fn buffer_settings(&self) -> tonic::codec::BufferSettings {
        self.inner.buffer_settings()
    }
}

fn undecodable(status: Status) -> Status {
    if status.code() != Code::Internal {
        return status;
    }
    Status::with_error_details(
        Code::InvalidArgument,
        format!(
            "the message cannot be decoded as protobuf: {}",
            status.message()
        ),
        ErrorDetails::with_error_info("UNDECODABLE_MESSAGE", "lienthong", HashMap::new()),
    )
}
