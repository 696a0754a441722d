//! The progress line on stderr for captures that take more than a second.
//!
//! The line is drawn with a carriage return and erased (spaces, carriage
//! return) when the work ends, before any summary line, so it never mixes
//! with the messages. The binary asks for it only when stderr is a terminal
//! (for `dissect`, only when stdout is not one too, so the JSON lines are
//! not drawn over); through a pipe or a file stderr gets the messages alone.

use std::io::Write;
use std::time::{Duration, Instant};

/// How long work runs before the line appears.
const DELAY: Duration = Duration::from_secs(1);
/// How often the line is redrawn.
const EVERY: Duration = Duration::from_millis(250);
/// Packets between two looks at the clock.
const CHECK: u64 = 1024;

/// A progress line for one capture.
#[derive(Debug)]
pub struct Progress {
    enabled: bool,
    tool: &'static str,
    start: Instant,
    last: Instant,
    width: usize,
}

impl Progress {
    /// A progress line for `tool`, drawn only when `enabled`.
    pub fn new(tool: &'static str, enabled: bool) -> Self {
        let now = Instant::now();
        Progress {
            enabled,
            tool,
            start: now,
            last: now,
            width: 0,
        }
    }

    /// Called after each packet: redraws the line now and then once the
    /// work has taken more than a second.
    pub fn tick(&mut self, packets: u64, bytes: u64, err: &mut impl Write) {
        if !self.enabled || packets % CHECK != 0 {
            return;
        }
        let now = Instant::now();
        if now.duration_since(self.start) < DELAY || now.duration_since(self.last) < EVERY {
            return;
        }
        self.last = now;
        let line = format!(
            "{}: {packets} packets, {} MB, {:.1} s",
            self.tool,
            bytes / 1_000_000,
            now.duration_since(self.start).as_secs_f64()
        );
        self.width = self.width.max(line.len());
        let _ = write!(err, "\r{line:<w$}", w = self.width);
        let _ = err.flush();
    }

    /// Erases the line, if it was drawn.
    pub fn finish(&mut self, err: &mut impl Write) {
        if self.width > 0 {
            let _ = write!(err, "\r{:w$}\r", "", w = self.width);
            let _ = err.flush();
            self.width = 0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_line_appears_after_a_second_and_is_erased_before_the_summary() {
        let mut err = Vec::new();
        let mut off = Progress::new("rewrite", false);
        let mut on = Progress::new("rewrite", true);
        on.tick(CHECK, 5_000_000, &mut err);
        assert!(err.is_empty(), "nothing before a second");
        std::thread::sleep(DELAY + Duration::from_millis(50));
        off.tick(CHECK, 5_000_000, &mut err);
        on.tick(CHECK + 1, 5_000_000, &mut err);
        assert!(
            err.is_empty(),
            "only every {CHECK} packets, and only when enabled"
        );
        on.tick(2 * CHECK, 5_000_000, &mut err);
        on.finish(&mut err);
        writeln!(err, "rewrote 2048 of 2048 packets").unwrap();
        let text = String::from_utf8(err).unwrap();
        assert!(
            text.starts_with("\rrewrite: 2048 packets, 5 MB, 1."),
            "{text:?}"
        );
        // Erased with spaces, then the summary from the line's start.
        let (line, rest) = text[1..].split_once('\r').unwrap();
        assert_eq!(
            rest,
            format!("{:w$}\rrewrote 2048 of 2048 packets\n", "", w = line.len())
        );
    }
}
