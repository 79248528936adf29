//! What a user asks for, how it is checked, and how it becomes a tantivy query.
//!
//! Query text syntax (kept to what a search box needs):
//! - words separated by spaces must all match (`洛川 苹果`);
//! - `"富硒茶"` (ASCII or Chinese quotes) must appear exactly as typed;
//! - `-眉县` or `-"徐香"` excludes products that match it;
//! - a word of Latin letters is also read as pinyin, full (`luochuan`) or initials (`lcpg`).

use tantivy::Term;
use tantivy::query::{
    AllQuery, BooleanQuery, BoostQuery, ConstScoreQuery, EmptyQuery, Occur, PhrasePrefixQuery, PhraseQuery, Query,
    TermQuery,
};
use tantivy::schema::{Field, IndexRecordOption};

use super::SearchError;
use super::pinyin;
use super::schema::Fields;
use super::tokenizer::{self, PositionedWord};
use crate::domain::{ListingStatus, PovertyRegionKind};

/// The longest query text accepted, in characters.
pub const MAX_TEXT_CHARS: usize = 200;
/// The most hits one page may ask for.
pub const MAX_PER_PAGE: u32 = 100;
/// How deep paging may go; deeper pages cost memory and nobody reads them.
pub const MAX_RESULT_WINDOW: u64 = 10_000;

// Why the boosts are what they are: a whole-word hit in the name is what the user most likely
// wants; a match of single characters only (the recall net) must rank below any word match.
const NAME_WORD_BOOST: f32 = 4.0;
const PLACE_BOOST: f32 = 1.5;
const SUPPLIER_BOOST: f32 = 1.0;
const DESCRIPTION_BOOST: f32 = 1.0;
const NAME_CHARS_BOOST: f32 = 0.5;
const PINYIN_BOOST: f32 = 2.0;
const INITIALS_BOOST: f32 = 1.0;
const CODE_BOOST: f32 = 8.0;
/// Terms a half-typed syllable may stand for (`s` begins about 40 syllables and pairs).
const MAX_PREFIX_EXPANSIONS: u32 = 200;

/// Which listing statuses a search includes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum StatusFilter {
    /// Only products the catalogue recommends now (the public view).
    #[default]
    ListedOnly,
    /// Every status (the office's view).
    All,
    /// One status (e.g. the office reviewing suspended products).
    Only(ListingStatus),
}

impl StatusFilter {
    /// The one status searched for, or `None` for every status.
    pub(crate) fn status(self) -> Option<ListingStatus> {
        match self {
            Self::ListedOnly => Some(ListingStatus::Listed),
            Self::Only(status) => Some(status),
            Self::All => None,
        }
    }
}

/// The order of hits.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum Sort {
    /// Best match first; with no text, newest first.
    #[default]
    Relevance,
    PriceAsc,
    PriceDesc,
    /// Most recently listed first.
    Newest,
}

/// A search request. `Default` is "page 1 of every listed product, 20 a page, with facets".
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SearchQuery {
    /// What the user typed; empty means every product that passes the filters.
    pub text: String,
    /// City code, e.g. `610300`.
    pub city: Option<String>,
    /// County code, e.g. `610326`.
    pub county: Option<String>,
    /// Category name, e.g. `茶叶`.
    pub category: Option<String>,
    pub poverty: Option<PovertyRegionKind>,
    pub statuses: StatusFilter,
    /// Inclusive lower bound of the unit price, in fen.
    pub min_price_fen: Option<i64>,
    /// Inclusive upper bound of the unit price, in fen.
    pub max_price_fen: Option<i64>,
    pub sort: Sort,
    /// 1-based.
    pub page: u32,
    /// 1 to [`MAX_PER_PAGE`].
    pub per_page: u32,
    /// Whether to count facets (the result list's side panel); skipping them saves a little time.
    pub facets: bool,
}

impl Default for SearchQuery {
    fn default() -> Self {
        Self {
            text: String::new(),
            city: None,
            county: None,
            category: None,
            poverty: None,
            statuses: StatusFilter::default(),
            min_price_fen: None,
            max_price_fen: None,
            sort: Sort::default(),
            page: 1,
            per_page: 20,
            facets: true,
        }
    }
}

