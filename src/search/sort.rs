//! The top of the matches by a key: relevance, or price or listing time read from the plain
//! per-segment columns (see `columns.rs`) rather than tantivy's bit-packed ones.
//!
//! Ties keep index order (segment, then document), so pages do not overlap or skip.

use tantivy::DocId;

use super::columns::SegmentColumns;

/// A column a result list may be ordered by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SortColumn {
    Price,
    ListedAt,
}

impl SortColumn {
    pub(crate) fn values(self, columns: &SegmentColumns) -> &[i64] {
        match self {
            Self::Price => &columns.price,
            Self::ListedAt => &columns.listed_at,
        }
    }
}

/// Maps a value to a key whose ascending order is the order asked for.
pub(crate) fn rank(value: i64, descending: bool) -> u64 {
    // Flipping the sign bit makes unsigned order agree with signed order.
    let ascending = (value as u64) ^ (1 << 63);
    if descending { !ascending } else { ascending }
}

/// Maps a relevance score to a key whose ascending order is best first.
pub(crate) fn score_rank(score: f32) -> u64 {
    // IEEE 754 bits order like the numbers once negative ones are inverted and positive ones get
    // the sign bit; scores are finite. Inverted, the best score has the smallest key.
    let bits = score.to_bits();
    let ascending = if bits >> 31 == 0 { bits | 1 << 31 } else { !bits };
    !u64::from(ascending) & 0xffff_ffff
}

/// The score whose [`score_rank`] is `key`.
pub(crate) fn score_of_rank(key: u64) -> f32 {
    let ascending = !(key as u32);
    let bits = if ascending >> 31 == 1 {
        ascending & !(1 << 31)
    } else {
        !ascending
    };
    f32::from_bits(bits)
}

/// One segment's best `wanted` documents so far by a key (smaller is better; on a tie the earlier
/// document). Documents must be offered in ascending order.
pub(crate) struct TopKeys {
    wanted: usize,
    /// Candidates as (key, document); trimmed to the best `wanted` when it reaches twice that.
    best: Vec<(u64, DocId)>,
    /// The worst key kept at the last trim: a later document with a key no better cannot get in
    /// (documents arrive in ascending order, so on a tie the earlier one wins).
    threshold: Option<u64>,
}

impl TopKeys {
    pub(crate) fn new(wanted: usize) -> Self {
        Self {
            wanted,
            best: Vec::with_capacity(wanted.saturating_mul(2).min(1 << 16)),
            threshold: None,
        }
    }

    #[inline]
    pub(crate) fn offer(&mut self, key: u64, doc: DocId) {
        if self.threshold.is_some_and(|worst| key >= worst) {
            return;
        }
        self.best.push((key, doc));
        if self.best.len() >= self.wanted.saturating_mul(2).max(1) {
            self.trim();
        }
    }

    fn trim(&mut self) {
        if self.wanted == 0 {
            self.best.clear();
            self.threshold = Some(0);
            return;
        }
        if self.best.len() > self.wanted {
            self.best.select_nth_unstable(self.wanted - 1);
            self.best.truncate(self.wanted);
        }
        if self.best.len() == self.wanted {
            self.threshold = self.best.iter().map(|(key, _)| *key).max();
        }
    }

    /// The best `wanted`, best first.
    pub(crate) fn into_sorted(mut self) -> Vec<(u64, DocId)> {
        self.trim();
        self.best.sort_unstable();
        self.best
    }
}

#[cfg(test)]
mod tests {
    use super::{TopKeys, rank, score_of_rank, score_rank};
    use rstest::rstest;

    #[rstest]
    #[case(0.0, 0.5)]
    #[case(0.5, 12.75)]
    #[case(-1.0, 0.0)]
    #[case(3.0, 1e9)]
    fn a_better_score_ranks_first_and_comes_back_unchanged(#[case] worse: f32, #[case] better: f32) {
        assert!(score_rank(better) < score_rank(worse));
        for score in [worse, better] {
            assert_eq!(score_of_rank(score_rank(score)), score);
        }
    }

    #[test]
    fn top_keys_keep_the_best_with_earlier_documents_winning_ties() {
        let mut top = TopKeys::new(3);
        for (doc, key) in [5, 1, 9, 1, 7, 0, 1, 3].into_iter().enumerate() {
            top.offer(key, doc as u32);
        }
        assert_eq!(top.into_sorted(), [(0, 5), (1, 1), (1, 3)]);
    }

    #[rstest]
    #[case(-5, 3)]
    #[case(0, 1)]
    #[case(i64::MIN, i64::MAX)]
    #[case(99, 100)]
    fn rank_orders_like_the_values_and_reverses_when_descending(#[case] low: i64, #[case] high: i64) {
        assert!(rank(low, false) < rank(high, false));
        assert!(rank(low, true) > rank(high, true));
    }
}
