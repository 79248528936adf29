//! How text becomes index terms.
//!
//! - `zh_words`: jieba in search mode (compounds and their dictionary parts, so 富硒茶 is indexed as
//!   富硒茶 and 富硒), lower-cased. Used for name, description, supplier and place.
//! - `zh_chars` / `zh_bigrams` / `zh_trigrams`: one term per Chinese character (and per run of Latin
//!   letters or digits), per adjacent pair and per adjacent three of those, on the name only, so any
//!   substring of a name can be found whatever jieba made of it: up to three characters are one
//!   term, more a phrase of trigrams. Queries are mostly words of two or three characters, which so
//!   need no position checks (a phrase of bigrams for 猕猴桃 was a tenth of a search's time).
//! - `zh_pinyin` / `zh_initials`: every reading, or every reading's first letter, of each character
//!   of the name; `zh_pinyin_pairs` / `zh_initial_pairs`: the same for each adjacent pair of
//!   characters (`luo'chuan`, `lc`), so typed pinyin is a phrase of pairs, selective where a phrase
//!   of single syllables or letters would check positions in most of the index.
//!
//! Queries are cut with the same functions, so query terms and index terms always agree.

use tantivy::Index;
use tantivy::tokenizer::{LowerCaser, RemoveLongFilter, TextAnalyzer, Token, TokenStream, Tokenizer};
use tantivy_jieba::JiebaTokenizer;

use super::pinyin;

pub(crate) const WORDS: &str = "zh_words";
pub(crate) const CHARS: &str = "zh_chars";
pub(crate) const BIGRAMS: &str = "zh_bigrams";
pub(crate) const TRIGRAMS: &str = "zh_trigrams";
pub(crate) const PINYIN: &str = "zh_pinyin";
pub(crate) const INITIALS: &str = "zh_initials";
pub(crate) const PINYIN_PAIRS: &str = "zh_pinyin_pairs";
pub(crate) const INITIAL_PAIRS: &str = "zh_initial_pairs";

/// Longer "words" are base64 blobs or URLs pasted into a description, not something anyone searches.
const LONGEST_WORD_BYTES: usize = 60;

/// Registers the analyzers the schema names with `index`.
pub(crate) fn register(index: &Index) {
    let manager = index.tokenizers();
    manager.register(WORDS, words_analyzer());
    manager.register(CHARS, CharTokenizer { n: 1 });
    manager.register(BIGRAMS, CharTokenizer { n: 2 });
    manager.register(TRIGRAMS, CharTokenizer { n: 3 });
    for name in [PINYIN, INITIALS, PINYIN_PAIRS, INITIAL_PAIRS] {
        manager.register(name, PinyinTokenizer::named(name));
    }
}

fn words_analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(JiebaTokenizer::with_search_mode(true))
        .filter(RemoveLongFilter::limit(LONGEST_WORD_BYTES))
        .filter(LowerCaser)
        .build()
}

/// A query word with its position in characters from the start of the query text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PositionedWord {
    pub position: usize,
    pub text: String,
}

/// The words of a query as jieba cuts them in default mode (the whole words the user typed; the
/// index holds their parts anyway), lower-cased, without punctuation or spaces. It shares the
/// index tokenizer's global jieba, so the dictionary is loaded once.
pub(crate) fn query_words(text: &str) -> Vec<PositionedWord> {
    let mut analyzer = TextAnalyzer::builder(JiebaTokenizer::with_search_mode(false))
        .filter(LowerCaser)
        .build();
    let mut stream = analyzer.token_stream(text);
    let mut words = Vec::new();
    while let Some(token) = stream.next() {
        if token.text.chars().any(char::is_alphanumeric) {
            words.push(PositionedWord {
                position: token.position,
                text: token.text.clone(),
            });
        }
    }
    words
}

/// The single-character terms of `text`, as the `zh_chars` field indexes them.
pub(crate) fn char_terms(text: &str) -> Vec<String> {
    ngram_terms(text, 1)
}

/// The terms of `n` adjacent characters of `text`, as the `zh_chars` (1), `zh_bigrams` (2) and
/// `zh_trigrams` (3) fields index them.
pub(crate) fn ngram_terms(text: &str, n: usize) -> Vec<String> {
    ngram_tokens(text, n).into_iter().map(|token| token.text).collect()
}

/// Forces jieba's dictionary to load now rather than inside the first search.
pub(crate) fn warm_up() {
    let _ = query_words("预热");
}