impl SearchQuery {
    /// A first page of listed products matching `text`.
    pub fn text(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            ..Self::default()
        }
    }

    /// How many hits to skip before the page starts.
    pub(crate) fn offset(&self) -> usize {
        (self.page.saturating_sub(1) as usize) * self.per_page as usize
    }

    /// Checks everything but the text's syntax (which [`parse_text`] checks).
    pub(crate) fn validate(&self) -> Result<(), SearchError> {
        let chars = self.text.chars().count();
        if chars > MAX_TEXT_CHARS {
            return invalid(format!("搜索词过长：最多 {MAX_TEXT_CHARS} 个字，现在有 {chars} 个字"));
        }
        if self.page == 0 {
            return invalid("页码从 1 开始，不能是 0".into());
        }
        if self.per_page == 0 || self.per_page > MAX_PER_PAGE {
            return invalid(format!(
                "每页条数应在 1 至 {MAX_PER_PAGE} 之间，现在是 {}",
                self.per_page
            ));
        }
        if u64::from(self.page) * u64::from(self.per_page) > MAX_RESULT_WINDOW {
            return invalid(format!("只能翻看前 {MAX_RESULT_WINDOW} 条结果，请缩小搜索范围"));
        }
        if let (Some(min), Some(max)) = (self.min_price_fen, self.max_price_fen)
            && min > max
        {
            return invalid("最低价不能高于最高价".into());
        }
        Ok(())
    }
}

fn invalid<T>(message: String) -> Result<T, SearchError> {
    Err(SearchError::InvalidQuery(message))
}

/// One word or quoted phrase of the query text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct QueryTerm {
    pub text: String,
    /// Written in quotes: must appear exactly, in order.
    pub exact: bool,
    /// Written with a leading `-`: products matching it are left out.
    pub excluded: bool,
}

fn is_quote(c: char) -> bool {
    matches!(c, '"' | '“' | '”')
}

/// Splits query text into terms. Terms without a letter, digit or Chinese character are dropped.
pub(crate) fn parse_text(text: &str) -> Result<Vec<QueryTerm>, SearchError> {
    if text.chars().filter(|c| is_quote(*c)).count() % 2 == 1 {
        return invalid("引号不成对：请检查搜索词中的引号".into());
    }
    let mut terms = Vec::new();
    let mut chars = text.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
            continue;
        }
        let excluded = c == '-' || c == '－';
        if excluded {
            chars.next();
        }
        let exact = chars.peek().is_some_and(|c| is_quote(*c));
        let mut word = String::new();
        if exact {
            chars.next();
            word.extend(chars.by_ref().take_while(|c| !is_quote(*c)));
        } else {
            while let Some(&c) = chars.peek() {
                if c.is_whitespace() || is_quote(c) {
                    break;
                }
                word.push(c);
                chars.next();
            }
        }
        if word.chars().any(char::is_alphanumeric) {
            terms.push(QueryTerm {
                text: word,
                exact,
                excluded,
            });
        }
    }
    check_terms(text, &terms)?;
    Ok(terms)
}

fn check_terms(text: &str, terms: &[QueryTerm]) -> Result<(), SearchError> {
    if terms.is_empty() && !text.trim().is_empty() {
        return invalid("搜索词中没有可搜索的文字、字母或数字".into());
    }
    if !terms.is_empty() && terms.iter().all(|t| t.excluded) {
        return invalid("不能只有排除词（以“-”开头的词），请再输入至少一个要找的词".into());
    }
    Ok(())
}

/// Whether [`QueryBuilder::search`] restricts the listing status itself: when there is no text to
/// match, the status's posting list is the cheapest way to enumerate products; otherwise the status
/// is checked per match (`filter.rs`).
pub(crate) fn status_in_query(terms: &[QueryTerm]) -> bool {
    terms.iter().all(|t| t.excluded)
}

/// Builds tantivy queries against one schema.
pub(crate) struct QueryBuilder<'a> {
    pub fields: &'a Fields,
}

