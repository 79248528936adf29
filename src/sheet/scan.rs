//! Looks inside an uploaded workbook before calamine reads it, for what calamine would turn into
//! gigabytes: a zip whose parts inflate far past their size, a shared-string count reserved up
//! front, an .ods row repeated a million times, an .xls cell at row 65,536 that calamine would
//! fill a dense grid up to. Each check reads the file as a stream and stores nothing but counters.

use std::io::{Cursor, Read};

use quick_xml::Reader as XmlReader;
use quick_xml::events::{BytesStart, Event};
use zip::ZipArchive;

use super::limits::{
    MAX_COMPRESSION_RATIO, MAX_GRID_TEXT_BYTES, MAX_SHARED_STRINGS, MAX_SHARED_STRINGS_BYTES, MAX_UNZIPPED_BYTES,
    MAX_ZIP_ENTRIES, MAX_ZIP_ENTRY_BYTES, RATIO_CHECKED_FROM_BYTES, Refusal, inside_form, mb,
};
use super::{MAX_SHEET_COLUMNS, MAX_SHEET_ROWS};

/// What a zip upload holds, as far as we read it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ZipKind {
    Xlsx,
    Ods,
    Other,
}

/// A refusal, or a file we cannot read at all (its reason for the user).
#[derive(Debug)]
pub enum ScanError {
    Refused(Refusal),
    Unreadable(String),
}

impl From<Refusal> for ScanError {
    fn from(r: Refusal) -> Self {
        ScanError::Refused(r)
    }
}

fn oversized(reason: String) -> ScanError {
    ScanError::Refused(Refusal::Oversized(reason))
}

/// Checks the central directory (number of parts, declared sizes, compression ratios), then
/// inflates every part into nothing, counting, so that a size the directory lies about is caught
/// too, and finally the parts calamine would size its memory by.
pub fn check_zip(bytes: &[u8]) -> Result<ZipKind, ScanError> {
    // Counted before the zip reader parses the central directory into memory: each entry's
    // record starts with this signature (an occurrence inside compressed data only adds one).
    let records = bytes.windows(4).filter(|w| *w == b"PK\x01\x02").count();
    if records > MAX_ZIP_ENTRIES {
        return Err(oversized(format!(
            "压缩包里有 {records} 个部件，表格文件最多 {MAX_ZIP_ENTRIES} 个"
        )));
    }
    let broken = |e: zip::result::ZipError| ScanError::Unreadable(format!("ZIP 压缩包已损坏（{e}）"));
    let mut zip = ZipArchive::new(Cursor::new(bytes)).map_err(broken)?;
    let mut declared_total: u64 = 0;
    let mut names = Vec::with_capacity(zip.len());
    for i in 0..zip.len() {
        let entry = zip.by_index_data(i).map_err(broken)?;
        let name = entry.name().map_err(broken)?.into_owned();
        let (size, packed) = (entry.size(), entry.compressed_size());
        check_entry_size(&name, size)?;
        if size >= RATIO_CHECKED_FROM_BYTES && size > packed.saturating_mul(MAX_COMPRESSION_RATIO) {
            return Err(oversized(format!(
                "其中“{name}”压缩了 {} 倍（{} 解压后为 {}），是“压缩炸弹”",
                size / packed.max(1),
                mb(packed),
                mb(size)
            )));
        }
        declared_total = declared_total.saturating_add(size);
        if declared_total > MAX_UNZIPPED_BYTES {
            return Err(total_too_big());
        }
        names.push(name);
    }
    let mut inflated_total: u64 = 0;
    for (i, name) in names.iter().enumerate() {
        let mut entry = zip
            .by_index(i)
            .map_err(|e| ScanError::Unreadable(format!("无法解压“{name}”（{e}）")))?;
        let limit = entry_limit(name).min(MAX_UNZIPPED_BYTES - inflated_total);
        let read = std::io::copy(&mut (&mut entry).take(limit + 1), &mut std::io::sink()).map_err(|_| {
            ScanError::Unreadable(format!(
                "压缩包里的“{name}”已损坏，或解压出的内容与压缩包记录的大小不符"
            ))
        })?;
        if read > limit {
            check_entry_size(name, read)?;
            return Err(total_too_big());
        }
        inflated_total += read;
    }
    let kind = zip_kind(&mut zip, &names);
    match kind {
        ZipKind::Xlsx => {
            for name in names
                .iter()
                .filter(|n| n.to_ascii_lowercase().ends_with("sharedstrings.xml"))
            {
                check_shared_string_count(&mut zip, name)?;
            }
        }
        ZipKind::Ods => {
            if let Some(name) = names.iter().find(|n| n.as_str() == "content.xml") {
                check_ods_content(&mut zip, name)?;
            }
        }
        ZipKind::Other => {}
    }
    Ok(kind)
}

