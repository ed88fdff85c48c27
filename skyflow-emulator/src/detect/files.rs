//! De-identification of files, per type. Every processor keeps the file's structure and
//! rewrites only its values:
//!
//! | format | how |
//! |---|---|
//! | `txt` | the whole text |
//! | `json`, `jsonl` | every string value (numbers that hold an entity become strings), the key as context; keys (in their order) and structure kept |
//! | `xml` | text nodes and attribute values, the element or attribute name as context; markup kept |
//! | `csv` | every cell below the header row, the column header as context; same rows and columns |
//! | `xlsx` | shared and inline strings of the workbook (sheets, styles and formulas kept) |
//! | `docx` | the text of each paragraph of the body, headers, footers and notes |
//! | `pptx` | the text of each paragraph of every slide and notes page |
//! | `pdf` | the strings each page's text objects show (simple fonts); the page count is reported |
//!
//! A replacement that spans several runs of a Word or PowerPoint paragraph is written into
//! the run where the entity starts; the rest of the entity is removed from the other runs.

use std::io::{Cursor, Read, Write};

use quick_xml::events::{BytesText, Event};
use quick_xml::{Reader, Writer};

use super::render::{EntityOut, Renderer, word_count};
use crate::engine::EngineError;

/// The result of processing one file.
#[derive(Debug, Default)]
pub(crate) struct Processed {
    pub(crate) bytes: Vec<u8>,
    pub(crate) entities: Vec<EntityOut>,
    pub(crate) words: usize,
    pub(crate) chars: usize,
    pub(crate) pages: Option<usize>,
    pub(crate) slides: Option<usize>,
}

/// Why a file could not be processed (the run's message).
#[derive(Debug)]
pub(crate) enum FileError {
    /// The file is not what its format says.
    Invalid(String),
    /// The store failed (vault tokens).
    Engine(EngineError),
}

impl From<EngineError> for FileError {
    fn from(e: EngineError) -> Self {
        FileError::Engine(e)
    }
}

type FileResult<T> = Result<T, FileError>;

fn invalid(format: &str, what: impl std::fmt::Display) -> FileError {
    FileError::Invalid(format!("The file is not a valid {format} file: {what}."))
}

/// Collects what one file's pieces produced.
struct Collector<'r, 'a> {
    renderer: &'r mut Renderer<'a>,
    entities: Vec<EntityOut>,
    words: usize,
    chars: usize,
}

impl<'r, 'a> Collector<'r, 'a> {
    fn new(renderer: &'r mut Renderer<'a>) -> Self {
        Collector {
            renderer,
            entities: Vec::new(),
            words: 0,
            chars: 0,
        }
    }

    fn text(&mut self, text: &str, context: Option<&str>) -> FileResult<String> {
        self.chars += text.chars().count();
        let rendered = self.renderer.render(text, context)?;
        self.words += word_count(&rendered.text);
        self.entities.extend(rendered.entities);
        Ok(rendered.text)
    }

    fn finish(self, bytes: Vec<u8>) -> Processed {
        Processed {
            bytes,
            entities: self.entities,
            words: self.words,
            chars: self.chars,
            pages: None,
            slides: None,
        }
    }
}

fn utf8<'b>(format: &str, bytes: &'b [u8]) -> FileResult<&'b str> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    std::str::from_utf8(bytes).map_err(|_| invalid(format, "it is not UTF-8 text"))
}