impl QueryBuilder<'_> {
    /// The whole search: every positive term must match, no excluded term may, and the filters hold.
    pub(crate) fn search(&self, terms: &[QueryTerm], q: &SearchQuery) -> Box<dyn Query> {
        let mut clauses = self.term_clauses(terms);
        for filter in self.filters(terms, q) {
            // Filters decide membership only; a constant 0 keeps them out of the ranking.
            clauses.push((Occur::Must, Box::new(ConstScoreQuery::new(filter, 0.0))));
        }
        self.finish(clauses)
    }

    /// The text alone, whatever the filters: every positive term must match, no excluded term may.
    /// A text search checks the filters on each match (`filter.rs`, `matches.rs`).
    pub(crate) fn text(&self, terms: &[QueryTerm]) -> Box<dyn Query> {
        self.finish(self.term_clauses(terms))
    }

    fn term_clauses(&self, terms: &[QueryTerm]) -> Vec<(Occur, Box<dyn Query>)> {
        terms
            .iter()
            .map(|term| {
                let occur = if term.excluded { Occur::MustNot } else { Occur::Must };
                (occur, self.term(term))
            })
            .collect()
    }

    /// The suggestion query: `text`'s terms against the name only, the last one as a prefix when it is
    /// pinyin still being typed; listed products only.
    pub(crate) fn suggest(&self, terms: &[QueryTerm]) -> Box<dyn Query> {
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for (i, term) in terms.iter().enumerate() {
            let occur = if term.excluded { Occur::MustNot } else { Occur::Must };
            clauses.push((occur, self.name_only(term, i + 1 == terms.len())));
        }
        let listed = self.exact(self.fields.status, ListingStatus::Listed.as_str());
        clauses.push((Occur::Must, Box::new(ConstScoreQuery::new(listed, 0.0))));
        self.finish(clauses)
    }

    fn finish(&self, mut clauses: Vec<(Occur, Box<dyn Query>)>) -> Box<dyn Query> {
        if !clauses.iter().any(|(occur, _)| *occur == Occur::Must) {
            clauses.push((Occur::Must, Box::new(ConstScoreQuery::new(Box::new(AllQuery), 0.0))));
        }
        Box::new(BooleanQuery::new(clauses))
    }

    /// One term: matches if any of its readings matches (words in any text field, characters of the
    /// name, pinyin of the name, catalogue code).
    fn term(&self, term: &QueryTerm) -> Box<dyn Query> {
        let f = self.fields;
        let mut any: Vec<Box<dyn Query>> = Vec::new();
        let words = tokenizer::query_words(&term.text);
        let word_fields = [
            (f.name, NAME_WORD_BOOST),
            (f.place, PLACE_BOOST),
            (f.supplier, SUPPLIER_BOOST),
            (f.description, DESCRIPTION_BOOST),
        ];
        for (field, boost) in word_fields {
            if let Some(q) = words_query(field, &words, term.exact) {
                any.push(boost_by(q, boost));
            }
        }
        any.extend(self.name_only_parts(term, false));
        let code = term.text.trim().to_ascii_uppercase();
        any.push(boost_by(self.exact(f.catalogue_code, &code), CODE_BOOST));
        Box::new(BooleanQuery::union(any))
    }

    /// A term matched against the name's characters and pinyin only (suggestions).
    fn name_only(&self, term: &QueryTerm, last_is_prefix: bool) -> Box<dyn Query> {
        Box::new(BooleanQuery::union(self.name_only_parts(term, last_is_prefix)))
    }

    fn name_only_parts(&self, term: &QueryTerm, last_is_prefix: bool) -> Vec<Box<dyn Query>> {
        let mut any: Vec<Box<dyn Query>> = Vec::new();
        if let Some(q) = self.substring_of_name(&term.text) {
            any.push(boost_by(q, NAME_CHARS_BOOST));
        }
        let typed = term.text.to_ascii_lowercase();
        if pinyin::is_pinyin_candidate(&typed) {
            any.extend(self.pinyin_parts(&typed, last_is_prefix));
        }
        any
    }

    /// Matches exactly the names containing `text` (ignoring spaces and punctuation): up to three
    /// characters are one term of the unigram, bigram or trigram field, more a phrase of the
    /// overlapping trigrams.
    fn substring_of_name(&self, text: &str) -> Option<Box<dyn Query>> {
        let f = self.fields;
        let chars = tokenizer::char_terms(text);
        let (field, n) = match chars.len() {
            0 => return None,
            1 => return Some(term_query(f.name_chars, &chars[0])),
            2 => (f.name_bigrams, 2),
            _ => (f.name_trigrams, 3),
        };
        let grams = tokenizer::ngram_terms(text, n);
        phrase(field, grams.iter().enumerate().map(|(i, g)| (i, g.as_str())))
    }

    /// Full pinyin in every way it splits into syllables, and the letters as initials.
    fn pinyin_parts(&self, typed: &str, last_is_prefix: bool) -> Vec<Box<dyn Query>> {
        let f = self.fields;
        let mut any: Vec<Box<dyn Query>> = Vec::new();
        for syllables in pinyin::segmentations(typed, last_is_prefix) {
            let spelled = Spelled {
                single: f.name_pinyin,
                pairs: f.name_pinyin_pairs,
                initials_only: false,
            };
            any.push(boost_by(spelled.query(&syllables, last_is_prefix), PINYIN_BOOST));
        }
        // Initials are whole letters: nothing is half-typed.
        let letters: Vec<String> = typed.chars().map(String::from).collect();
        let spelled = Spelled {
            single: f.name_initials,
            pairs: f.name_initial_pairs,
            initials_only: true,
        };
        any.push(boost_by(spelled.query(&letters, false), INITIALS_BOOST));
        any
    }

    /// The filters of `q` as queries that must all match.
    fn filters(&self, terms: &[QueryTerm], q: &SearchQuery) -> Vec<Box<dyn Query>> {
        let f = self.fields;
        let mut filters: Vec<Box<dyn Query>> = Vec::new();
        let exact_filters = [
            (f.city, q.city.as_deref()),
            (f.county, q.county.as_deref()),
            (f.category, q.category.as_deref()),
            (f.poverty, q.poverty.map(PovertyRegionKind::as_str)),
        ];
        for (field, value) in exact_filters {
            if let Some(value) = value {
                filters.push(self.exact(field, value));
            }
        }
        // Price, and the status when there is text, are checked per match (see `filter.rs`).
        if status_in_query(terms)
            && let Some(status) = q.statuses.status()
        {
            filters.push(self.exact(f.status, status.as_str()));
        }
        filters
    }

    fn exact(&self, field: Field, value: &str) -> Box<dyn Query> {
        Box::new(TermQuery::new(
            Term::from_field_text(field, value),
            IndexRecordOption::Basic,
        ))
    }
}