fn entry_limit(name: &str) -> u64 {
    if name.to_ascii_lowercase().ends_with("sharedstrings.xml") {
        MAX_SHARED_STRINGS_BYTES
    } else {
        MAX_ZIP_ENTRY_BYTES
    }
}

fn check_entry_size(name: &str, size: u64) -> Result<(), ScanError> {
    let limit = entry_limit(name);
    if size > limit {
        return Err(oversized(format!(
            "其中“{name}”解压后至少有 {}，上限为 {}",
            mb(size),
            mb(limit)
        )));
    }
    Ok(())
}

fn total_too_big() -> ScanError {
    oversized(format!("压缩包解压后超过 {}", mb(MAX_UNZIPPED_BYTES)))
}

fn zip_kind(zip: &mut ZipArchive<Cursor<&[u8]>>, names: &[String]) -> ZipKind {
    let has = |wanted: &str| names.iter().any(|n| n.eq_ignore_ascii_case(wanted));
    if has("[Content_Types].xml") || has("xl/workbook.xml") {
        return ZipKind::Xlsx;
    }
    let mut mimetype = String::new();
    if let Ok(entry) = zip.by_name("mimetype") {
        let _ = entry.take(100).read_to_string(&mut mimetype);
    }
    if mimetype.starts_with("application/vnd.oasis.opendocument.spreadsheet") || has("content.xml") {
        ZipKind::Ods
    } else {
        ZipKind::Other
    }
}

fn xml_reader<R: std::io::BufRead>(inner: R) -> XmlReader<R> {
    let mut reader = XmlReader::from_reader(inner);
    reader.config_mut().check_end_names = false;
    reader
}

/// calamine reserves room for the `uniqueCount` the shared strings declare before reading one;
/// a declared count of billions is an allocation failure, which aborts the whole server.
fn check_shared_string_count(zip: &mut ZipArchive<Cursor<&[u8]>>, name: &str) -> Result<(), ScanError> {
    let entry = zip
        .by_name(name)
        .map_err(|e| ScanError::Unreadable(format!("无法解压“{name}”（{e}）")))?;
    let mut xml = xml_reader(std::io::BufReader::new(entry));
    let mut buf = Vec::new();
    loop {
        buf.clear();
        match xml.read_event_into(&mut buf) {
            Ok(Event::Start(e) | Event::Empty(e)) if e.local_name().as_ref() == "sst" => {
                let Some(count) = attr_value(&e, "uniqueCount") else {
                    return Ok(());
                };
                let digits = count.trim().trim_start_matches('+');
                let declared = digits.parse::<u64>().unwrap_or(u64::MAX);
                if digits.bytes().all(|b| b.is_ascii_digit()) && declared > MAX_SHARED_STRINGS {
                    return Err(oversized(format!(
                        "共享字符串声明了 {count} 个，一张表格最多 {MAX_SHARED_STRINGS} 个"
                    )));
                }
                return Ok(());
            }
            // Broken XML is calamine's to report.
            Ok(Event::Eof) | Err(_) => return Ok(()),
            Ok(_) => {}
        }
    }
}

fn attr_value(e: &BytesStart<'_>, key: &str) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| a.key.as_ref() == key)
        .map(|a| a.value.to_string())
}

fn attr_count(e: &BytesStart<'_>, key: &str) -> u64 {
    attr_value(e, key)
        .and_then(|v| v.trim().parse::<u64>().ok())
        .unwrap_or(1)
        .max(1)
}

