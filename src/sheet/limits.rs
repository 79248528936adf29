//! How much of an uploaded file we are willing to read, and the grid built within those bounds.
//!
//! An .xlsx of 5 KB can declare a sheet of a million rows, hold one cell at XFD1048576 or inflate to
//! gigabytes of whitespace. Every reader checks each cell against the form's rows and columns before
//! storing it, and the archive against the byte limits below before anything is inflated, so memory
//! and time stay bounded whatever the file holds.

use super::read::{Cell, Grid};
use super::{MAX_SHEET_COLUMNS, MAX_SHEET_ROWS, SheetError};

/// Excel's own limit for one cell; longer text cannot have been typed or pasted into Excel.
pub const MAX_CELL_CHARS: usize = 32_767;

/// All the text stored in the grid. A full form of 20,000 rows holds about 10 MB.
pub const MAX_GRID_TEXT_BYTES: usize = 32 * 1024 * 1024;

/// Parts in one zip archive: Excel writes about a dozen, plus one per sheet and picture.
pub const MAX_ZIP_ENTRIES: usize = 500;

/// Inflated size of any one part (a sheet's XML, an .ods content.xml).
pub const MAX_ZIP_ENTRY_BYTES: u64 = 48 * 1024 * 1024;

/// Inflated size of the shared strings, which calamine keeps in memory for the whole read.
pub const MAX_SHARED_STRINGS_BYTES: u64 = 24 * 1024 * 1024;

/// Inflated size of all the parts together.
pub const MAX_UNZIPPED_BYTES: u64 = 64 * 1024 * 1024;

/// Spreadsheet XML deflates to a tenth or a fiftieth of its size; a part that inflates more than
/// this many times over is built to exhaust memory. Small parts are let through at any ratio.
pub const MAX_COMPRESSION_RATIO: u64 = 200;
pub const RATIO_CHECKED_FROM_BYTES: u64 = 1024 * 1024;

/// Distinct strings a sheet can use: one per cell of the largest form.
pub const MAX_SHARED_STRINGS: u64 = (MAX_SHEET_ROWS * MAX_SHEET_COLUMNS) as u64;

/// Why a file is refused, before the file name is known to the message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// 0-based row and column of a cell with content outside the form.
    Outside {
        row: u64,
        col: u64,
    },
    Oversized(String),
}

impl Refusal {
    pub fn into_error(self, filename: &str) -> SheetError {
        match self {
            Refusal::Outside { row, col } => SheetError::CellOutsideForm {
                row: row + 1,
                column: column_letters(col),
            },
            Refusal::Oversized(reason) => SheetError::Oversized {
                filename: filename.to_owned(),
                reason,
            },
        }
    }
}

/// Excel's letters for a 0-based column: 0 → A, 25 → Z, 26 → AA, 16383 → XFD.
pub fn column_letters(col: u64) -> String {
    let mut n = col + 1;
    let mut letters = Vec::new();
    while n > 0 {
        let rem = ((n - 1) % 26) as u8;
        letters.push(b'A' + rem);
        n = (n - 1) / 26;
    }
    letters.reverse();
    String::from_utf8(letters).expect("ASCII letters")
}

pub fn mb(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / (1024.0 * 1024.0))
}

/// Whether a cell at this 0-based position could be part of the form.
pub fn inside_form(row: u64, col: u64) -> bool {
    row < MAX_SHEET_ROWS as u64 && col < MAX_SHEET_COLUMNS as u64
}

/// Collects cells by position, refusing content outside the form and over the text limits
/// before storing it. Built into the same grid calamine's used range gave: from the first to the
/// last row and column holding anything other than an empty cell.
#[derive(Default)]
pub struct GridBuilder {
    /// Indexed by 0-based sheet row and column; grown only as far as the cells seen.
    rows: Vec<Vec<Cell>>,
    /// First row, first column, last row, last column of the cells stored.
    used: Option<(usize, usize, usize, usize)>,
    text_bytes: usize,
    has_content: bool,
}

