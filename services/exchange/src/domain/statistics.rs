//! The daily traffic figures a hub reports for the agencies it serves: documents sent and
//! received, and of those, sent to or received from another hub (relayed out / in).
use std::collections::{BTreeMap, BTreeSet};

use lienthong_api::reporting::v1::StatisticValue;
use time::Date;

use crate::domain::routing::{Hop, Routing};

/// One leg of a document accepted on the day.
#[derive(Clone, Debug)]
pub struct DayLeg {
    pub document_id: String,
    pub sender: String,
    pub recipient: String,
}

/// The day's figures of the agencies this hub serves, from the legs of the documents it
/// accepted that day: a document counts once per sender, a leg once per recipient.
pub fn day_figures(routing: &Routing, day: Date, legs: &[DayLeg]) -> Vec<StatisticValue> {
    let local = |code: &str| routing.hop(code) == Hop::Local;
    let mut sent: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    let mut relayed_out: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    let mut received: BTreeMap<&str, usize> = BTreeMap::new();
    let mut relayed_in: BTreeMap<&str, usize> = BTreeMap::new();
    for leg in legs {
        let (id, sender, recipient) = (
            leg.document_id.as_str(),
            leg.sender.as_str(),
            leg.recipient.as_str(),
        );
        if local(sender) {
            sent.entry(sender).or_default().insert(id);
            if !local(recipient) {
                relayed_out.entry(sender).or_default().insert(id);
            }
        }
        if local(recipient) {
            *received.entry(recipient).or_default() += 1;
            if !local(sender) {
                *relayed_in.entry(recipient).or_default() += 1;
            }
        }
    }
    let day = lienthong_axis::local::format_date(day);
    let value = |indicator: &str, agency: &str, n: usize| StatisticValue {
        indicator_code: indicator.to_string(),
        agency_code: agency.to_string(),
        day: day.clone(),
        value: n as f64,
    };
    let mut values = Vec::new();
    values.extend(
        sent.iter()
            .map(|(a, ids)| value("axis.documents_sent", a, ids.len())),
    );
    values.extend(
        received
            .iter()
            .map(|(a, n)| value("axis.documents_received", a, *n)),
    );
    values.extend(
        relayed_out
            .iter()
            .map(|(a, ids)| value("axis.documents_relayed_out", a, ids.len())),
    );
    values.extend(
        relayed_in
            .iter()
            .map(|(a, n)| value("axis.documents_relayed_in", a, *n)),
    );
    values
}

#[cfg(test)]
mod tests {
    use time::macros::date;

    use super::*;

    fn leg(id: &str, sender: &str, recipient: &str) -> DayLeg {
        DayLeg {
            document_id: id.into(),
            sender: sender.into(),
            recipient: recipient.into(),
        }
    }

    #[test]
    fn figures_of_the_agencies_served_here() {
        let routing = Routing::new(
            "H48",
            "provincial",
            None,
            Some("https://national:7443"),
            None,
        )
        .unwrap();
        let (binh_son, so, nghe_an) = ("000.00.53.H48", "000.00.12.H48", "000.00.00.H41");
        let legs = [
            leg("A", binh_son, nghe_an),
            leg("A", binh_son, so),
            leg("B", nghe_an, so),
        ];
        let mut got: Vec<(String, String, String, u64)> =
            day_figures(&routing, date!(2026 - 11 - 26), &legs)
                .into_iter()
                .map(|v| (v.indicator_code, v.agency_code, v.day, v.value as u64))
                .collect();
        got.sort();
        let row = |i: &str, a: &str, n| (i.to_string(), a.to_string(), "2026-11-26".into(), n);
        assert_eq!(
            got,
            [
                row("axis.documents_received", so, 2),
                row("axis.documents_relayed_in", so, 1),
                row("axis.documents_relayed_out", binh_son, 1),
                row("axis.documents_sent", binh_son, 1),
            ]
        );
    }
}