/// calamine reads every table of an .ods whole, copying a cell once per
/// `number-columns-repeated` and a row once per `number-rows-repeated`. Counts where content
/// would land and how much text the copies would hold, without storing any.
fn check_ods_content(zip: &mut ZipArchive<Cursor<&[u8]>>, name: &str) -> Result<(), ScanError> {
    let entry = zip
        .by_name(name)
        .map_err(|e| ScanError::Unreadable(format!("无法解压“{name}”（{e}）")))?;
    let mut xml = xml_reader(std::io::BufReader::new(entry));
    let mut scan = OdsScan::default();
    let mut buf = Vec::new();
    loop {
        buf.clear();
        match xml.read_event_into(&mut buf) {
            Ok(Event::Start(e)) => match e.name().as_ref() {
                "table:table" => scan.row = 0,
                "table:table-row" => scan.start_row(&e),
                "table:table-cell" | "table:covered-table-cell" => {
                    let repeats = attr_count(&e, "table:number-columns-repeated");
                    let valued = has_value(&e);
                    let text = cell_text_bytes(&mut xml, e.name().as_ref().to_owned())?;
                    scan.cell(repeats, valued || text > 0, text)?;
                }
                _ => {}
            },
            Ok(Event::Empty(e)) => match e.name().as_ref() {
                "table:table-row" => {
                    scan.start_row(&e);
                    scan.end_row()?;
                }
                "table:table-cell" | "table:covered-table-cell" => {
                    let repeats = attr_count(&e, "table:number-columns-repeated");
                    let valued = has_value(&e);
                    scan.cell(repeats, valued, attr_text_bytes(&e))?;
                }
                _ => {}
            },
            Ok(Event::End(e)) if e.name().as_ref() == "table:table-row" => scan.end_row()?,
            Ok(Event::Eof) => return Ok(()),
            Err(_) => return Ok(()),
            Ok(_) => {}
        }
    }
}

fn has_value(e: &BytesStart<'_>) -> bool {
    e.attributes().flatten().any(|a| {
        matches!(
            a.key.as_ref(),
            "office:value-type" | "table:formula" | "calcext:value-type"
        )
    })
}

fn attr_text_bytes(e: &BytesStart<'_>) -> u64 {
    e.attributes()
        .flatten()
        .filter(|a| a.key.as_ref().starts_with("office:") && a.key.as_ref().ends_with("value"))
        .map(|a| a.value.len() as u64)
        .sum()
}

/// The bytes of text inside a cell, read to its end tag.
fn cell_text_bytes<R: std::io::BufRead>(xml: &mut XmlReader<R>, cell: String) -> Result<u64, ScanError> {
    let mut depth = 1u32;
    let mut bytes = 0u64;
    let mut buf = Vec::new();
    while depth > 0 {
        buf.clear();
        match xml.read_event_into(&mut buf) {
            Ok(Event::Start(e)) => {
                if e.name().as_ref() == cell.as_str() {
                    depth += 1;
                }
                // <text:s text:c="1000"/> spaces count too, but are bounded by calamine
            }
            Ok(Event::End(e)) if e.name().as_ref() == cell.as_str() => depth -= 1,
            Ok(Event::Text(t)) => bytes += t.len() as u64,
            Ok(Event::CData(t)) => bytes += t.len() as u64,
            Ok(Event::Eof) | Err(_) => break,
            Ok(_) => {}
        }
    }
    Ok(bytes)
}

#[derive(Default)]
struct OdsScan {
    /// 0-based index of the row being read, in the current table.
    row: u64,
    row_repeats: u64,
    col: u64,
    row_has_content: bool,
    row_first_col: u64,
    row_text: u64,
    text: u64,
}

impl OdsScan {
    fn start_row(&mut self, e: &BytesStart<'_>) {
        self.row_repeats = attr_count(e, "table:number-rows-repeated");
        self.col = 0;
        self.row_has_content = false;
        self.row_text = 0;
    }

    fn cell(&mut self, repeats: u64, content: bool, text: u64) -> Result<(), ScanError> {
        if content {
            let last_col = self.col.saturating_add(repeats - 1);
            if !inside_form(self.row, last_col) {
                // The first copy outside the form: this cell on a row past the last, or the
                // first repeat past the last column.
                let col = if self.row >= MAX_SHEET_ROWS as u64 {
                    self.col
                } else {
                    self.col.max(MAX_SHEET_COLUMNS as u64)
                };
                return Err(Refusal::Outside { row: self.row, col }.into());
            }
            if !self.row_has_content {
                self.row_first_col = self.col;
            }
            self.row_has_content = true;
            self.row_text = self.row_text.saturating_add(text.saturating_mul(repeats));
        }
        self.col = self.col.saturating_add(repeats);
        Ok(())
    }

