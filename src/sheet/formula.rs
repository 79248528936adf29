//! Text that a spreadsheet program would take for a formula (CSV or formula injection).
//!
//! Excel, WPS and LibreOffice start a formula at a cell beginning with `=`, `+`, `-` or `@`, and
//! skip a leading tab or carriage return before looking; a county-typed supplier name such as
//! `=HYPERLINK("http://…","点击查看")` would become a live link, or worse, in the office's copy.
//! Every text cell we export goes through here: CSV prefixes `'` (OWASP's advice, so the cell
//! reads as text), xlsx keeps the text and marks the cell quote-prefixed instead. Our own reader
//! drops that one `'` again ([`strip_csv_guard`]), so exports read back as they were written.

/// The characters that make a spreadsheet read a cell as a formula when they come first.
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// What CSV puts before text that would start a formula.
const CSV_GUARD: char = '\'';

/// Whether a spreadsheet would read `text`, typed into a cell, as a formula.
pub fn starts_like_formula(text: &str) -> bool {
    text.starts_with(FORMULA_STARTS)
}

/// `text` as a CSV field that spreadsheets show as text: `'` before a formula-like start.
pub fn csv_text(text: &str) -> String {
    if needs_guard(text) {
        format!("{CSV_GUARD}{text}")
    } else {
        text.to_owned()
    }
}

/// The text a CSV cell held before [`csv_text`] guarded it: one leading `'` is dropped when a
/// formula-like character follows it. Any other apostrophe is part of the text.
pub fn strip_csv_guard(text: &str) -> &str {
    match text.strip_prefix(CSV_GUARD) {
        Some(rest) if needs_guard(rest) => rest,
        _ => text,
    }
}

/// A formula-like start, or one behind apostrophes: text that already reads `'=…` is guarded
/// again (`''=…`), so that [`strip_csv_guard`] always gives back exactly what was written.
fn needs_guard(text: &str) -> bool {
    starts_like_formula(text.trim_start_matches(CSV_GUARD))
}

/// The cells of an xlsx's first worksheet whose format is quote-prefixed, as Excel names them
/// (`C4`). calamine does not report the property, so the styles are read from the package.
#[cfg(test)]
pub(super) fn quote_prefixed_cells(xlsx: &[u8]) -> Vec<String> {
    use std::io::Read;
    let mut package = zip::ZipArchive::new(std::io::Cursor::new(xlsx)).expect("an xlsx is a zip archive");
    let mut part = |name: &str| {
        let mut xml = String::new();
        package
            .by_name(name)
            .and_then(|mut f| Ok(f.read_to_string(&mut xml)?))
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        xml
    };
    let (styles, sheet) = (part("xl/styles.xml"), part("xl/worksheets/sheet1.xml"));
    let styles = roxmltree::Document::parse(&styles).expect("styles.xml is XML");
    let quoted: Vec<bool> = styles
        .descendants()
        .find(|n| n.has_tag_name("cellXfs"))
        .expect("styles.xml lists the cell formats")
        .children()
        .filter(|n| n.has_tag_name("xf"))
        .map(|xf| xf.attribute("quotePrefix") == Some("1"))
        .collect();
    let sheet = roxmltree::Document::parse(&sheet).expect("sheet1.xml is XML");
    sheet
        .descendants()
        .filter(|n| n.has_tag_name("c"))
        .filter(|c| {
            c.attribute("s")
                .and_then(|s| s.parse::<usize>().ok())
                .is_some_and(|s| quoted[s])
        })
        .map(|c| c.attribute("r").expect("every cell has a reference").to_owned())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rstest::rstest;

    #[rstest]
    #[case("=HYPERLINK(\"http://example.com\",\"点击\")")]
    #[case("+8613800000000")]
    #[case("-减脂茶")]
    #[case("@SUM(A1:A2)")]
    #[case("\t=1+1")]
    #[case("\r=1+1")]
    fn formula_starts_are_guarded_in_csv(#[case] text: &str) {
        assert!(starts_like_formula(text));
        assert_eq!(csv_text(text), format!("'{text}"));
        assert_eq!(strip_csv_guard(&csv_text(text)), text);
    }

    #[rstest]
    #[case("紫阳县示例茶业专业合作社")]
    #[case("029-88886666")]
    #[case("38.50")]
    #[case("a=b")]
    #[case(" =1+1")] // a leading space is not skipped by Excel: the cell is text
    #[case("")]
    fn other_text_is_left_alone(#[case] text: &str) {
        assert!(!starts_like_formula(text));
        assert_eq!(csv_text(text), text);
    }

    #[rstest]
    #[case("'紫阳", "'紫阳")] // an apostrophe before ordinary text is the text's own
    #[case("'", "'")]
    #[case("''=1", "'=1")] // one guard is taken off: the text was `'=1`
    #[case("'=1", "=1")]
    fn only_a_guard_before_a_formula_start_is_stripped(#[case] cell: &str, #[case] text: &str) {
        assert_eq!(strip_csv_guard(cell), text);
    }

    #[test]
    fn text_that_looks_guarded_is_guarded_again() {
        assert_eq!(csv_text("'=1"), "''=1");
        assert_eq!(strip_csv_guard(&csv_text("'=1")), "'=1");
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn guarded_text_never_starts_a_formula_and_unguards_to_itself(text in any::<String>()) {
            let guarded = csv_text(&text);
            prop_assert!(!starts_like_formula(&guarded));
            prop_assert_eq!(strip_csv_guard(&guarded), text.as_str());
        }

        #[test]
        fn formula_like_text_round_trips(
            start in prop::sample::select(FORMULA_STARTS.to_vec()),
            rest in any::<String>(),
        ) {
            let text = format!("{start}{rest}");
            let guarded = csv_text(&text);
            prop_assert!(guarded.starts_with('\''));
            prop_assert_eq!(strip_csv_guard(&guarded), text.as_str());
        }
    }
}