/// A name spelled in syllables or initials: one is a term of the single field, more a phrase of
/// adjacent pairs in the pairs field.
struct Spelled {
    single: Field,
    pairs: Field,
    initials_only: bool,
}

impl Spelled {
    /// `last_is_prefix`: the last syllable may be half-typed.
    fn query(&self, pieces: &[String], last_is_prefix: bool) -> Box<dyn Query> {
        let (field, terms): (Field, Vec<String>) = match pieces {
            [one] => (self.single, vec![one.clone()]),
            _ => {
                let pairs = pieces.windows(2);
                let terms = pairs
                    .map(|p| tokenizer::pair_term(&p[0], &p[1], self.initials_only))
                    .collect();
                (self.pairs, terms)
            }
        };
        let positioned = terms.iter().enumerate().map(|(i, t)| (i, t.as_str()));
        let query = if last_is_prefix {
            prefix_phrase(field, positioned)
        } else {
            phrase(field, positioned)
        };
        query.unwrap_or_else(|| Box::new(EmptyQuery))
    }
}

fn boost_by(query: Box<dyn Query>, boost: f32) -> Box<dyn Query> {
    Box::new(BoostQuery::new(query, boost))
}

/// Words in one field: in order and adjacent if `exact`, anywhere in the field otherwise.
fn words_query(field: Field, words: &[PositionedWord], exact: bool) -> Option<Box<dyn Query>> {
    if exact {
        return phrase(field, words.iter().map(|w| (w.position, w.text.as_str())));
    }
    let all: Vec<Box<dyn Query>> = words.iter().map(|w| term_query(field, &w.text)).collect();
    match all.len() {
        0 => None,
        1 => all.into_iter().next(),
        _ => Some(Box::new(BooleanQuery::intersection(all))),
    }
}