/// One token per Chinese character, one per run of ASCII letters or digits (lower-cased); spaces and
/// punctuation are dropped. Positions count tokens, so a phrase of characters is a substring. With
/// `n` above 1, each token is `n` adjacent ones of those instead.
#[derive(Clone)]
pub(crate) struct CharTokenizer {
    n: usize,
}

fn ngram_tokens(text: &str, n: usize) -> Vec<Token> {
    let chars = char_tokens(text);
    if n <= 1 {
        return chars;
    }
    chars
        .windows(n)
        .enumerate()
        .map(|(position, gram)| Token {
            offset_from: gram[0].offset_from,
            offset_to: gram[n - 1].offset_to,
            position,
            text: gram.iter().map(|token| token.text.as_str()).collect(),
            position_length: 1,
        })
        .collect()
}

fn char_tokens(text: &str) -> Vec<Token> {
    let mut tokens: Vec<Token> = Vec::new();
    let mut ascii_run: Option<usize> = None;
    for (offset, c) in text.char_indices() {
        if c.is_ascii_alphanumeric() {
            ascii_run.get_or_insert(offset);
            continue;
        }
        if let Some(start) = ascii_run.take() {
            push_token(&mut tokens, start, offset, text[start..offset].to_ascii_lowercase());
        }
        if c.is_alphanumeric() {
            push_token(&mut tokens, offset, offset + c.len_utf8(), c.to_string());
        }
    }
    if let Some(start) = ascii_run {
        push_token(&mut tokens, start, text.len(), text[start..].to_ascii_lowercase());
    }
    tokens
}

fn push_token(tokens: &mut Vec<Token>, from: usize, to: usize, term: String) {
    tokens.push(Token {
        offset_from: from,
        offset_to: to,
        position: tokens.len(),
        text: term,
        position_length: 1,
    });
}

impl Tokenizer for CharTokenizer {
    type TokenStream<'a> = VecTokenStream;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> VecTokenStream {
        VecTokenStream::new(ngram_tokens(text, self.n))
    }
}

/// Every reading (or reading initial) of each character that has pinyin, all readings of one
/// character at the same position; with `pairs`, every combination for each adjacent pair.
#[derive(Clone)]
pub(crate) struct PinyinTokenizer {
    initials_only: bool,
    pairs: bool,
}

impl PinyinTokenizer {
    fn named(name: &str) -> Self {
        Self {
            initials_only: name == INITIALS || name == INITIAL_PAIRS,
            pairs: name == PINYIN_PAIRS || name == INITIAL_PAIRS,
        }
    }
}

/// The term for two adjacent syllables (`luo'chuan`: the apostrophe keeps `xi'an` apart from
/// `xian`) or two initials (`lc`).
pub(crate) fn pair_term(first: &str, second: &str, initials_only: bool) -> String {
    if initials_only {
        format!("{first}{second}")
    } else {
        format!("{first}'{second}")
    }
}

/// The characters of `text` that have pinyin, with their byte ranges and readings (or initials).
fn spelled_chars(text: &str, initials_only: bool) -> Vec<(usize, usize, Vec<String>)> {
    text.char_indices()
        .map(|(offset, c)| {
            let terms = if initials_only {
                pinyin::initials(c)
            } else {
                pinyin::readings(c)
            };
            (offset, offset + c.len_utf8(), terms)
        })
        .filter(|(_, _, terms)| !terms.is_empty())
        .collect()
}

fn pinyin_tokens(text: &str, initials_only: bool, pairs: bool) -> Vec<Token> {
    let chars = spelled_chars(text, initials_only);
    let mut tokens = Vec::new();
    let token = |position: usize, from: usize, to: usize, text: String| Token {
        offset_from: from,
        offset_to: to,
        position,
        text,
        position_length: 1,
    };
    if !pairs {
        for (position, (from, to, terms)) in chars.into_iter().enumerate() {
            tokens.extend(terms.into_iter().map(|t| token(position, from, to, t)));
        }
        return tokens;
    }
    for (position, pair) in chars.windows(2).enumerate() {
        let ((from, _, firsts), (_, to, seconds)) = (&pair[0], &pair[1]);
        for first in firsts {
            for second in seconds {
                tokens.push(token(position, *from, *to, pair_term(first, second, initials_only)));
            }
        }
    }
    tokens
}