/// Processes a file of `format` (a lower-case extension the caller has checked).
pub(crate) fn process(
    format: &str,
    bytes: &[u8],
    renderer: &mut Renderer<'_>,
) -> FileResult<Processed> {
    let mut c = Collector::new(renderer);
    match format {
        "txt" => {
            let text = utf8(format, bytes)?;
            let out = c.text(text, None)?;
            Ok(c.finish(out.into_bytes()))
        }
        "json" => {
            let mut value: Json = serde_json::from_slice(bytes).map_err(|e| invalid("JSON", e))?;
            json_value(&mut value, None, &mut c)?;
            let out = serde_json::to_vec_pretty(&value).map_err(|e| invalid("JSON", e))?;
            Ok(c.finish(out))
        }
        "jsonl" => {
            let text = utf8(format, bytes)?;
            let mut out = String::with_capacity(text.len());
            for (i, line) in text.lines().enumerate() {
                if !line.trim().is_empty() {
                    let mut value: Json = serde_json::from_str(line)
                        .map_err(|e| invalid("JSON Lines", format!("line {}: {e}", i + 1)))?;
                    json_value(&mut value, None, &mut c)?;
                    let line = serde_json::to_string(&value).map_err(|e| invalid("JSON", e))?;
                    out.push_str(&line);
                }
                out.push('\n');
            }
            Ok(c.finish(out.into_bytes()))
        }
        "xml" => {
            let out = xml(bytes, &mut c, XmlText::AllText)?;
            Ok(c.finish(out))
        }
        "csv" => {
            let out = csv_file(bytes, &mut c)?;
            Ok(c.finish(out))
        }
        "xlsx" => {
            let out = zip_parts(bytes, "XLSX", &mut c, |name| {
                if name == "xl/sharedStrings.xml" {
                    Some(XmlText::Paragraphs {
                        paragraph: "si",
                        run: "t",
                    })
                } else if name.starts_with("xl/worksheets/") && name.ends_with(".xml") {
                    Some(XmlText::Paragraphs {
                        paragraph: "is",
                        run: "t",
                    })
                } else {
                    None
                }
            })?;
            Ok(c.finish(out.0))
        }
        "docx" => {
            let out = zip_parts(bytes, "DOCX", &mut c, |name| {
                let part = name.strip_prefix("word/")?;
                let text_part = part == "document.xml"
                    || part == "footnotes.xml"
                    || part == "endnotes.xml"
                    || (part.starts_with("header") || part.starts_with("footer"))
                        && part.ends_with(".xml");
                text_part.then_some(XmlText::Paragraphs {
                    paragraph: "p",
                    run: "t",
                })
            })?;
            Ok(c.finish(out.0))
        }
        "pptx" => {
            let mut slides = 0;
            let out = zip_parts(bytes, "PPTX", &mut c, |name| {
                let slide = name.starts_with("ppt/slides/slide") && name.ends_with(".xml");
                let notes = name.starts_with("ppt/notesSlides/") && name.ends_with(".xml");
                if slide {
                    slides += 1;
                }
                (slide || notes).then_some(XmlText::Paragraphs {
                    paragraph: "p",
                    run: "t",
                })
            })?;
            let mut processed = c.finish(out.0);
            processed.slides = Some(slides);
            Ok(processed)
        }
        "pdf" => {
            let (out, pages) = pdf(bytes, &mut c)?;
            let mut processed = c.finish(out);
            processed.pages = Some(pages);
            Ok(processed)
        }
        other => Err(FileError::Invalid(format!(
            "This emulator cannot de-identify `{other}` files."
        ))),
    }
}

/// A JSON value that keeps its object keys in document order (the workspace's
/// `serde_json` sorts them), so a de-identified file has its keys where they were.
#[derive(Debug)]
enum Json {
    Null,
    Bool(bool),
    Number(serde_json::Number),
    String(String),
    Array(Vec<Json>),
    Object(Vec<(String, Json)>),
}

impl<'de> serde::Deserialize<'de> for Json {
    fn deserialize<D: serde::Deserializer<'de>>(de: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = Json;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a JSON value")
            }
            fn visit_unit<E>(self) -> Result<Json, E> {
                Ok(Json::Null)
            }
            fn visit_bool<E>(self, v: bool) -> Result<Json, E> {
                Ok(Json::Bool(v))
            }
            fn visit_i64<E>(self, v: i64) -> Result<Json, E> {
                Ok(Json::Number(v.into()))
            }
            fn visit_u64<E>(self, v: u64) -> Result<Json, E> {
                Ok(Json::Number(v.into()))
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Json, E> {
                serde_json::Number::from_f64(v)
                    .map(Json::Number)
                    .ok_or_else(|| E::custom("a number that is not finite"))
            }
            fn visit_str<E>(self, v: &str) -> Result<Json, E> {
                Ok(Json::String(v.to_owned()))
            }
            fn visit_string<E>(self, v: String) -> Result<Json, E> {
                Ok(Json::String(v))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Json, A::Error> {
                let mut items = Vec::new();
                while let Some(item) = seq.next_element()? {
                    items.push(item);
                }
                Ok(Json::Array(items))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Json, A::Error> {
                let mut entries = Vec::new();
                while let Some(entry) = map.next_entry()? {
                    entries.push(entry);
                }
                Ok(Json::Object(entries))
            }
        }
        de.deserialize_any(Visitor)
    }
}