fn term_query(field: Field, text: &str) -> Box<dyn Query> {
    Box::new(TermQuery::new(
        Term::from_field_text(field, text),
        IndexRecordOption::WithFreqs,
    ))
}

/// Terms at their relative positions; a single term is a plain term query.
fn phrase<'t>(field: Field, terms: impl Iterator<Item = (usize, &'t str)>) -> Option<Box<dyn Query>> {
    let terms: Vec<(usize, Term)> = terms
        .map(|(pos, text)| (pos, Term::from_field_text(field, text)))
        .collect();
    match terms.len() {
        0 => None,
        1 => Some(Box::new(TermQuery::new(
            terms[0].1.clone(),
            IndexRecordOption::WithFreqs,
        ))),
        _ => Some(Box::new(PhraseQuery::new_with_offset(rebase(terms)))),
    }
}

/// Like [`phrase`], the last term matching any term it begins.
fn prefix_phrase<'t>(field: Field, terms: impl Iterator<Item = (usize, &'t str)>) -> Option<Box<dyn Query>> {
    let terms: Vec<(usize, Term)> = terms
        .map(|(pos, text)| (pos, Term::from_field_text(field, text)))
        .collect();
    if terms.is_empty() {
        return None;
    }
    let mut query = PhrasePrefixQuery::new_with_offset(rebase(terms));
    query.set_max_expansions(MAX_PREFIX_EXPANSIONS);
    Some(Box::new(query))
}

