//! Pinyin for product names: the readings of each character, and the splitting of what a user typed
//! in Latin letters into syllables.
//!
//! Every reading of a character is kept (柞水 is `zha shui` though 柞 is usually `zuo`), and `ü` is
//! written `v` as on a Chinese keyboard.

use std::collections::HashSet;
use std::sync::LazyLock;

use ::pinyin::ToPinyinMulti;

/// The most ways one typed string is split into syllables; real queries have one to four, and the
/// cap keeps a pathological string from building a huge query.
const MAX_SEGMENTATIONS: usize = 16;

/// The distinct toneless readings of `c`, most common first, in ASCII; empty for a character without
/// pinyin.
pub(crate) fn readings(c: char) -> Vec<String> {
    let Some(multi) = c.to_pinyin_multi() else {
        return Vec::new();
    };
    let mut out: Vec<String> = Vec::with_capacity(multi.count());
    for reading in multi {
        let plain = reading.plain().replace('ü', "v").replace('ê', "e");
        // A few interjections (呣 m̀, 嗯 ňg) have readings no keyboard types; they are left out.
        if plain.is_ascii() && !plain.is_empty() && !out.contains(&plain) {
            out.push(plain);
        }
    }
    out
}

/// The distinct first letters of `c`'s readings (`z` for 中, not `zh`, as input methods do).
pub(crate) fn initials(c: char) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for reading in readings(c) {
        let first = reading[..1].to_owned();
        if !out.contains(&first) {
            out.push(first);
        }
    }
    out
}

/// Every syllable any character can have, taken from the same table the index uses so that a typed
/// syllable is known exactly when some character is indexed with it.
static SYLLABLES: LazyLock<HashSet<String>> = LazyLock::new(|| {
    let cjk = ('\u{3400}'..='\u{4DBF}').chain('\u{4E00}'..='\u{9FFF}');
    cjk.flat_map(readings).collect()
});

/// Every non-empty beginning of a syllable, for a last syllable still being typed.
static SYLLABLE_PREFIXES: LazyLock<HashSet<String>> = LazyLock::new(|| {
    SYLLABLES
        .iter()
        .flat_map(|s| (1..=s.len()).map(move |end| s[..end].to_owned()))
        .collect()
});

/// Whether `text` could be typed pinyin: Latin letters only.
pub(crate) fn is_pinyin_candidate(text: &str) -> bool {
    !text.is_empty() && text.chars().all(|c| c.is_ascii_alphabetic())
}

/// The ways to split lower-case `text` into syllables, fewest syllables first. With
/// `last_is_prefix` the last piece need only begin a syllable (for suggestions while typing).
pub(crate) fn segmentations(text: &str, last_is_prefix: bool) -> Vec<Vec<String>> {
    let mut search = Segmenter {
        text,
        last_is_prefix,
        dead_ends: vec![false; text.len() + 1],
        current: Vec::new(),
        found: Vec::new(),
    };
    search.split_from(0);
    search.found.sort_by_key(Vec::len);
    search.found
}

/// A depth-first search for segmentations that remembers where no segmentation can finish, so
/// that `xianxianxian…q` (many ways to split, none completing) takes linear time, not exponential.
struct Segmenter<'t> {
    text: &'t str,
    last_is_prefix: bool,
    /// Byte offsets from which the rest of `text` cannot be split.
    dead_ends: Vec<bool>,
    current: Vec<String>,
    found: Vec<Vec<String>>,
}

impl Segmenter<'_> {
    /// Whether some segmentation of `text[start..]` was found.
    fn split_from(&mut self, start: usize) -> bool {
        if self.found.len() >= MAX_SEGMENTATIONS || self.dead_ends[start] {
            return false;
        }
        let rest = &self.text[start..];
        if rest.is_empty() {
            self.found.push(self.current.clone());
            return true;
        }
        let mut any = false;
        // Longest syllables first so that the natural reading is found before the cap can cut in.
        for end in (1..=rest.len().min(6)).rev() {
            let piece = &rest[..end];
            let is_last = end == rest.len();
            let fits =
                SYLLABLES.contains(piece) || (is_last && self.last_is_prefix && SYLLABLE_PREFIXES.contains(piece));
            if fits {
                self.current.push(piece.to_owned());
                any |= self.split_from(start + end);
                self.current.pop();
            }
        }
        if !any {
            self.dead_ends[start] = true;
        }
        any
    }
}