impl serde::Serialize for Json {
    fn serialize<S: serde::Serializer>(&self, ser: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{SerializeMap, SerializeSeq};
        match self {
            Json::Null => ser.serialize_unit(),
            Json::Bool(b) => ser.serialize_bool(*b),
            Json::Number(n) => n.serialize(ser),
            Json::String(s) => ser.serialize_str(s),
            Json::Array(items) => {
                let mut seq = ser.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(item)?;
                }
                seq.end()
            }
            Json::Object(entries) => {
                let mut map = ser.serialize_map(Some(entries.len()))?;
                for (k, v) in entries {
                    map.serialize_entry(k, v)?;
                }
                map.end()
            }
        }
    }
}

/// Rewrites the strings of a JSON value in place; `key` is the nearest object key.
fn json_value(value: &mut Json, key: Option<&str>, c: &mut Collector<'_, '_>) -> FileResult<()> {
    match value {
        Json::String(s) => *s = c.text(s, key)?,
        Json::Number(n) => {
            let text = n.to_string();
            let out = c.text(&text, key)?;
            if out != text {
                *value = Json::String(out);
            }
        }
        Json::Array(items) => {
            for item in items {
                json_value(item, key, c)?;
            }
        }
        Json::Object(entries) => {
            for (k, v) in entries.iter_mut() {
                json_value(v, Some(k), c)?;
            }
        }
        Json::Null | Json::Bool(_) => {}
    }
    Ok(())
}

fn csv_file(bytes: &[u8], c: &mut Collector<'_, '_>) -> FileResult<Vec<u8>> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes);
    let mut writer = csv::WriterBuilder::new()
        .flexible(true)
        .from_writer(Vec::new());
    let mut headers: Vec<String> = Vec::new();
    for (row, record) in reader.records().enumerate() {
        let record = record.map_err(|e| invalid("CSV", e))?;
        if row == 0 {
            headers = record.iter().map(str::to_owned).collect();
            writer
                .write_record(&record)
                .map_err(|e| invalid("CSV", e))?;
            continue;
        }
        let mut out = Vec::with_capacity(record.len());
        for (col, cell) in record.iter().enumerate() {
            out.push(c.text(cell, headers.get(col).map(String::as_str))?);
        }
        writer.write_record(&out).map_err(|e| invalid("CSV", e))?;
    }
    writer.into_inner().map_err(|e| invalid("CSV", e.error()))
}

/// Which text of an XML part is de-identified.
#[derive(Clone, Copy)]
enum XmlText {
    /// Every text node and attribute value (plain XML).
    AllText,
    /// The text of `run` elements, joined per `paragraph` element (Office XML).
    Paragraphs {
        paragraph: &'static str,
        run: &'static str,
    },
}