impl GridBuilder {
    /// Checks a cell of text before it is copied: within the form, no longer than Excel allows,
    /// within the total. Returns false when there is nothing to store (blank text outside the
    /// form, which nobody can see and nothing reads).
    pub fn admit_text(&mut self, row: u32, col: u32, text: &str) -> Result<bool, Refusal> {
        let blank = text.trim().is_empty();
        if !inside_form(row.into(), col.into()) {
            return if blank {
                Ok(false)
            } else {
                Err(Refusal::Outside {
                    row: row.into(),
                    col: col.into(),
                })
            };
        }
        if text.len() > MAX_CELL_CHARS {
            let chars = text.chars().count();
            if chars > MAX_CELL_CHARS {
                return Err(Refusal::Oversized(format!(
                    "第 {} 行第 {} 列的内容有 {chars} 个字符，一个单元格最多 {MAX_CELL_CHARS} 个字符",
                    u64::from(row) + 1,
                    column_letters(col.into())
                )));
            }
        }
        self.text_bytes += text.len();
        if self.text_bytes > MAX_GRID_TEXT_BYTES {
            return Err(Refusal::Oversized(format!(
                "读到第 {} 行时，表格中的文字已超过 {}",
                u64::from(row) + 1,
                mb(MAX_GRID_TEXT_BYTES as u64)
            )));
        }
        Ok(true)
    }

    /// Stores a cell. Text must have been admitted first; anything else is checked here.
    pub fn put(&mut self, row: u32, col: u32, cell: Cell) -> Result<(), Refusal> {
        if matches!(cell, Cell::Empty) {
            return Ok(());
        }
        if !inside_form(row.into(), col.into()) {
            if cell.is_empty() {
                return Ok(());
            }
            return Err(Refusal::Outside {
                row: row.into(),
                col: col.into(),
            });
        }
        if let Cell::Error(e) = &cell {
            self.admit_text(row, col, e)?;
        }
        let (r, c) = (row as usize, col as usize);
        self.has_content |= !cell.is_empty();
        self.used = Some(match self.used {
            None => (r, c, r, c),
            Some((r0, c0, r1, c1)) => (r0.min(r), c0.min(c), r1.max(r), c1.max(c)),
        });
        if self.rows.len() <= r {
            self.rows.resize_with(r + 1, Vec::new);
        }
        let cells = &mut self.rows[r];
        if cells.len() <= c {
            cells.resize(c + 1, Cell::Empty);
        }
        cells[c] = cell;
        Ok(())
    }

    /// Whether any cell holds something other than blank text.
    pub fn has_content(&self) -> bool {
        self.has_content
    }

    pub fn finish(self, warnings: Vec<String>) -> Grid {
        let Some((r0, c0, r1, c1)) = self.used else {
            return Grid {
                rows: Vec::new(),
                first_row: 1,
                warnings,
            };
        };
        let width = c1 - c0 + 1;
        let rows = self
            .rows
            .into_iter()
            .skip(r0)
            .take(r1 - r0 + 1)
            .map(|cells| {
                let mut row: Vec<Cell> = cells.into_iter().skip(c0).collect();
                row.resize(width, Cell::Empty);
                row
            })
            .collect();
        Grid {
            rows,
            first_row: r0 as u32 + 1,
            warnings,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[rstest]
    #[case(0, "A")]
    #[case(25, "Z")]
    #[case(26, "AA")]
    #[case(63, "BL")]
    #[case(701, "ZZ")]
    #[case(702, "AAA")]
    #[case(16_383, "XFD")]
    fn columns_are_named_as_excel_names_them(#[case] col: u64, #[case] letters: &str) {
        assert_eq!(column_letters(col), letters);
    }

    #[test]
    fn content_outside_the_form_is_refused_and_blank_text_there_ignored() {
        let mut grid = GridBuilder::default();
        assert_eq!(grid.admit_text(1_048_575, 0, "   "), Ok(false));
        assert_eq!(
            grid.put(1_048_575, 16_383, Cell::Number(1.0)),
            Err(Refusal::Outside {
                row: 1_048_575,
                col: 16_383
            })
        );
        assert_eq!(grid.put(0, MAX_SHEET_COLUMNS as u32, Cell::Empty), Ok(()));
        assert!(!grid.has_content());
    }

    #[test]
    fn the_grid_spans_the_used_cells_only() {
        let mut grid = GridBuilder::default();
        grid.put(4, 3, Cell::Number(1.0)).unwrap();
        grid.put(2, 5, Cell::Text(" ".into())).unwrap();
        let grid = grid.finish(Vec::new());
        assert_eq!(grid.first_row, 3);
        assert_eq!(grid.rows.len(), 3);
        assert!(grid.rows.iter().all(|r| r.len() == 3));
        assert_eq!(grid.rows[2][0], Cell::Number(1.0));
    }
}
