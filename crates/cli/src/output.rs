//! What a command prints on standard output.
//!
//! With `--json`, exactly one JSON document per command (pretty-printed), built from the API's
//! own messages with their protobuf JSON mapping (pbjson): enum values by their proto names
//! (`TASK_BUCKET_COMPLETED_ON_TIME`), timestamps in RFC 3339, 64-bit integers as strings, every
//! field present (an unset message field is left out). Streams (`--follow`, `tasks watch`)
//! print JSON Lines: one compact document per line.
use anyhow::{Context, Result};
use serde::Serialize;
use serde_json::Value;

use crate::Global;

/// The protobuf JSON mapping of an API message (or any serializable value).
pub fn json<T: Serialize + ?Sized>(message: &T) -> Result<Value> {
    serde_json::to_value(message).context("cannot write the answer as JSON")
}

/// Prints one JSON document.
pub fn document(v: &Value) -> Result<()> {
    println!(
        "{}",
        serde_json::to_string_pretty(v).context("cannot write the answer as JSON")?
    );
    Ok(())
}

/// Prints one line of a JSON Lines stream.
pub fn line(v: &Value) {
    println!("{v}");
}

/// The message as one JSON document with `--json`, otherwise `text` (printed as is).
pub fn emit<T: Serialize + ?Sized>(
    g: &Global,
    message: &T,
    text: impl FnOnce() -> String,
) -> Result<()> {
    if g.json {
        document(&json(message)?)
    } else {
        print!("{}", text());
        Ok(())
    }
}

/// Merges `extra` members into the JSON object of a message (e.g. the DocumentId a response
/// does not repeat).
pub fn with(mut v: Value, extra: &[(&str, Value)]) -> Value {
    if let Value::Object(map) = &mut v {
        for (k, x) in extra {
            map.insert((*k).to_string(), x.clone());
        }
    }
    v
}