impl Tokenizer for PinyinTokenizer {
    type TokenStream<'a> = VecTokenStream;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> VecTokenStream {
        VecTokenStream::new(pinyin_tokens(text, self.initials_only, self.pairs))
    }
}

/// A token stream over tokens computed up front (names are short, so this costs nothing).
pub(crate) struct VecTokenStream {
    tokens: Vec<Token>,
    /// Index of the current token plus one; 0 before the first `advance`.
    next: usize,
}

impl VecTokenStream {
    fn new(tokens: Vec<Token>) -> Self {
        Self { tokens, next: 0 }
    }
}

impl TokenStream for VecTokenStream {
    fn advance(&mut self) -> bool {
        if self.next < self.tokens.len() {
            self.next += 1;
            true
        } else {
            false
        }
    }

    fn token(&self) -> &Token {
        &self.tokens[self.next.saturating_sub(1)]
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.tokens[self.next.saturating_sub(1)]
    }
}

/// The analyzer for a field kind, for the snippet generator (which must cut text as the index did).
pub(crate) fn analyzer(name: &str) -> TextAnalyzer {
    match name {
        CHARS => TextAnalyzer::from(CharTokenizer { n: 1 }),
        BIGRAMS => TextAnalyzer::from(CharTokenizer { n: 2 }),
        TRIGRAMS => TextAnalyzer::from(CharTokenizer { n: 3 }),
        PINYIN | INITIALS | PINYIN_PAIRS | INITIAL_PAIRS => TextAnalyzer::from(PinyinTokenizer::named(name)),
        _ => words_analyzer(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn terms(mut analyzer: TextAnalyzer, text: &str) -> Vec<(usize, String)> {
        let mut stream = analyzer.token_stream(text);
        let mut out = Vec::new();
        while let Some(token) = stream.next() {
            out.push((token.position, token.text.clone()));
        }
        out
    }

    #[test]
    fn chars_are_single_characters_and_latin_runs() {
        let got = terms(analyzer(CHARS), "紫阳 富硒茶500G，特级");
        let texts: Vec<&str> = got.iter().map(|(_, t)| t.as_str()).collect();
        assert_eq!(texts, ["紫", "阳", "富", "硒", "茶", "500g", "特", "级"]);
        assert_eq!(got.last().unwrap().0, 7, "positions count tokens");
        let pairs = terms(analyzer(BIGRAMS), "紫阳 富硒");
        assert_eq!(pairs, [(0, "紫阳".into()), (1, "阳富".into()), (2, "富硒".into())]);
        let threes = terms(analyzer(TRIGRAMS), "紫阳 富硒茶");
        assert_eq!(
            threes,
            [(0, "紫阳富".into()), (1, "阳富硒".into()), (2, "富硒茶".into())]
        );
        assert!(terms(analyzer(TRIGRAMS), "紫阳").is_empty());
    }

    #[test]
    fn pinyin_puts_every_reading_of_a_character_at_one_position() {
        let got = terms(analyzer(PINYIN), "柞水木耳");
        assert!(got.contains(&(0, "zha".into())) && got.contains(&(0, "zuo".into())));
        assert!(got.contains(&(1, "shui".into())) && got.contains(&(3, "er".into())));
        let initials = terms(analyzer(INITIALS), "洛川苹果");
        for expected in [(0, "l".into()), (1, "c".into()), (2, "p".into()), (3, "g".into())] {
            assert!(initials.contains(&expected), "{initials:?}");
        }
        let pairs = terms(analyzer(PINYIN_PAIRS), "洛川苹果");
        assert!(
            pairs.contains(&(0, "luo'chuan".into())) && pairs.contains(&(2, "ping'guo".into())),
            "{pairs:?}"
        );
        let initial_pairs = terms(analyzer(INITIAL_PAIRS), "洛川苹果");
        assert!(initial_pairs.contains(&(1, "cp".into())), "{initial_pairs:?}");
    }

    #[test]
    fn search_mode_indexes_the_parts_of_compounds() {
        let got = terms(analyzer(WORDS), "眉县徐香猕猴桃");
        let texts: Vec<&str> = got.iter().map(|(_, t)| t.as_str()).collect();
        assert!(texts.contains(&"猕猴桃"), "{texts:?}");
    }

    #[test]
    fn query_words_drop_punctuation_and_lower_case() {
        let words: Vec<String> = query_words("洛川，苹果 ABC").into_iter().map(|w| w.text).collect();
        assert_eq!(words, ["洛川", "苹果", "abc"]);
    }
}
