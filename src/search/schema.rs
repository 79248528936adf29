//! The index schema. Change anything here (a field, a tokenizer, what a tokenizer emits) and bump
//! [`SCHEMA_VERSION`]: an index written by another version is wiped and rebuilt on open.

use tantivy::schema::{
    FAST, Field, INDEXED, IndexRecordOption, NumericOptions, STORED, STRING, Schema, TextFieldIndexing, TextOptions,
};

use super::tokenizer;

/// Version of the schema and of the tokenizers; stored beside the index in [`VERSION_FILE`].
pub const SCHEMA_VERSION: u32 = 5;

/// The marker file holding the schema version the index directory was written with.
pub(crate) const VERSION_FILE: &str = "fupin_search_schema_version";

/// Names of the string fast fields that facets count, in [`super::Facets`] order.
pub(crate) const CITY: &str = "city_code";
pub(crate) const COUNTY: &str = "county_code";
pub(crate) const CATEGORY: &str = "category";
pub(crate) const POVERTY: &str = "poverty";
pub(crate) const STATUS: &str = "status";
pub(crate) const PRICE: &str = "unit_price_fen";
pub(crate) const LISTED_AT: &str = "listed_at";
pub(crate) const ID: &str = "id";

/// Handles of every field, looked up once.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Fields {
    pub id: Field,
    pub catalogue_code: Field,
    pub name: Field,
    pub name_chars: Field,
    pub name_bigrams: Field,
    pub name_trigrams: Field,
    pub name_pinyin: Field,
    pub name_pinyin_pairs: Field,
    pub name_initials: Field,
    pub name_initial_pairs: Field,
    pub description: Field,
    pub supplier: Field,
    /// County and city names, so 眉县 or 宝鸡 typed as text finds the region's products.
    pub place: Field,
    /// Stored only: a hit carries everything a result list shows, so listing needs no database read.
    pub county_name: Field,
    pub city_name: Field,
    /// The path (under /media/) of the thumbnail of the product's first photo; absent without one.
    pub thumbnail: Field,
    pub city: Field,
    pub county: Field,
    pub category: Field,
    pub poverty: Field,
    pub status: Field,
    pub price: Field,
    pub listed_at: Field,
}

/// Text analysed by `tokenizer` with positions (for phrases); `stored` if snippets need the text.
fn text(tokenizer: &str, stored: bool) -> TextOptions {
    text_with(tokenizer, stored, IndexRecordOption::WithFreqsAndPositions)
}

fn text_with(tokenizer: &str, stored: bool, record: IndexRecordOption) -> TextOptions {
    let indexing = TextFieldIndexing::default()
        .set_tokenizer(tokenizer)
        .set_index_option(record);
    let options = TextOptions::default().set_indexing_options(indexing);
    if stored { options.set_stored() } else { options }
}

pub(crate) fn build() -> (Schema, Fields) {
    let mut b = Schema::builder();
    // Only text is stored: codes, status, price and dates are read from the per-segment columns
    // (`columns.rs`), which a search has at hand anyway, so fetching a hit decodes less.
    let id_options = NumericOptions::default().set_indexed().set_fast();
    let fields = Fields {
        id: b.add_i64_field(ID, id_options),
        catalogue_code: b.add_text_field("catalogue_code", STRING | STORED),
        name: b.add_text_field("name", text(tokenizer::WORDS, true)),
        // Single characters and pairs are only ever looked up alone (longer strings use trigrams):
        // no positions.
        name_chars: b.add_text_field(
            "name_chars",
            text_with(tokenizer::CHARS, false, IndexRecordOption::WithFreqs),
        ),
        name_bigrams: b.add_text_field(
            "name_bigrams",
            text_with(tokenizer::BIGRAMS, false, IndexRecordOption::WithFreqs),
        ),
        name_trigrams: b.add_text_field("name_trigrams", text(tokenizer::TRIGRAMS, false)),
        // Like characters and bigrams: single syllables/initials alone, pairs in phrases.
        name_pinyin: b.add_text_field(
            "name_pinyin",
            text_with(tokenizer::PINYIN, false, IndexRecordOption::WithFreqs),
        ),
        name_pinyin_pairs: b.add_text_field("name_pinyin_pairs", text(tokenizer::PINYIN_PAIRS, false)),
        name_initials: b.add_text_field(
            "name_initials",
            text_with(tokenizer::INITIALS, false, IndexRecordOption::WithFreqs),
        ),
        name_initial_pairs: b.add_text_field("name_initial_pairs", text(tokenizer::INITIAL_PAIRS, false)),
        description: b.add_text_field("description", text(tokenizer::WORDS, true)),
        supplier: b.add_text_field("supplier_name", text(tokenizer::WORDS, true)),
        place: b.add_text_field("place", text(tokenizer::WORDS, false)),
        county_name: b.add_text_field("county_name", STORED),
        city_name: b.add_text_field("city_name", STORED),
        thumbnail: b.add_text_field("thumbnail", STORED),
        city: b.add_text_field(CITY, STRING | FAST),
        county: b.add_text_field(COUNTY, STRING | FAST),
        category: b.add_text_field(CATEGORY, STRING | FAST),
        poverty: b.add_text_field(POVERTY, STRING | FAST),
        status: b.add_text_field(STATUS, STRING | FAST),
        price: b.add_i64_field(PRICE, INDEXED | FAST),
        listed_at: b.add_i64_field(LISTED_AT, FAST),
    };
    (b.build(), fields)
}
