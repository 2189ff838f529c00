//! DocumentIds: `OrganId,yyyy/MM/dd,Number/Notation`, e.g.
//! `000.00.00.G22,2015/09/30,7816/VPCP-TTĐT`.
//!
//! The sender's agency code, the promulgation date and the document's number and notation (số
//! / ký hiệu) name a document across the whole axis: revocations, replies, statuses and tasks
//! all point at it. The notation is free Vietnamese text, so no part of this code slices a
//! string at a position it did not find itself.
use std::{fmt, str::FromStr};

use time::Date;

use crate::{
    agency::AgencyCode,
    error::{FieldError, quoted},
    local,
};

/// The longest `Number/Notation`, in bytes.
pub const MAX_NUMBER_NOTATION_BYTES: usize = 200;

/// What a Number may hold: letters and digits (of any script), `-`, `.`, `_` (e.g. `125`,
/// `05a`, `45296123456789-48213`).
pub fn is_number_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '-' | '.' | '_')
}

/// What a Notation may hold: letters and digits of any script (Vietnamese `Đ` included) and
/// `- . / _ & ( ) ,` (e.g. `UBND-TH`, `VPCP-TTĐT`, `2019/NĐ-CP`). No spaces, no control
/// characters: a DocumentId travels in log lines, edXML headers and file names.
pub fn is_notation_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '-' | '.' | '/' | '_' | '&' | '(' | ')' | ',')
}

/// A valid DocumentId, kept with its canonical text (which is exactly the text it was parsed
/// from: the rule admits a single spelling of each id).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DocumentId {
    text: String,
    organ: AgencyCode,
    date: Date,
    /// Byte offset in `text` where `Number/Notation` starts.
    number_start: usize,
    /// Byte length of the number (the '/' follows it).
    number_len: usize,
}

impl DocumentId {
    /// Parses a DocumentId; `field` names it in the refusal.
    ///
    /// Three parts separated by the first two commas: an agency code, a date `yyyy/MM/dd`, and
    /// `Number/Notation` split at its first '/', both non-blank, together at most 200 bytes
    /// (the notation may contain further '/' and ','). An empty value is refused as "is
    /// required"; anything else as `"…" is not a DocumentId OrganId,yyyy/MM/dd,Number/Notation
    /// (e.g. 000.00.00.G22,2015/09/30,7816/VPCP-TTĐT): <which part is wrong>`.
    pub fn parse(field: &str, s: &str) -> Result<DocumentId, FieldError> {
        let rule = |why: &str| {
            FieldError::new(
                field,
                format!(
                    "{} is not a DocumentId OrganId,yyyy/MM/dd,Number/Notation \
                     (e.g. 000.00.00.G22,2015/09/30,7816/VPCP-TTĐT): {why}",
                    quoted(s)
                ),
            )
        };
        if s.is_empty() {
            return Err(FieldError::required(field));
        }
        let mut parts = s.splitn(3, ',');
        let (Some(organ), Some(date), Some(number_notation)) =
            (parts.next(), parts.next(), parts.next())
        else {
            return Err(rule("it needs three parts separated by commas"));
        };
        let organ = AgencyCode::parse(field, organ)
            .map_err(|_| rule("the OrganId is not an agency code"))?;
        let date = local::parse_ymd(date, b'/')
            .ok_or_else(|| rule("the date is not a valid yyyy/MM/dd"))?;
        let (number, notation) = number_notation
            .split_once('/')
            .ok_or_else(|| rule("the last part must be Number/Notation"))?;
        if number.trim().is_empty() || notation.trim().is_empty() {
            return Err(rule("Number and Notation must both be present"));
        }
        if number_notation.len() > MAX_NUMBER_NOTATION_BYTES {
            return Err(rule("Number/Notation is longer than 200 bytes"));
        }
        if let Some(c) = number.chars().find(|c| !is_number_char(*c)) {
            return Err(rule(&format!(
                "the Number holds U+{:04X}; it may hold letters, digits, '-', '.' and '_'",
                c as u32
            )));
        }
        if let Some(c) = notation.chars().find(|c| !is_notation_char(*c)) {
            return Err(rule(&format!(
                "the Notation holds U+{:04X}; it may hold letters, digits and - . / _ & ( ) ,",
                c as u32
            )));
        }
        Ok(DocumentId {
            text: s.to_string(),
            number_start: s.len() - number_notation.len(),
            number_len: number.len(),
            organ,
            date,
        })
    }

