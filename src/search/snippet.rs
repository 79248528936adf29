//! Highlighted snippets: the product name with every matching character marked, followed by the best
//! description fragment when the description matched.
//!
//! Tantivy's `SnippetGenerator` finds the matching characters and description words (cutting the
//! text as the field's tokenizer does); pinyin matches are found by spelling the name's readings,
//! which marks exactly the characters a pinyin query matched (a snippet generator on the initials
//! would mark every character with a matching initial). The HTML is assembled here so that every piece of product text is escaped and adjacent
//! marks merge (`<mark>富硒茶</mark>`, not three marks).

use std::collections::BTreeMap;
use std::ops::Range;

use tantivy::snippet::{Snippet, SnippetGenerator};

use super::pinyin;
use super::query::QueryTerm;
use super::schema::Fields;
use super::tokenizer;

/// Longest description fragment shown, in characters.
const DESCRIPTION_FRAGMENT_CHARS: usize = 80;
/// Names are short; this only guards against a generator cutting one.
const NAME_CHARS: usize = 500;

pub(crate) struct Highlighter {
    /// The query's words, to skip cutting descriptions that contain none of them.
    words: Vec<String>,
    /// Marks the name's characters that the query's Chinese terms contain.
    name: SnippetGenerator,
    /// The query's pinyin terms (lower case), matched against the name's readings.
    pinyin: Vec<String>,
    description: SnippetGenerator,
}

impl Highlighter {
    /// A highlighter for the positive terms of a query (excluded terms are never marked).
    pub(crate) fn new(terms: &[QueryTerm], fields: &Fields) -> Self {
        let mut chars = Vec::new();
        let mut words = Vec::new();
        let mut pinyin = Vec::new();
        for term in terms.iter().filter(|t| !t.excluded) {
            chars.extend(tokenizer::char_terms(&term.text));
            words.extend(tokenizer::query_words(&term.text).into_iter().map(|w| w.text));
            let typed = term.text.to_ascii_lowercase();
            if pinyin::is_pinyin_candidate(&typed) {
                pinyin.push(typed);
            }
        }
        Self {
            name: generator(chars, tokenizer::CHARS, fields.name_chars, NAME_CHARS),
            pinyin,
            description: generator(
                words.clone(),
                tokenizer::WORDS,
                fields.description,
                DESCRIPTION_FRAGMENT_CHARS,
            ),
            words,
        }
    }

    /// The snippet HTML for one product.
    pub(crate) fn html(&self, name: &str, description: &str) -> String {
        let mut marks = absolute_marks(&self.name.snippet(name));
        for typed in &self.pinyin {
            marks.extend(pinyin::spans_spelling(name, typed));
        }
        let mut html = render(name, &marks);
        if !self.may_match(description) {
            return html;
        }
        let fragment = self.description.snippet(description);
        if !fragment.is_empty() {
            html.push_str(" — ");
            html.push_str(&render(fragment.fragment(), fragment.highlighted()));
        }
        html
    }
}

impl Highlighter {
    /// Whether `text` can contain one of the query's (lower-case) words: cutting a description with
    /// jieba costs more than the rest of a hit, and most descriptions contain none.
    fn may_match(&self, text: &str) -> bool {
        let lower = text
            .chars()
            .any(|c| c.is_ascii_uppercase())
            .then(|| text.to_ascii_lowercase());
        let text = lower.as_deref().unwrap_or(text);
        self.words.iter().any(|word| text.contains(word.as_str()))
    }
}

fn generator(
    terms: Vec<String>,
    tokenizer_name: &str,
    field: tantivy::schema::Field,
    max_chars: usize,
) -> SnippetGenerator {
    // Every term weighs the same: the fragment with the most matches wins.
    let weights: BTreeMap<String, f32> = terms.into_iter().map(|t| (t, 1.0)).collect();
    SnippetGenerator::new(weights, tokenizer::analyzer(tokenizer_name), field, max_chars)
}

/// A snippet's marks as byte ranges of the whole text it was cut from.
fn absolute_marks(snippet: &Snippet) -> Vec<Range<usize>> {
    let start = snippet.fragment_range().start;
    snippet
        .highlighted()
        .iter()
        .map(|r| r.start + start..r.end + start)
        .collect()
}

/// `text` HTML-escaped, with `<mark>` around the (possibly overlapping or adjacent) byte ranges.
fn render(text: &str, marks: &[Range<usize>]) -> String {
    let mut html = String::with_capacity(text.len() + 16);
    let mut done = 0;
    for mark in merge(marks) {
        let mark = mark.start.max(done)..mark.end.min(text.len());
        if mark.is_empty() || !text.is_char_boundary(mark.start) || !text.is_char_boundary(mark.end) {
            continue;
        }
        escape_into(&mut html, &text[done..mark.start]);
        html.push_str("<mark>");
        escape_into(&mut html, &text[mark.clone()]);
        html.push_str("</mark>");
        done = mark.end;
    }
    escape_into(&mut html, &text[done..]);
    html
}

/// Sorted ranges with overlapping and touching ones joined.
fn merge(marks: &[Range<usize>]) -> Vec<Range<usize>> {
    let mut sorted = marks.to_vec();
    sorted.sort_by_key(|r| r.start);
    let mut merged: Vec<Range<usize>> = Vec::new();
    for r in sorted {
        match merged.last_mut() {
            Some(last) if r.start <= last.end => last.end = last.end.max(r.end),
            _ => merged.push(r),
        }
    }
    merged
}

fn escape_into(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn product_text_is_escaped_and_adjacent_marks_merge() {
        let html = render("<b>富硒茶</b>&", &[3..6, 6..9, 9..12]);
        assert_eq!(html, "&lt;b&gt;<mark>富硒茶</mark>&lt;/b&gt;&amp;");
    }

    #[test]
    fn marks_out_of_range_or_mid_character_are_ignored() {
        assert_eq!(render("茶", &[1..2, 5..9]), "茶");
    }
}