/// Makes positions relative to the first term (jieba reports them from the start of the text).
fn rebase(terms: Vec<(usize, Term)>) -> Vec<(usize, Term)> {
    let first = terms.iter().map(|(pos, _)| *pos).min().unwrap_or(0);
    terms.into_iter().map(|(pos, term)| (pos - first, term)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    fn term(text: &str, exact: bool, excluded: bool) -> QueryTerm {
        QueryTerm {
            text: text.into(),
            exact,
            excluded,
        }
    }

    #[rstest]
    #[case("洛川 苹果", vec![term("洛川", false, false), term("苹果", false, false)])]
    #[case("\"富硒茶\"", vec![term("富硒茶", true, false)])]
    #[case("“富硒 茶”", vec![term("富硒 茶", true, false)])]
    #[case("猕猴桃 -眉县", vec![term("猕猴桃", false, false), term("眉县", false, true)])]
    #[case("茶 -\"徐香\"", vec![term("茶", false, false), term("徐香", true, true)])]
    #[case("  ", vec![])]
    #[case("610124-00001", vec![term("610124-00001", false, false)])]
    fn query_text_is_split_into_terms(#[case] text: &str, #[case] expected: Vec<QueryTerm>) {
        assert_eq!(parse_text(text).unwrap(), expected);
    }

    #[rstest]
    #[case("\"富硒茶", "引号")]
    #[case("-眉县", "排除词")]
    #[case("-眉县 -\"徐香\"", "排除词")]
    #[case("，。！", "没有可搜索")]
    fn malformed_text_is_refused_with_a_reason(#[case] text: &str, #[case] reason: &str) {
        let err = parse_text(text).unwrap_err();
        assert!(
            matches!(&err, SearchError::InvalidQuery(m) if m.contains(reason)),
            "{err}"
        );
    }

    #[rstest]
    #[case(SearchQuery { page: 0, ..SearchQuery::text("茶") }, "页码")]
    #[case(SearchQuery { per_page: 101, ..SearchQuery::text("茶") }, "每页")]
    #[case(SearchQuery { per_page: 0, ..SearchQuery::text("茶") }, "每页")]
    #[case(SearchQuery { page: 1_000_000, ..SearchQuery::text("茶") }, "前 10000 条")]
    #[case(SearchQuery::text("茶".repeat(201)), "过长")]
    #[case(SearchQuery { min_price_fen: Some(500), max_price_fen: Some(100), ..SearchQuery::default() }, "最低价")]
    fn out_of_range_requests_are_refused(#[case] q: SearchQuery, #[case] reason: &str) {
        let err = q.validate().unwrap_err();
        assert!(
            matches!(&err, SearchError::InvalidQuery(m) if m.contains(reason)),
            "{err}"
        );
    }

    #[test]
    fn two_hundred_characters_are_still_fine() {
        assert!(SearchQuery::text("茶".repeat(200)).validate().is_ok());
    }
}

#[cfg(test)]
mod proptests {
    use chrono::NaiveDate;
    use proptest::prelude::*;
    use proptest::test_runner::{Config, TestCaseError, TestRunner};

    use super::*;
    use crate::domain::region;
    use crate::domain::strategies::user_text;
    use crate::search::{ProductDoc, SearchIndex};

    /// Query text as a user writes `terms`: phrases in quotes, exclusions behind `-`, spaces between.
    fn print(terms: &[QueryTerm]) -> String {
        let written: Vec<String> = terms
            .iter()
            .map(|t| {
                let body = if t.exact {
                    format!("\"{}\"", t.text)
                } else {
                    t.text.clone()
                };
                if t.excluded { format!("-{body}") } else { body }
            })
            .collect();
        written.join(" ")
    }

    fn searchable(text: &str) -> bool {
        text.chars().any(char::is_alphanumeric)
    }

    /// A word: no space or quote in it, not starting with a minus, something to search for.
    fn word() -> impl Strategy<Value = String> {
        prop_oneof![
            "[^\\s\"“”\\-－][^\\s\"“”]{0,8}",
            "[a-z]{1,12}",
            "[\u{4e00}-\u{9fa5}]{1,6}"
        ]
        .prop_filter("something to search for", |t| searchable(t))
    }

    /// A phrase: anything but a quote, spaces and control characters included.
    fn phrase() -> impl Strategy<Value = String> {
        "[^\"“”]{1,12}".prop_filter("something to search for", |t| searchable(t))
    }

    fn terms() -> impl Strategy<Value = Vec<QueryTerm>> {
        let term = (
            prop_oneof![word().prop_map(|w| (w, false)), phrase().prop_map(|p| (p, true))],
            any::<bool>(),
        )
            .prop_map(|((text, exact), excluded)| QueryTerm { text, exact, excluded });
        prop::collection::vec(term, 1..6).prop_filter("a term to find", |terms| terms.iter().any(|t| !t.excluded))
    }

    /// Text as typed into the search box: pasted anything, pieces of product names and pinyin
    /// between quotes, minus signs and punctuation, up to and past the length limit.
    fn typed_text() -> impl Strategy<Value = String> {
        let piece = prop_oneof![
            prop::sample::select(vec![
                "紫阳",
                "富硒茶",
                "洛川",
                "苹果",
                "猕猴桃",
                "luochuan",
                "lcpg",
                "zy",
                "610924-00001",
                "-",
                "－",
                "\"",
                "“",
                "”",
                " ",
                "　",
                "，",
                "SC",
                "500g",
                "x",
            ])
            .prop_map(str::to_owned),
            "[a-z]{1,20}",
            user_text(),
        ];
        prop_oneof![
            prop::collection::vec(piece, 0..12).prop_map(|p| p.concat()),
            user_text(),
            "\\PC{190,210}",
            "[a-z]{100,200}",
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn no_query_text_panics_and_its_terms_are_well_formed(text in typed_text()) {
            if let Ok(terms) = parse_text(&text) {
                for term in &terms {
                    prop_assert!(searchable(&term.text), "{:?}", term);
                    if !term.exact {
                        prop_assert!(!term.text.contains(|c: char| c.is_whitespace() || is_quote(c)), "{:?}", term);
                    }
                }
                prop_assert!(terms.is_empty() || terms.iter().any(|t| !t.excluded));
                // What was read prints as text that reads the same.
                prop_assert_eq!(parse_text(&print(&terms)).ok(), Some(terms));
            }
        }

        #[test]
        fn words_phrases_and_exclusions_survive_printing_and_parsing(terms in terms()) {
            prop_assert_eq!(parse_text(&print(&terms)).ok(), Some(terms));
        }

        #[test]
        fn a_request_is_valid_exactly_when_every_limit_holds(
            text in typed_text(),
            page in prop_oneof![0u32..=3, any::<u32>()],
            per_page in prop_oneof![0u32..=101, any::<u32>()],
            min in proptest::option::of(any::<i64>()),
            max in proptest::option::of(any::<i64>()),
        ) {
            let q = SearchQuery { text: text.clone(), page, per_page, min_price_fen: min, max_price_fen: max, ..SearchQuery::default() };
            let valid = text.chars().count() <= MAX_TEXT_CHARS
                && page >= 1
                && (1..=MAX_PER_PAGE).contains(&per_page)
                && u64::from(page) * u64::from(per_page) <= MAX_RESULT_WINDOW
                && !matches!((min, max), (Some(min), Some(max)) if min > max);
            prop_assert_eq!(q.validate().is_ok(), valid);
            if valid {
                prop_assert!(q.offset() < MAX_RESULT_WINDOW as usize);
            }
        }
    }

    fn product(id: i32, name: &str, county: &str, price_fen: i64) -> ProductDoc {
        let county = region::county(county).expect("a county from the table");
        ProductDoc {
            id,
            catalogue_code: format!("{}-{id:05}", county.code),
            name: name.to_owned(),
            description: format!("{}出产的{name}，富含硒元素。", county.name),
            supplier_name: format!("{}示例农业专业合作社", county.name),
            county_code: county.code.to_owned(),
            county_name: county.name.to_owned(),
            city_code: county.city_code.to_owned(),
            city_name: county.city_name.to_owned(),
            category: "茶叶".to_owned(),
            poverty_region_kind: PovertyRegionKind::PovertyCounty,
            listing_status: if id % 3 == 0 {
                ListingStatus::Suspended
            } else {
                ListingStatus::Listed
            },
            unit_price_fen: price_fen,
            listed_at: NaiveDate::from_ymd_opt(2024, 3, id as u32)
                .unwrap()
                .and_hms_opt(8, 0, 0)
                .unwrap(),
            thumbnail: None,
        }
    }

    /// Whatever the text and the filters, a search answers or says what is wrong with the
    /// request; it never panics, and neither does a suggestion.
    #[test]
    fn any_search_of_a_small_catalogue_answers_or_refuses() {
        let index = SearchIndex::in_memory().unwrap();
        let products = [
            product(1, "紫阳富硒茶", "610924", 12_800),
            product(2, "洛川红富士苹果", "610629", 8_800),
            product(3, "周至猕猴桃（SC认证 500g×2）", "610124", 5_800),
            product(4, "A-1 特级“翠峰”绿茶", "610924", 0),
        ];
        index.rebuild(products.into_iter(), |_| {}).unwrap();
        assert_eq!(
            index.search(&SearchQuery::text("富硒茶")).unwrap().total,
            1,
            "the catalogue is searchable"
        );
        let query = (
            typed_text(),
            proptest::option::of(prop::sample::select(vec!["610900", "610600", "999999"])),
            proptest::option::of(prop::sample::select(vec!["610924", "610124", "610100"])),
            prop::sample::select(vec![
                StatusFilter::ListedOnly,
                StatusFilter::All,
                StatusFilter::Only(ListingStatus::Suspended),
            ]),
            proptest::option::of(0i64..20_000),
            proptest::option::of(0i64..20_000),
            prop::sample::select(vec![Sort::Relevance, Sort::PriceAsc, Sort::PriceDesc, Sort::Newest]),
            1u32..=3,
            1u32..=MAX_PER_PAGE,
        );
        let mut runner = TestRunner::new(Config {
            cases: 128,
            ..Config::default()
        });
        runner
            .run(
                &query,
                |(text, city, county, statuses, min, max, sort, page, per_page)| {
                    let q = SearchQuery {
                        text: text.clone(),
                        city: city.map(str::to_owned),
                        county: county.map(str::to_owned),
                        statuses,
                        min_price_fen: min,
                        max_price_fen: max,
                        sort,
                        page,
                        per_page,
                        ..SearchQuery::default()
                    };
                    match index.search(&q) {
                        Ok(results) => {
                            prop_assert!(results.hits.len() <= per_page as usize);
                            prop_assert!(results.total <= 4);
                        }
                        Err(SearchError::InvalidQuery(_)) => {}
                        Err(other) => return Err(TestCaseError::fail(format!("{text:?}: {other}"))),
                    }
                    prop_assert!(index.suggest(&text, 10).len() <= 10);
                    Ok(())
                },
            )
            .unwrap();
    }
}