    /// Refuses a promulgation date after `latest` (the hub passes tomorrow, Vietnam time: a
    /// document is not dated in the future, whatever clock skew its sender has).
    pub fn check_date_not_after(&self, field: &str, latest: Date) -> Result<(), FieldError> {
        if self.date > latest {
            Err(FieldError::new(
                field,
                format!(
                    "{:?} is dated {}, after {}: a DocumentId carries its promulgation date, \
                     which cannot be in the future",
                    self.text,
                    local::format_date(self.date),
                    local::format_date(latest)
                ),
            ))
        } else {
            Ok(())
        }
    }

    /// Builds the id of a document from its parts, checked by the same rule as
    /// [`DocumentId::parse`] (`number` must not contain '/').
    pub fn new(
        field: &str,
        organ: &AgencyCode,
        date: Date,
        number: &str,
        notation: &str,
    ) -> Result<DocumentId, FieldError> {
        let text = format!(
            "{organ},{},{number}/{notation}",
            local::format_slash_date(date)
        );
        if number.contains('/') {
            return Err(FieldError::new(
                field,
                format!("{text:?} is not a DocumentId: the Number {number:?} contains '/'"),
            ));
        }
        DocumentId::parse(field, &text)
    }

    /// The sender's agency code (OrganId).
    pub fn organ(&self) -> &AgencyCode {
        &self.organ
    }

    /// The date, `yyyy/MM/dd` in the text.
    pub fn date(&self) -> Date {
        self.date
    }

    /// The number (số), before the first '/' of the last part.
    pub fn number(&self) -> &str {
        let end = self.number_start + self.number_len;
        self.text.get(self.number_start..end).unwrap_or_default()
    }

    /// The notation (ký hiệu), after the first '/' of the last part.
    pub fn notation(&self) -> &str {
        let start = self.number_start + self.number_len + 1;
        self.text.get(start..).unwrap_or_default()
    }

    /// `Number/Notation`, the whole last part.
    pub fn number_notation(&self) -> &str {
        self.text.get(self.number_start..).unwrap_or_default()
    }

    /// The canonical text (what it was parsed from).
    pub fn as_str(&self) -> &str {
        &self.text
    }

    pub fn into_string(self) -> String {
        self.text
    }
}

impl fmt::Display for DocumentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl FromStr for DocumentId {
    type Err = FieldError;

    /// Parses with the field named "document_id".
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        DocumentId::parse("document_id", s)
    }
}

impl AsRef<str> for DocumentId {
    fn as_ref(&self) -> &str {
        &self.text
    }
}

impl From<DocumentId> for String {
    fn from(id: DocumentId) -> String {
        id.text
    }
}

#[cfg(test)]
mod tests {
    use time::macros::date;

    use super::*;

    #[test]
    fn numbers_and_notations_have_a_character_set() {
        for good in [
            "000.00.00.G22,2015/09/30,7816/VPCP-TTĐT",
            "000.00.00.G22,2019/01/30,09/2019/NĐ-CP",
            "000.00.00.H48,2026/11/28,45296123456789-48213/UBND-VX",
        ] {
            assert!(DocumentId::parse("id", good).is_ok(), "{good}");
        }
        for (bad, what) in [
            (
                "000.00.00.H48,2026/11/28,12/UBND\nTH",
                "Notation holds U+000A",
            ),
            (
                "000.00.00.H48,2026/11/28,12/UBND\0",
                "Notation holds U+0000",
            ),
            (
                "000.00.00.H48,2026/11/28,12/UBND TH",
                "Notation holds U+0020",
            ),
            (
                "000.00.00.H48,2026/11/28,1\u{1b}2/UBND",
                "Number holds U+001B",
            ),
            ("000.00.00.H48,2026/11/28,1 2/UBND", "Number holds U+0020"),
        ] {
            let e = DocumentId::parse("document_id", bad).unwrap_err();
            assert_eq!(e.field, "document_id");
            assert!(e.rule.contains(what), "{bad:?}: {}", e.rule);
        }
    }