    fn end_row(&mut self) -> Result<(), ScanError> {
        if self.row_has_content {
            let last_row = self.row.saturating_add(self.row_repeats - 1);
            if !inside_form(last_row, 0) {
                return Err(Refusal::Outside {
                    row: self.row.max(MAX_SHEET_ROWS as u64),
                    col: self.row_first_col,
                }
                .into());
            }
            self.text = self.text.saturating_add(self.row_text.saturating_mul(self.row_repeats));
            if self.text > MAX_GRID_TEXT_BYTES as u64 {
                return Err(oversized(format!(
                    "读到第 {} 行时，表格中的文字已超过 {}",
                    self.row + 1,
                    mb(MAX_GRID_TEXT_BYTES as u64)
                )));
            }
        }
        self.row = self.row.saturating_add(self.row_repeats);
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------------
// .xls: the Workbook stream of an OLE compound file, record by record
// ---------------------------------------------------------------------------------------------

/// calamine reserves a sheet's cells from the DIMENSIONS record and then lays every sheet out as a
/// dense grid from its first to its last cell, copying a shared string into every cell that
/// shows it. Checks each cell record's position and the text those copies would hold.
pub fn check_xls(bytes: &[u8]) -> Result<(), ScanError> {
    let stream = cfb::workbook_stream(bytes).map_err(ScanError::Unreadable)?;
    let mut sst_lengths: Vec<u32> = Vec::new();
    let mut text: u64 = 0;
    let mut pos = 0usize;
    let mut sst: Option<Vec<(usize, usize)>> = None;
    while pos + 4 <= stream.len() {
        let typ = u16::from_le_bytes([stream[pos], stream[pos + 1]]);
        let len = u16::from_le_bytes([stream[pos + 2], stream[pos + 3]]) as usize;
        let start = pos + 4;
        let end = (start + len).min(stream.len());
        let data = &stream[start..end];
        pos = end;
        // SST and its CONTINUE records are read together once the run ends.
        if let Some(parts) = sst.as_mut() {
            if typ == 0x003C {
                parts.push((start, end));
                continue;
            }
            sst_lengths = biff::sst_lengths(&stream, parts);
            sst = None;
        }
        match typ {
            0x00FC => sst = Some(vec![(start, end)]),
            0x0200 => biff::check_dimensions(data)?,
            // Number, Label, RString, BoolErr, Formula, Rk: row, column first
            0x0203 | 0x0204 | 0x00D6 | 0x0205 | 0x0006 | 0x027E => {
                let (row, col) = biff::row_col(data);
                check_cell(row, col)?;
                if matches!(typ, 0x0204 | 0x00D6) {
                    text += data.len() as u64;
                }
            }
            // LabelSst: the string is copied into the cell
            0x00FD => {
                let (row, col) = biff::row_col(data);
                check_cell(row, col)?;
                let isst = data
                    .get(6..10)
                    .map_or(0, |b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]));
                let chars = sst_lengths.get(isst as usize).copied().unwrap_or(0);
                // UTF-16 code units become at most three bytes of UTF-8 each.
                text += u64::from(chars) * 3 + 24;
                if text > MAX_GRID_TEXT_BYTES as u64 {
                    return Err(oversized(format!(
                        "读到第 {} 行时，表格中的文字已超过 {}",
                        row + 1,
                        mb(MAX_GRID_TEXT_BYTES as u64)
                    )));
                }
            }
            // MulRk: row, first column, …, last column
            0x00BD if data.len() >= 6 => {
                let (row, col) = biff::row_col(data);
                let last = u16::from_le_bytes([data[data.len() - 2], data[data.len() - 1]]);
                check_cell(row, col)?;
                check_cell(row, u64::from(last))?;
            }
            _ => {}
        }
    }
    Ok(())
}

fn check_cell(row: u64, col: u64) -> Result<(), Refusal> {
    if inside_form(row, col) {
        Ok(())
    } else {
        Err(Refusal::Outside { row, col })
    }
}

mod biff {
    use super::{Refusal, check_cell};

    pub fn row_col(data: &[u8]) -> (u64, u64) {
        let word = |i: usize| data.get(i..i + 2).map_or(0, |b| u16::from_le_bytes([b[0], b[1]]));
        (u64::from(word(0)), u64::from(word(2)))
    }