/// One item of an XML document: an event, or the text between two markup events with its
/// character and entity references resolved.
enum Item {
    Event(Event<'static>),
    Text(String),
}

/// Reads an XML document into items, merging text, references and CDATA.
fn xml_items(bytes: &[u8], format: &str) -> FileResult<Vec<Item>> {
    let mut reader = Reader::from_reader(bytes);
    let mut items = Vec::new();
    let mut pending: Option<String> = None;
    let mut buf = Vec::new();
    loop {
        let event = reader
            .read_event_into(&mut buf)
            .map_err(|e| invalid(format, e))?
            .into_owned();
        buf.clear();
        let piece = match &event {
            Event::Text(text) => Some(text.xml10_content().into_owned()),
            Event::CData(data) => Some(data.clone().into_inner().into_owned()),
            Event::GeneralRef(reference) => Some(match reference.resolve_char_ref() {
                Ok(Some(ch)) => ch.to_string(),
                _ => match quick_xml::escape::resolve_predefined_entity(reference) {
                    Some(text) => text.to_owned(),
                    None => {
                        return Err(invalid(
                            format,
                            "it uses an entity this emulator does not resolve",
                        ));
                    }
                },
            }),
            _ => None,
        };
        if let Some(piece) = piece {
            pending.get_or_insert_with(String::new).push_str(&piece);
            continue;
        }
        if let Some(text) = pending.take() {
            items.push(Item::Text(text));
        }
        if matches!(event, Event::Eof) {
            break;
        }
        items.push(Item::Event(event));
    }
    Ok(items)
}

/// Rewrites an XML document.
fn xml(bytes: &[u8], c: &mut Collector<'_, '_>, mode: XmlText) -> FileResult<Vec<u8>> {
    let format = "XML";
    let mut items = xml_items(bytes, format)?;
    let mut stack: Vec<String> = Vec::new();
    // Office XML: the runs of the open paragraph, as (item index, text).
    let mut paragraph: Option<Vec<(usize, String)>> = None;
    let mut in_run = false;
    for index in 0..items.len() {
        match (&mut items[index], mode) {
            (Item::Event(Event::Start(start) | Event::Empty(start)), XmlText::AllText) => {
                let attrs: Vec<(String, String)> = start
                    .attributes()
                    .map(|a| {
                        let a = a.map_err(|e| invalid(format, e))?;
                        let value = a
                            .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                            .map_err(|e| invalid(format, e))?
                            .into_owned();
                        Ok((a.key.as_ref().to_owned(), value))
                    })
                    .collect::<FileResult<_>>()?;
                start.clear_attributes();
                for (key, value) in attrs {
                    let out = if key.starts_with("xmlns") {
                        value
                    } else {
                        c.text(&value, Some(&key))?
                    };
                    start.push_attribute((key.as_str(), out.as_str()));
                }
                let name = start.local_name().as_ref().to_owned();
                if matches!(items[index], Item::Event(Event::Start(_))) {
                    stack.push(name);
                }
            }
            (Item::Event(Event::End(_)), XmlText::AllText) => {
                stack.pop();
            }
            (Item::Text(text), XmlText::AllText) if !text.trim().is_empty() => {
                *text = c.text(text, stack.last().map(String::as_str))?;
            }
            (Item::Event(Event::Start(start)), XmlText::Paragraphs { paragraph: p, run }) => {
                let name = start.local_name();
                if name.as_ref() == p {
                    paragraph = Some(Vec::new());
                } else if name.as_ref() == run {
                    in_run = true;
                }
            }
            (Item::Event(Event::End(end)), XmlText::Paragraphs { paragraph: p, run }) => {
                let name = end.local_name();
                if name.as_ref() == run {
                    in_run = false;
                } else if name.as_ref() == p
                    && let Some(runs) = paragraph.take()
                {
                    rewrite_runs(&runs, &mut items, c)?;
                }
            }
            (Item::Text(text), XmlText::Paragraphs { .. }) if in_run => match &mut paragraph {
                Some(runs) => runs.push((index, text.clone())),
                None => *text = c.text(text, None)?,
            },
            _ => {}
        }
    }
    let mut writer = Writer::new(Cursor::new(Vec::new()));
    for item in items {
        let event = match item {
            Item::Event(event) => event,
            Item::Text(text) => Event::Text(BytesText::new(&text).into_owned()),
        };
        writer.write_event(event).map_err(|e| invalid(format, e))?;
    }
    Ok(writer.into_inner().into_inner())
}

/// De-identifies the joined text of a paragraph's runs and writes each run's share back.
fn rewrite_runs(
    runs: &[(usize, String)],
    items: &mut [Item],
    c: &mut Collector<'_, '_>,
) -> FileResult<()> {
    let texts: Vec<&str> = runs.iter().map(|(_, t)| t.as_str()).collect();
    let shares = share_runs(&texts, &vec![""; texts.len()], c)?;
    for ((index, _), share) in runs.iter().zip(shares) {
        items[*index] = Item::Text(share);
    }
    Ok(())
}

/// De-identifies text split into runs (the runs of a Word paragraph, the strings of a PDF
/// text object) as one text, `seps[i]` joining run `i` to the one before, and returns each
/// run's new text. A replacement goes into the run where its entity starts; the rest of
/// the entity is removed from the runs it spills into.
fn share_runs(runs: &[&str], seps: &[&str], c: &mut Collector<'_, '_>) -> FileResult<Vec<String>> {
    if runs.is_empty() {
        return Ok(Vec::new());
    }
    let mut joined = String::new();
    let mut ranges = Vec::with_capacity(runs.len());
    let mut at = 0;
    for (i, run) in runs.iter().enumerate() {
        let sep = seps.get(i).copied().unwrap_or_default();
        joined.push_str(sep);
        at += sep.chars().count();
        let len = run.chars().count();
        ranges.push((at, at + len));
        joined.push_str(run);
        at += len;
    }
    let chars: Vec<char> = joined.chars().collect();
    c.chars += chars.len();
    let rendered = c.renderer.render(&joined, None)?;
    c.words += word_count(&rendered.text);
    // Spans (in characters of `joined`) and their replacements.
    let spans: Vec<(usize, usize, String)> = rendered
        .entities
        .iter()
        .map(|e| {
            let l = e.location;
            let replacement: String = rendered
                .text
                .chars()
                .skip(l.start_index_processed)
                .take(l.end_index_processed - l.start_index_processed)
                .collect();
            (l.start_index, l.end_index, replacement)
        })
        .collect();
    c.entities.extend(rendered.entities);
    let mut shares = Vec::with_capacity(runs.len());
    let mut prev_end = 0;
    for (a, b) in ranges {
        let mut out = String::new();
        let mut i = a;
        while i < b {
            match spans.iter().find(|(s, e, _)| *s <= i && i < *e) {
                Some((s, e, replacement)) => {
                    // Written where the entity starts: here, or in a separator just
                    // before this run.
                    if *s == i || (prev_end..a).contains(s) {
                        out.push_str(replacement);
                    }
                    i = (*e).min(b);
                }
                None => {
                    out.push(chars[i]);
                    i += 1;
                }
            }
        }
        shares.push(out);
        prev_end = b;
    }
    Ok(shares)
}

/// Largest decompressed content of one PDF page.
const MAX_PDF_PAGE_BYTES: usize = 64 << 20;

/// Where a string of a PDF text object is: operation, operand, and index in a `TJ` array.
type PdfRun = (usize, usize, Option<usize>);

/// Rewrites the text of a PDF's pages: the strings shown by `Tj`, `TJ`, `'` and `"`, one
/// text object (`BT` … `ET`) at a time, read and written as single-byte text (the simple
/// fonts' encodings). Text in fonts with other encodings (CID fonts) is not found.
fn pdf(bytes: &[u8], c: &mut Collector<'_, '_>) -> FileResult<(Vec<u8>, usize)> {
    use lopdf::content::Content;
    use lopdf::{Document, Object};

    let format = "PDF";
    let mut doc = Document::load_mem(bytes).map_err(|e| invalid(format, e))?;
    if doc.is_encrypted() {
        return Err(invalid(format, "it is encrypted"));
    }
    let pages: Vec<lopdf::ObjectId> = doc.get_pages().into_values().collect();
    for page in &pages {
        let raw = doc
            .get_page_content_with_limit(*page, MAX_PDF_PAGE_BYTES)
            .map_err(|e| invalid(format, e))?;
        let mut content = Content::decode(&raw).map_err(|e| invalid(format, e))?;
        let mut block: Vec<PdfRun> = Vec::new();
        let mut seps: Vec<&str> = Vec::new();
        let mut blocks: Vec<(Vec<PdfRun>, Vec<&str>)> = Vec::new();
        for (i, op) in content.operations.iter().enumerate() {
            match op.operator.as_str() {
                "BT" | "ET" => blocks.push((std::mem::take(&mut block), std::mem::take(&mut seps))),
                "Tj" | "'" | "\"" => {
                    let at = op.operands.len().saturating_sub(1);
                    if matches!(op.operands.get(at), Some(Object::String(..))) {
                        seps.push(if block.is_empty() { "" } else { "\n" });
                        block.push((i, at, None));
                    }
                }
                "TJ" => {
                    if let Some(Object::Array(items)) = op.operands.first() {
                        let mut first = true;
                        for (k, item) in items.iter().enumerate() {
                            if matches!(item, Object::String(..)) {
                                seps.push(if block.is_empty() {
                                    ""
                                } else if first {
                                    "\n"
                                } else {
                                    ""
                                });
                                block.push((i, 0, Some(k)));
                                first = false;
                            }
                        }
                    }
                }
                _ => {}
            }
        }
        blocks.push((block, seps));
        for (runs, seps) in blocks {
            let texts: Vec<String> = runs
                .iter()
                .map(|run| {
                    pdf_string(&content, *run)
                        .iter()
                        .map(|&b| char::from(b))
                        .collect()
                })
                .collect();
            let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
            let shares = share_runs(&refs, &seps, c)?;
            for (run, share) in runs.iter().zip(shares) {
                let bytes: Vec<u8> = share
                    .chars()
                    .map(|ch| u8::try_from(u32::from(ch)).unwrap_or(b'?'))
                    .collect();
                set_pdf_string(&mut content, *run, bytes);
            }
        }
        let encoded = content.encode().map_err(|e| invalid(format, e))?;
        doc.change_page_content(*page, encoded)
            .map_err(|e| invalid(format, e))?;
    }
    let mut out = Vec::new();
    doc.save_to(&mut out).map_err(|e| invalid(format, e))?;
    Ok((out, pages.len()))
}

fn pdf_operand(
    content: &mut lopdf::content::Content,
    (op, operand, item): PdfRun,
) -> Option<&mut lopdf::Object> {
    let operand = content.operations.get_mut(op)?.operands.get_mut(operand)?;
    match item {
        None => Some(operand),
        Some(k) => match operand {
            lopdf::Object::Array(items) => items.get_mut(k),
            _ => None,
        },
    }
}

fn pdf_string(content: &lopdf::content::Content, (op, operand, item): PdfRun) -> Vec<u8> {
    let object = content
        .operations
        .get(op)
        .and_then(|o| o.operands.get(operand));
    let object = match (object, item) {
        (Some(lopdf::Object::Array(items)), Some(k)) => items.get(k),
        (object, None) => object,
        _ => None,
    };
    match object {
        Some(lopdf::Object::String(bytes, _)) => bytes.clone(),
        _ => Vec::new(),
    }
}

fn set_pdf_string(content: &mut lopdf::content::Content, run: PdfRun, bytes: Vec<u8>) {
    if let Some(lopdf::Object::String(old, _)) = pdf_operand(content, run) {
        *old = bytes;
    }
}

/// Rewrites the XML parts `select` picks in a zip package (OOXML); other parts are copied
/// unchanged. Returns the new package and the number of parts rewritten.
fn zip_parts(
    bytes: &[u8],
    format: &str,
    c: &mut Collector<'_, '_>,
    mut select: impl FnMut(&str) -> Option<XmlText>,
) -> FileResult<(Vec<u8>, usize)> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| invalid(format, e))?;
    let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let mut rewritten = 0;
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i).map_err(|e| invalid(format, e))?;
        let name = entry.name().map_err(|e| invalid(format, e))?.into_owned();
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        if entry.is_dir() {
            writer
                .add_directory(name, options)
                .map_err(|e| invalid(format, e))?;
            continue;
        }
        let mut content = Vec::new();
        entry
            .read_to_end(&mut content)
            .map_err(|e| invalid(format, e))?;
        let content = match select(&name) {
            Some(mode) => {
                rewritten += 1;
                xml(&content, c, mode)?
            }
            None => content,
        };
        writer
            .start_file(name, options)
            .map_err(|e| invalid(format, e))?;
        writer.write_all(&content).map_err(|e| invalid(format, e))?;
    }
    if rewritten == 0 {
        return Err(invalid(
            format,
            "it has none of the parts that hold its text",
        ));
    }
    let out = writer.finish().map_err(|e| invalid(format, e))?;
    Ok((out.into_inner(), rewritten))
}