    #[test]
    fn a_document_is_not_dated_in_the_future() {
        let id = DocumentId::parse("d", "000.00.00.H48,2026/11/29,1/UBND").unwrap();
        let today = time::macros::date!(2026 - 11 - 28);
        assert!(
            id.check_date_not_after("d", today.next_day().unwrap())
                .is_ok()
        );
        let e = id.check_date_not_after("d", today).unwrap_err();
        assert!(e.rule.contains("future"), "{}", e.rule);
    }

    const EXAMPLE: &str = "000.00.00.G22,2015/09/30,7816/VPCP-TTĐT";

    #[test]
    fn parses_the_parts() {
        let id = DocumentId::parse("d", EXAMPLE).unwrap();
        assert_eq!(id.organ().as_str(), "000.00.00.G22");
        assert_eq!(id.date(), date!(2015 - 09 - 30));
        assert_eq!(id.number(), "7816");
        assert_eq!(id.notation(), "VPCP-TTĐT");
        assert_eq!(id.number_notation(), "7816/VPCP-TTĐT");
        assert_eq!(id.to_string(), EXAMPLE);
        assert_eq!(id.as_str(), EXAMPLE);
        assert_eq!(EXAMPLE.parse::<DocumentId>(), Ok(id.clone()));
        let built = DocumentId::new("d", id.organ(), id.date(), "7816", "VPCP-TTĐT").unwrap();
        assert_eq!(built, id);
    }

    #[test]
    fn notation_keeps_later_slashes_and_commas() {
        let id = DocumentId::parse("d", "000.00.53.H48,2026/01/02,Đ12/QĐ/UBND,TH").unwrap();
        assert_eq!(id.number(), "Đ12");
        assert_eq!(id.notation(), "QĐ/UBND,TH");
        assert_eq!(id.to_string(), "000.00.53.H48,2026/01/02,Đ12/QĐ/UBND,TH");
    }

    #[test]
    fn refusals_say_which_part_is_wrong() {
        let cases = [
            (
                "000.00.00.G22,2015/02/30,1/X",
                "the date is not a valid yyyy/MM/dd",
            ),
            (
                "000.00.00.G22,2015-09-30,1/X",
                "the date is not a valid yyyy/MM/dd",
            ),
            (
                "000.00.00.G22,2015/09/30,1",
                "the last part must be Number/Notation",
            ),
            (
                "000.00.00.G22,2015/09/30",
                "it needs three parts separated by commas",
            ),
            ("G22,2015/09/30,1/X", "the OrganId is not an agency code"),
            (
                "000.00.00.G22,2015/09/30,/X",
                "Number and Notation must both be present",
            ),
            (
                "000.00.00.G22,2015/09/30, /X",
                "Number and Notation must both be present",
            ),
            (
                "000.00.00.G22,2015/09/30,1/ ",
                "Number and Notation must both be present",
            ),
        ];
        for (bad, why) in cases {
            let e = DocumentId::parse("response_for[0]", bad).unwrap_err();
            assert_eq!(
                e.to_string(),
                format!(
                    "response_for[0]: {bad:?} is not a DocumentId \
                     OrganId,yyyy/MM/dd,Number/Notation \
                     (e.g. 000.00.00.G22,2015/09/30,7816/VPCP-TTĐT): {why}"
                )
            );
        }
        assert_eq!(
            DocumentId::parse("document_id", "")
                .unwrap_err()
                .to_string(),
            "document_id: is required"
        );
    }

    #[test]
    fn number_notation_is_at_most_200_bytes() {
        let prefix = "000.00.00.G22,2015/09/30,";
        // 'Đ' is two bytes: 1 + 1 + 99 × 2 = 200 bytes.
        let ok = format!("{prefix}1/{}", "Đ".repeat(99));
        assert!(DocumentId::parse("d", &ok).is_ok());
        let long = format!("{prefix}1/{}Đ", "Đ".repeat(99));
        let e = DocumentId::parse("d", &long).unwrap_err();
        assert!(
            e.rule.ends_with("Number/Notation is longer than 200 bytes"),
            "{e}"
        );
    }

    #[test]
    fn new_refuses_a_slash_in_the_number() {
        let organ = AgencyCode::parse("f", "000.00.00.G22").unwrap();
        let e = DocumentId::new("d", &organ, date!(2015 - 09 - 30), "1/2", "X").unwrap_err();
        assert_eq!(e.field, "d");
        assert!(DocumentId::new("d", &organ, date!(2015 - 09 - 30), "", "X").is_err());
    }
}