    /// DIMENSIONS gives the last row and column plus one; calamine reserves rows × columns cells.
    pub fn check_dimensions(data: &[u8]) -> Result<(), Refusal> {
        let u32_at = |i: usize| {
            data.get(i..i + 4)
                .map_or(0, |b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        };
        let u16_at = |i: usize| data.get(i..i + 2).map_or(0, |b| u16::from_le_bytes([b[0], b[1]]));
        let (first_row, end_row, first_col, end_col) = match data.len() {
            10 => (
                u64::from(u16_at(0)),
                u64::from(u16_at(2)),
                u64::from(u16_at(4)),
                u64::from(u16_at(6)),
            ),
            14 | 16 => (
                u64::from(u32_at(0)),
                u64::from(u32_at(4)),
                u64::from(u16_at(8)),
                u64::from(u16_at(10)),
            ),
            _ => return Ok(()),
        };
        if end_row > first_row && end_col > first_col {
            check_cell(end_row - 1, end_col.min(256) - 1)?;
        }
        Ok(())
    }

    /// The length in characters of each string of the shared string table, read from the SST
    /// record and its CONTINUE records (`parts`: each record's data as a range of `stream`).
    /// A string's characters may run into the next record, which then starts with a new flags
    /// byte; anything unexpected ends the table early (the lengths found so far are kept).
    pub fn sst_lengths(stream: &[u8], parts: &[(usize, usize)]) -> Vec<u32> {
        let mut out = Vec::new();
        let mut reader = Parts {
            stream,
            parts,
            part: 0,
            pos: parts.first().map_or(0, |p| p.0),
        };
        // calamine reads strings until the records end, whatever the counts in the header say.
        if reader.u32().is_none() || reader.u32().is_none() {
            return out;
        }
        while let Some(cch) = reader.u16() {
            let Some(mut flags) = reader.u8() else { break };
            let runs = if flags & 0x08 != 0 { reader.u16() } else { Some(0) };
            let ext = if flags & 0x04 != 0 { reader.u32() } else { Some(0) };
            let (Some(runs), Some(ext)) = (runs, ext) else { break };
            let mut left = usize::from(cch);
            while left > 0 {
                let width = if flags & 0x01 != 0 { 2 } else { 1 };
                let here = reader.remaining_in_part() / width;
                let take = here.min(left);
                reader.skip(take * width);
                left -= take;
                if left > 0 {
                    if !reader.next_part() {
                        return out;
                    }
                    match reader.u8() {
                        Some(f) => flags = f,
                        None => return out,
                    }
                }
            }
            reader.skip_across(usize::from(runs) * 4 + ext as usize);
            out.push(u32::from(cch));
        }
        out
    }

    struct Parts<'a> {
        stream: &'a [u8],
        parts: &'a [(usize, usize)],
        part: usize,
        pos: usize,
    }

    impl Parts<'_> {
        fn remaining_in_part(&self) -> usize {
            self.parts.get(self.part).map_or(0, |p| p.1.saturating_sub(self.pos))
        }

        fn next_part(&mut self) -> bool {
            self.part += 1;
            match self.parts.get(self.part) {
                Some(p) => {
                    self.pos = p.0;
                    true
                }
                None => false,
            }
        }

        fn skip(&mut self, n: usize) {
            self.pos += n;
        }

        fn skip_across(&mut self, mut n: usize) {
            while n > 0 {
                let here = self.remaining_in_part().min(n);
                self.pos += here;
                n -= here;
                if n > 0 && !self.next_part() {
                    return;
                }
            }
        }

        fn bytes<const N: usize>(&mut self) -> Option<[u8; N]> {
            if self.remaining_in_part() == 0 && !self.next_part() {
                return None;
            }
            let out: [u8; N] = self.stream.get(self.pos..self.pos + N)?.try_into().ok()?;
            if self.remaining_in_part() < N {
                return None;
            }
            self.pos += N;
            Some(out)
        }

        fn u8(&mut self) -> Option<u8> {
            self.bytes::<1>().map(|b| b[0])
        }

        fn u16(&mut self) -> Option<u16> {
            self.bytes::<2>().map(u16::from_le_bytes)
        }

        fn u32(&mut self) -> Option<u32> {
            self.bytes::<4>().map(u32::from_le_bytes)
        }
    }
}

/// Just enough of the compound file format (MS-CFB) to find the workbook stream: the sector
/// allocation table, the directory, the mini stream for streams under 4 KB.
mod cfb {
    const FREE_OR_END: u32 = 0xFFFF_FFFA;

