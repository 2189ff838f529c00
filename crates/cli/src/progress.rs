//! Byte progress bars on stderr for large transfers.
use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressStyle};

/// Transfers above this size get a progress bar (when stderr is a terminal).
const THRESHOLD: u64 = 1024 * 1024;

/// A progress bar over `total` bytes, hidden for small transfers or when stderr is not a
/// terminal.
pub fn bytes_bar(total: u64, message: &str) -> ProgressBar {
    if total <= THRESHOLD || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(total);
    let style = ProgressStyle::with_template(
        "{msg} [{bar:30.cyan/blue}] {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
    )
    .map(|s| s.progress_chars("=> "))
    .unwrap_or_else(|_| ProgressStyle::default_bar());
    bar.set_style(style);
    bar.set_message(message.to_string());
    bar
}
