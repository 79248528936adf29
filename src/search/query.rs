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