    struct Header<'a> {
        bytes: &'a [u8],
        sector: usize,
    }

    impl Header<'_> {
        fn sector_data(&self, id: u32) -> Option<&[u8]> {
            let start = (id as usize + 1).checked_mul(self.sector)?;
            self.bytes.get(start..start + self.sector)
        }
    }

    fn u32_at(b: &[u8], i: usize) -> u32 {
        b.get(i..i + 4)
            .map_or(u32::MAX, |b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    fn u16_at(b: &[u8], i: usize) -> u16 {
        b.get(i..i + 2).map_or(0, |b| u16::from_le_bytes([b[0], b[1]]))
    }

    /// Follows a chain of sectors, stopping at its end, a loop or a bad entry.
    fn chain(fat: &[u32], first: u32) -> Vec<u32> {
        let mut out = Vec::new();
        let mut id = first;
        while id < FREE_OR_END && (id as usize) < fat.len() && out.len() <= fat.len() {
            out.push(id);
            id = fat[id as usize];
        }
        out
    }

    fn read_chain(h: &Header<'_>, fat: &[u32], first: u32, size: usize) -> Vec<u8> {
        let mut out = Vec::with_capacity(size.min(h.bytes.len()));
        for id in chain(fat, first) {
            match h.sector_data(id) {
                Some(data) => out.extend_from_slice(data),
                None => break,
            }
            if out.len() >= size {
                break;
            }
        }
        out.truncate(size);
        out
    }

    pub fn workbook_stream(bytes: &[u8]) -> Result<Vec<u8>, String> {
        let broken = || "旧版 Excel 文件（.xls）的结构已损坏".to_owned();
        if bytes.len() < 512 {
            return Err(broken());
        }
        let shift = u16_at(bytes, 0x1E);
        if !(9..=12).contains(&shift) {
            return Err(broken());
        }
        let h = Header {
            bytes,
            sector: 1 << shift,
        };
        let max_sectors = bytes.len() / h.sector + 1;
        // The FAT's sectors: 109 listed in the header, the rest in a chain of DIFAT sectors.
        let mut fat_sectors: Vec<u32> = (0..109).map(|i| u32_at(bytes, 0x4C + i * 4)).collect();
        let mut difat = u32_at(bytes, 0x44);
        let per = h.sector / 4;
        let mut hops = 0;
        while difat < FREE_OR_END && hops < max_sectors {
            let Some(data) = h.sector_data(difat) else { break };
            fat_sectors.extend((0..per - 1).map(|i| u32_at(data, i * 4)));
            difat = u32_at(data, (per - 1) * 4);
            hops += 1;
        }
        let mut fat = Vec::new();
        for id in fat_sectors.into_iter().filter(|id| *id < FREE_OR_END).take(max_sectors) {
            let Some(data) = h.sector_data(id) else { break };
            fat.extend((0..per).map(|i| u32_at(data, i * 4)));
        }
        fat.truncate(max_sectors.max(1));
        let dir = read_chain(&h, &fat, u32_at(bytes, 0x30), bytes.len());
        let entries: Vec<&[u8]> = dir.chunks_exact(128).collect();
        let name_of = |e: &[u8]| {
            let len = (u16_at(e, 64) as usize).min(64).saturating_sub(2) / 2;
            String::from_utf16_lossy(&(0..len).map(|i| u16_at(e, i * 2)).collect::<Vec<_>>())
        };
        let root = entries.first().ok_or_else(broken)?;
        let entry = entries
            .iter()
            .find(|e| e[66] == 2 && matches!(name_of(e).as_str(), "Workbook" | "Book"))
            .ok_or_else(|| "旧版 Office 文件里没有 Excel 工作簿".to_owned())?;
        let size = (u32_at(entry, 120) as usize).min(bytes.len());
        let start = u32_at(entry, 116);
        if size >= u32_at(bytes, 0x38) as usize {
            return Ok(read_chain(&h, &fat, start, size));
        }
        // Small streams live in 64-byte sectors of the mini stream, itself held by the root.
        let mini_stream = read_chain(&h, &fat, u32_at(root, 116), bytes.len());
        let minifat_bytes = read_chain(&h, &fat, u32_at(bytes, 0x3C), bytes.len());
        let minifat: Vec<u32> = (0..minifat_bytes.len() / 4)
            .map(|i| u32_at(&minifat_bytes, i * 4))
            .collect();
        let mini = 1usize << u16_at(bytes, 0x20).min(12);
        let mut out = Vec::with_capacity(size);
        for id in chain(&minifat, start) {
            let from = id as usize * mini;
            match mini_stream.get(from..from + mini) {
                Some(data) => out.extend_from_slice(data),
                None => break,
            }
            if out.len() >= size {
                break;
            }
        }
        out.truncate(size);
        Ok(out)
    }
}
