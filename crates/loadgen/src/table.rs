//! The table `make bench` ends with: every figure of issue 12 beside its baseline, the ratio
//! and the goal, as text for people and as JSON (`--json`) for machines.
use serde::Serialize;

/// Which way a goal points.
#[derive(Clone, Copy, Debug, Serialize, PartialEq)]
#[serde(rename_all = "snake_case")]
pub enum Goal {
    /// The ratio (value / baseline) must be at least this.
    RatioAtLeast(f64),
    /// The value itself must be at most this (latency, memory).
    ValueAtMost(f64),
}

/// One measured figure.
#[derive(Clone, Debug, Serialize)]
pub struct Row {
    /// Stable identifier (the smoke test and scripts look rows up by it).
    pub id: &'static str,
    pub figure: String,
    pub value: Option<f64>,
    pub unit: &'static str,
    pub baseline_label: String,
    pub baseline: Option<f64>,
    pub ratio: Option<f64>,
    pub goal: Goal,
    /// `None` when the row was not measured (`note` says why).
    pub met: Option<bool>,
    pub note: String,
}

impl Row {
    /// A measured row against a baseline; the ratio is value / baseline.
    pub fn measured(
        id: &'static str,
        figure: impl Into<String>,
        value: f64,
        unit: &'static str,
        baseline_label: impl Into<String>,
        baseline: Option<f64>,
        goal: Goal,
    ) -> Row {
        let ratio = baseline.filter(|b| *b > 0.0).map(|b| value / b);
        let met = match goal {
            Goal::RatioAtLeast(g) => ratio.map(|r| r >= g),
            Goal::ValueAtMost(g) => Some(value <= g),
        };
        Row {
            id,
            figure: figure.into(),
            value: Some(value),
            unit,
            baseline_label: baseline_label.into(),
            baseline,
            ratio,
            goal,
            met,
            note: String::new(),
        }
    }

    /// A row that could not be measured, and why.
    pub fn skipped(id: &'static str, figure: impl Into<String>, goal: Goal, why: String) -> Row {
        Row {
            id,
            figure: figure.into(),
            value: None,
            unit: "",
            baseline_label: String::new(),
            baseline: None,
            ratio: None,
            goal,
            met: None,
            note: why,
        }
    }

    pub fn with_note(mut self, note: impl Into<String>) -> Row {
        self.note = note.into();
        self
    }

    /// Appends a note (after any note already there, such as a problem).
    pub fn with_note_if_empty(mut self, note: impl Into<String>) -> Row {
        let note = note.into();
        self.note = if self.note.is_empty() {
            note
        } else {
            format!("{}; {note}", self.note)
        };
        self
    }
}

/// The whole run.
#[derive(Debug, Serialize)]
pub struct Table {
    pub date_utc: String,
    pub cores: usize,
    pub settings: String,
    pub rows: Vec<Row>,
    pub seconds: f64,
}

fn num(v: Option<f64>) -> String {
    match v {
        None => "-".into(),
        Some(v) if v.abs() >= 100.0 => format!("{v:.0}"),
        Some(v) if v.abs() >= 1.0 => format!("{v:.1}"),
        Some(v) => format!("{v:.3}"),
    }
}

fn goal_text(g: Goal) -> String {
    match g {
        Goal::RatioAtLeast(r) => format!("ratio ≥ {r}"),
        Goal::ValueAtMost(v) => format!("≤ {v}"),
    }
}

impl Table {
    /// The table as text, one line per row and its notes under it.
    pub fn render(&self) -> String {
        let mut out = format!(
            "\nlienthong bench — {} UTC, {} cores, {} s in all\n{}\n\n",
            self.date_utc, self.cores, self.seconds as u64, self.settings
        );
        out.push_str(&format!(
            "{:<48} {:>10} {:<7} {:>10}  {:<30} {:>7}  {:<12} {}\n",
            "figure", "value", "unit", "baseline", "(baseline is)", "ratio", "goal", "met"
        ));
        for r in &self.rows {
            let met = match r.met {
                Some(true) => "yes",
                Some(false) => "NO",
                None => "n/a",
            };
            out.push_str(&format!(
                "{:<48} {:>10} {:<7} {:>10}  {:<30} {:>7}  {:<12} {met}\n",
                r.figure,
                num(r.value),
                r.unit,
                num(r.baseline),
                r.baseline_label,
                r.ratio.map_or("-".into(), |x| format!("{x:.3}")),
                goal_text(r.goal),
            ));
            if !r.note.is_empty() {
                out.push_str(&format!("    note: {}\n", r.note));
            }
        }
        out
    }
}

/// Today's date and time in UTC (civil from days, Howard Hinnant's algorithm), without a
/// date crate.
pub fn now_utc() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let (days, rem) = ((secs / 86_400) as i64, secs % 86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}",
        rem / 3600,
        (rem % 3600) / 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ratio_and_goal() {
        let r = Row::measured(
            "x",
            "x",
            50.0,
            "/s",
            "b",
            Some(100.0),
            Goal::RatioAtLeast(0.5),
        );
        assert_eq!(r.ratio, Some(0.5));
        assert_eq!(r.met, Some(true));
        let r = Row::measured("y", "y", 30.0, "ms", "-", None, Goal::ValueAtMost(25.0));
        assert_eq!(r.met, Some(false));
        let r = Row::measured("z", "z", 1.0, "/s", "b", Some(0.0), Goal::RatioAtLeast(0.5));
        assert_eq!(r.met, None, "no ratio without a baseline");
    }
}