/// Byte ranges of `text` whose characters spell `typed` (lower-case) in full pinyin or in initials,
/// for highlighting what a pinyin query matched.
pub(crate) fn spans_spelling(text: &str, typed: &str) -> Vec<std::ops::Range<usize>> {
    let chars: Vec<(usize, char)> = text.char_indices().filter(|(_, c)| !readings(*c).is_empty()).collect();
    let mut spans = Vec::new();
    for start in 0..chars.len() {
        let end = spelled_from(&chars[start..], typed, false).or_else(|| spelled_from(&chars[start..], typed, true));
        if let Some(count) = end {
            let (from, _) = chars[start];
            let (last, c) = chars[start + count - 1];
            spans.push(from..last + c.len_utf8());
        }
    }
    spans
}

/// How many of `chars` spell all of `typed` (full syllables, or one initial per character).
fn spelled_from(chars: &[(usize, char)], typed: &str, as_initials: bool) -> Option<usize> {
    if typed.is_empty() {
        return Some(0);
    }
    let (_, c) = chars.first()?;
    let options = if as_initials { initials(*c) } else { readings(*c) };
    options
        .iter()
        .filter_map(|o| typed.strip_prefix(o.as_str()))
        .find_map(|rest| spelled_from(&chars[1..], rest, as_initials))
        .map(|n| n + 1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[rstest]
    #[case('柞', &["zuo", "zha"])]
    #[case('绿', &["lv", "lu"])]
    #[case('茶', &["cha"])]
    fn readings_include_heteronyms_and_write_u_umlaut_as_v(#[case] c: char, #[case] expected: &[&str]) {
        let got = readings(c);
        for e in expected {
            assert!(got.contains(&(*e).to_owned()), "{c}: {got:?}");
        }
    }

    #[test]
    fn characters_without_pinyin_have_no_readings() {
        assert!(readings('5').is_empty());
        assert!(readings('，').is_empty());
    }

    #[rstest]
    #[case("luochuan", &[&["luo", "chuan"][..]])]
    #[case("xian", &[&["xian"][..], &["xi", "an"][..]])]
    #[case("lcpg", &[])]
    fn full_pinyin_is_split_into_every_reading(#[case] text: &str, #[case] expected: &[&[&str]]) {
        let got = segmentations(text, false);
        for e in expected {
            assert!(got.iter().any(|g| g == e), "{text}: {got:?}");
        }
        if expected.is_empty() {
            assert!(got.is_empty(), "{text}: {got:?}");
        }
    }

    #[rstest]
    #[case("洛川苹果醋", "lcpg", &["洛川苹果"])]
    #[case("洛川苹果醋", "pingguo", &["苹果"])]
    #[case("镇安土豆米线", "mixian", &["米线"])]
    #[case("米脂小米", "mi", &["米", "米"])]
    fn spans_spelling_finds_what_pinyin_matched(#[case] text: &str, #[case] typed: &str, #[case] expected: &[&str]) {
        let got: Vec<&str> = spans_spelling(text, typed).into_iter().map(|r| &text[r]).collect();
        assert_eq!(got, expected);
    }

    #[test]
    fn hopeless_ambiguous_input_is_rejected_quickly() {
        let typed = format!("{}q", "xian".repeat(49));
        let started = std::time::Instant::now();
        assert!(segmentations(&typed, false).is_empty());
        assert!(started.elapsed() < std::time::Duration::from_secs(1));
        assert_eq!(segmentations(&"xian".repeat(50), false).len(), MAX_SEGMENTATIONS);
    }

    #[test]
    fn a_half_typed_last_syllable_is_accepted_for_suggestions() {
        assert!(segmentations("luochuanp", false).is_empty());
        assert!(segmentations("luochuanp", true).contains(&vec!["luo".into(), "chuan".into(), "p".into()]));
    }
}
