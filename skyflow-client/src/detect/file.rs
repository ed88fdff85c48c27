//! De-identify a file: routed by extension to its Detect endpoint
//! (`POST /v1/detect/deidentify/file/...`), then polled as a run.

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use base64::Engine as _;
use bytes::Bytes;
use serde_json::{Map, Value};
use tokio::io::{AsyncRead, AsyncReadExt};

use super::options::DeidentifyOptions;
use super::text::{deidentify_options, detect_post};
use crate::http::HttpRequest;
use crate::{Error, Result};

const OP: &str = "DeidentifyFileRequest";

/// The longest [`wait_time`](DeidentifyFileRequest::wait_time): 64 seconds.
pub const MAX_WAIT_TIME: Duration = Duration::from_secs(64);

/// The Detect endpoint a file goes to, chosen by its extension.
///
/// ```
/// use skyflow_client::detect::FileCategory;
/// assert_eq!(FileCategory::from_extension("XLSX"), FileCategory::Spreadsheet);
/// assert_eq!(FileCategory::from_extension("jsonl"), FileCategory::Generic);
/// assert_eq!(FileCategory::Pdf.path(), "/v1/detect/deidentify/file/document/pdf");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FileCategory {
    /// `txt`
    Text,
    /// `mp3`, `wav`
    Audio,
    /// `pdf`
    Pdf,
    /// `jpg`, `jpeg`, `png`, `bmp`, `tif`, `tiff`
    Image,
    /// `ppt`, `pptx`
    Presentation,
    /// `csv`, `xls`, `xlsx`
    Spreadsheet,
    /// `doc`, `docx`
    Document,
    /// `json`, `xml`
    StructuredText,
    /// Anything else, sent to the generic file endpoint.
    Generic,
}

impl FileCategory {
    /// The category of a file extension (any case, without the dot).
    pub fn from_extension(extension: &str) -> FileCategory {
        match extension.to_ascii_lowercase().as_str() {
            "txt" => FileCategory::Text,
            "mp3" | "wav" => FileCategory::Audio,
            "pdf" => FileCategory::Pdf,
            "jpg" | "jpeg" | "png" | "bmp" | "tif" | "tiff" => FileCategory::Image,
            "ppt" | "pptx" => FileCategory::Presentation,
            "csv" | "xls" | "xlsx" => FileCategory::Spreadsheet,
            "doc" | "docx" => FileCategory::Document,
            "json" | "xml" => FileCategory::StructuredText,
            _ => FileCategory::Generic,
        }
    }

    /// The endpoint's path.
    pub fn path(self) -> &'static str {
        match self {
            FileCategory::Text => "/v1/detect/deidentify/file/text",
            FileCategory::Audio => "/v1/detect/deidentify/file/audio",
            FileCategory::Pdf => "/v1/detect/deidentify/file/document/pdf",
            FileCategory::Image => "/v1/detect/deidentify/file/image",
            FileCategory::Presentation => "/v1/detect/deidentify/file/presentation",
            FileCategory::Spreadsheet => "/v1/detect/deidentify/file/spreadsheet",
            FileCategory::Document => "/v1/detect/deidentify/file/document",
            FileCategory::StructuredText => "/v1/detect/deidentify/file/structured_text",
            FileCategory::Generic => "/v1/detect/deidentify/file",
        }
    }

    /// Whether the endpoint takes `transformations` (text, audio, structured text and
    /// the generic endpoint do; the others do not).
    pub fn takes_transformations(self) -> bool {
        matches!(
            self,
            FileCategory::Text
                | FileCategory::Audio
                | FileCategory::StructuredText
                | FileCategory::Generic
        )
    }
}

/// How an image's entities are hidden.
///
/// ```
/// assert_eq!(skyflow_client::detect::MaskingMethod::Blackbox.as_str(), "blackbox");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum MaskingMethod {
    /// Blurred.
    Blur,
    /// Covered with a black box.
    Blackbox,
}

impl MaskingMethod {
    /// The wire value.
    pub fn as_str(self) -> &'static str {
        match self {
            MaskingMethod::Blur => "blur",
            MaskingMethod::Blackbox => "blackbox",
        }
    }
}

/// The transcription an audio de-identify returns.
///
/// ```
/// use skyflow_client::detect::Transcription;
/// assert_eq!(Transcription::MedicalDiarized.as_str(), "medical_diarized_transcription");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Transcription {
    /// `transcription`
    Plain,
    /// `medical_transcription`
    Medical,
    /// `diarized_transcription` (speakers separated)
    Diarized,
    /// `medical_diarized_transcription`
    MedicalDiarized,
}

impl Transcription {
    /// The wire value.
    pub fn as_str(self) -> &'static str {
        match self {
            Transcription::Plain => "transcription",
            Transcription::Medical => "medical_transcription",
            Transcription::Diarized => "diarized_transcription",
            Transcription::MedicalDiarized => "medical_diarized_transcription",
        }
    }
}

/// The bleep that replaces entities in processed audio.
///
/// ```
/// let bleep = skyflow_client::detect::Bleep::new(-3.0, 1000.0, 0.1, 0.1);
/// assert_eq!(bleep.frequency(), 1000.0);
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Bleep {
    gain: f64,
    frequency: f64,
    start_padding: f64,
    stop_padding: f64,
}

impl Bleep {
    /// A bleep with a gain in dB, a frequency in Hz, and padding before and after each
    /// entity in seconds.
    pub fn new(gain: f64, frequency: f64, start_padding: f64, stop_padding: f64) -> Self {
        Bleep {
            gain,
            frequency,
            start_padding,
            stop_padding,
        }
    }

    /// Relative loudness, in dB.
    pub fn gain(&self) -> f64 {
        self.gain
    }

    /// Pitch, in Hz.
    pub fn frequency(&self) -> f64 {
        self.frequency
    }

    /// Seconds bleeped before each entity.
    pub fn start_padding(&self) -> f64 {
        self.start_padding
    }

    /// Seconds bleeped after each entity.
    pub fn stop_padding(&self) -> f64 {
        self.stop_padding
    }
}

#[derive(Clone)]
enum FileSource {
    Path(PathBuf),
    Bytes { name: String, bytes: Bytes },
}

/// De-identifies a file: a document, spreadsheet, presentation, PDF, structured or plain
/// text, image or audio file. The file goes to the endpoint of its extension
/// ([`FileCategory`]) with that type's options; the run is then polled until it ends or
/// [`wait_time`](Self::wait_time) is used up, and the processed file can be written into
/// an [`output_directory`](Self::output_directory).
///
/// The file comes from a path (read when the call is made), from bytes, or from an async
/// reader.
///
/// ```
/// use std::time::Duration;
/// use skyflow_client::detect::{DeidentifyFileRequest, EntityType};
///
/// let request = DeidentifyFileRequest::from_bytes("notes.txt", "Jane's SSN is 123-45-6789")
///     .entities([EntityType::Ssn, EntityType::Name])
///     .wait_time(Duration::from_secs(20));
/// assert!(request.validate().is_ok());
/// ```
#[derive(Clone)]
pub struct DeidentifyFileRequest {
    source: FileSource,
    options: DeidentifyOptions,
    output_processed_image: Option<bool>,
    output_ocr_text: Option<bool>,
    masking_method: Option<MaskingMethod>,
    pixel_density: Option<u32>,
    max_resolution: Option<u32>,
    output_transcription: Option<Transcription>,
    output_processed_audio: Option<bool>,
    bleep: Option<Bleep>,
    output_directory: Option<PathBuf>,
    wait_time: Duration,
}

deidentify_options!(
    DeidentifyFileRequest,
    "skyflow_client::detect::DeidentifyFileRequest::from_path(\"notes.txt\")"
);

impl DeidentifyFileRequest {
    fn with_source(source: FileSource) -> Self {
        DeidentifyFileRequest {
            source,
            options: DeidentifyOptions::default(),
            output_processed_image: None,
            output_ocr_text: None,
            masking_method: None,
            pixel_density: None,
            max_resolution: None,
            output_transcription: None,
            output_processed_audio: None,
            bleep: None,
            output_directory: None,
            wait_time: MAX_WAIT_TIME,
        }
    }

    /// The file at `path`, read when the call is made; its extension picks the endpoint.
    ///
    /// ```
    /// let request = skyflow_client::detect::DeidentifyFileRequest::from_path("scan.pdf");
    /// # let _ = request;
    /// ```
    pub fn from_path(path: impl Into<PathBuf>) -> Self {
        DeidentifyFileRequest::with_source(FileSource::Path(path.into()))
    }

    /// The file's name (its extension picks the endpoint) and content.
    ///
    /// ```
    /// let request = skyflow_client::detect::DeidentifyFileRequest::from_bytes(
    ///     "people.csv",
    ///     "name,ssn\nJane Doe,123-45-6789\n",
    /// );
    /// assert!(request.validate().is_ok());
    /// ```
    pub fn from_bytes(file_name: impl Into<String>, bytes: impl Into<Bytes>) -> Self {
        DeidentifyFileRequest::with_source(FileSource::Bytes {
            name: file_name.into(),
            bytes: bytes.into(),
        })
    }

    /// Reads the file from `reader` to its end, into memory, and names it `file_name`.
    ///
    /// ```no_run
    /// # async fn run() -> skyflow_client::Result<()> {
    /// let file = tokio::fs::File::open("report.docx").await.expect("open");
    /// let request =
    ///     skyflow_client::detect::DeidentifyFileRequest::from_reader("report.docx", file).await?;
    /// # let _ = request; Ok(()) }
    /// ```
    pub async fn from_reader<R>(file_name: impl Into<String>, mut reader: R) -> Result<Self>
    where
        R: AsyncRead + Unpin,
    {
        let mut bytes = Vec::new();
        reader
            .read_to_end(&mut bytes)
            .await
            .map_err(|err| Error::validation(OP, "file", format!("the reader failed: {err}")))?;
        Ok(DeidentifyFileRequest::from_bytes(file_name, bytes))
    }

    /// Images: whether the processed image is returned.
    #[must_use]
    pub fn output_processed_image(mut self, output: bool) -> Self {
        self.output_processed_image = Some(output);
        self
    }

    /// Images: whether the text found by OCR is returned.
    #[must_use]
    pub fn output_ocr_text(mut self, output: bool) -> Self {
        self.output_ocr_text = Some(output);
        self
    }

    /// Images: how entities are hidden.
    #[must_use]
    pub fn masking_method(mut self, method: MaskingMethod) -> Self {
        self.masking_method = Some(method);
        self
    }

    /// PDFs: the pixel density used to render pages.
    #[must_use]
    pub fn pixel_density(mut self, density: u32) -> Self {
        self.pixel_density = Some(density);
        self
    }

    /// PDFs: the maximum resolution used to render pages.
    #[must_use]
    pub fn max_resolution(mut self, resolution: u32) -> Self {
        self.max_resolution = Some(resolution);
        self
    }

    /// Audio: the transcription returned.
    #[must_use]
    pub fn output_transcription(mut self, transcription: Transcription) -> Self {
        self.output_transcription = Some(transcription);
        self
    }

    /// Audio: whether the processed (bleeped) audio is returned.
    #[must_use]
    pub fn output_processed_audio(mut self, output: bool) -> Self {
        self.output_processed_audio = Some(output);
        self
    }

    /// Audio: the bleep that replaces entities.
    #[must_use]
    pub fn bleep(mut self, bleep: Bleep) -> Self {
        self.bleep = Some(bleep);
        self
    }

    /// Writes every output of a successful run into `dir` (which must exist), as
    /// `processed-<file stem>.<extension>`.
    ///
    /// ```
    /// let request = skyflow_client::detect::DeidentifyFileRequest::from_path("notes.txt")
    ///     .output_directory("/tmp");
    /// # let _ = request;
    /// ```
    #[must_use]
    pub fn output_directory(mut self, dir: impl Into<PathBuf>) -> Self {
        self.output_directory = Some(dir.into());
        self
    }

    /// How long to poll the run (at most [`MAX_WAIT_TIME`], the default). Polls back off
    /// 2 s, 4 s, 8 s … up to `wait_time` between two polls; when the last poll still
    /// finds the run in progress, the response has the run id and
    /// [`RunStatus::InProgress`](super::RunStatus::InProgress) and the run can be fetched
    /// later with [`get_detect_run`](crate::DetectClient::get_detect_run). Zero polls
    /// once.
    #[must_use]
    pub fn wait_time(mut self, wait_time: Duration) -> Self {
        self.wait_time = wait_time;
        self
    }

    pub(crate) fn wait(&self) -> Duration {
        self.wait_time
    }

    pub(crate) fn output_dir(&self) -> Option<&Path> {
        self.output_directory.as_deref()
    }

    /// The file's name, as sent (the path's last component for a path).
    pub(crate) fn file_name(&self) -> Option<String> {
        match &self.source {
            FileSource::Path(path) => path.file_name().map(|n| n.to_string_lossy().into_owned()),
            FileSource::Bytes { name, .. } => Some(name.clone()),
        }
    }

    /// The lower-case extension: after the last `.` of the name; empty without a dot.
    pub(crate) fn extension(&self) -> String {
        let name = self.file_name().unwrap_or_default();
        match name.rsplit_once('.') {
            Some((_, ext)) => ext.to_ascii_lowercase(),
            None => String::new(),
        }
    }

    /// The endpoint this file goes to.
    ///
    /// ```
    /// use skyflow_client::detect::{DeidentifyFileRequest, FileCategory};
    /// let request = DeidentifyFileRequest::from_path("/data/scan.PNG");
    /// assert_eq!(request.category(), FileCategory::Image);
    /// ```
    pub fn category(&self) -> FileCategory {
        FileCategory::from_extension(&self.extension())
    }

    /// Checks the request as it is checked before sending: a file name with a non-empty
    /// stem, an existing file for a path, an existing output directory, a wait time of
    /// at most 64 s, and valid de-identify options.
    ///
    /// ```
    /// use std::time::Duration;
    /// use skyflow_client::detect::DeidentifyFileRequest;
    /// let err = DeidentifyFileRequest::from_bytes("a.txt", "x")
    ///     .wait_time(Duration::from_secs(65))
    ///     .validate()
    ///     .unwrap_err();
    /// assert_eq!(err.field(), Some("wait_time"));
    /// ```
    pub fn validate(&self) -> Result<()> {
        match &self.source {
            FileSource::Path(path) => {
                if !path.is_file() {
                    return Err(Error::validation(
                        OP,
                        "file_path",
                        format!("`{}` is not an existing file", path.display()),
                    ));
                }
            }
            FileSource::Bytes { name, .. } => {
                if name.trim().is_empty() {
                    return Err(Error::validation(OP, "file_name", "must not be blank"));
                }
            }
        }
        let name = self.file_name().unwrap_or_default();
        let stem = name
            .rsplit_once('.')
            .map_or(name.as_str(), |(stem, _)| stem);
        if stem.trim().is_empty() {
            return Err(Error::validation(
                OP,
                "file_name",
                "needs a name before its extension",
            ));
        }
        if let Some(dir) = &self.output_directory
            && !dir.is_dir()
        {
            return Err(Error::validation(
                OP,
                "output_directory",
                format!("`{}` is not an existing directory", dir.display()),
            ));
        }
        if self.wait_time > MAX_WAIT_TIME {
            return Err(Error::validation(
                OP,
                "wait_time",
                format!(
                    "must be at most 64 seconds, not {:.3} s",
                    self.wait_time.as_secs_f64()
                ),
            ));
        }
        if let Some(bleep) = &self.bleep {
            for (field, value) in [
                ("bleep.gain", bleep.gain),
                ("bleep.frequency", bleep.frequency),
                ("bleep.start_padding", bleep.start_padding),
                ("bleep.stop_padding", bleep.stop_padding),
            ] {
                if !value.is_finite() {
                    return Err(Error::validation(OP, field, "must be a finite number"));
                }
            }
        }
        self.options.validate(OP)
    }

    /// Reads the file and describes the POST.
    pub(crate) async fn to_http(&self, vault_id: &str) -> Result<HttpRequest> {
        self.validate()?;
        let bytes = match &self.source {
            FileSource::Path(path) => Bytes::from(tokio::fs::read(path).await.map_err(|err| {
                Error::validation(
                    OP,
                    "file_path",
                    format!("`{}` could not be read: {err}", path.display()),
                )
            })?),
            FileSource::Bytes { bytes, .. } => bytes.clone(),
        };
        Ok(self.body(vault_id, &bytes))
    }

    fn body(&self, vault_id: &str, bytes: &[u8]) -> HttpRequest {
        let category = self.category();
        let mut body = Map::new();
        let mut file = Map::new();
        file.insert(
            "base64".into(),
            Value::String(base64::engine::general_purpose::STANDARD.encode(bytes)),
        );
        file.insert("data_format".into(), Value::String(self.extension()));
        body.insert("file".into(), Value::Object(file));
        body.insert("vault_id".into(), Value::String(vault_id.to_owned()));
        let mut put = |key: &str, value: Value| {
            body.insert(key.to_owned(), value);
        };
        let opt_bool = |v: Option<bool>| v.map_or(Value::Null, Value::Bool);
        match category {
            FileCategory::Audio => {
                put(
                    "output_transcription",
                    self.output_transcription
                        .map_or(Value::Null, |t| Value::from(t.as_str())),
                );
                put(
                    "output_processed_audio",
                    opt_bool(self.output_processed_audio),
                );
                let bleep = |f: fn(&Bleep) -> f64| {
                    self.bleep
                        .as_ref()
                        .map_or(Value::Null, |b| Value::from(f(b)))
                };
                put("bleep_start_padding", bleep(Bleep::start_padding));
                put("bleep_stop_padding", bleep(Bleep::stop_padding));
                put("bleep_frequency", bleep(Bleep::frequency));
                put("bleep_gain", bleep(Bleep::gain));
            }
            FileCategory::Pdf => {
                put(
                    "density",
                    self.pixel_density.map_or(Value::Null, Value::from),
                );
                put(
                    "max_resolution",
                    self.max_resolution.map_or(Value::Null, Value::from),
                );
            }
            FileCategory::Image => {
                put(
                    "output_processed_image",
                    opt_bool(self.output_processed_image),
                );
                put("output_ocr_text", opt_bool(self.output_ocr_text));
                put(
                    "masking_method",
                    self.masking_method
                        .map_or(Value::Null, |m| Value::from(m.as_str())),
                );
            }
            _ => {}
        }
        self.options
            .write(&mut body, category.takes_transformations());
        let mut http = detect_post(OP, category.path(), body);
        // Each POST starts a new run: never sent twice.
        http.idempotent = false;
        http
    }

    #[cfg(test)]
    pub(crate) fn body_for_test(&self, vault_id: &str, bytes: &[u8]) -> Value {
        match self.body(vault_id, bytes).body {
            crate::http::Body::Json(v) => v,
            other => panic!("not JSON: {other:?}"),
        }
    }
}

impl fmt::Debug for DeidentifyFileRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let source = match &self.source {
            FileSource::Path(path) => format!("path {}", path.display()),
            FileSource::Bytes { bytes, .. } => format!("[{} bytes]", bytes.len()),
        };
        f.debug_struct("DeidentifyFileRequest")
            .field("file", &source)
            .field("category", &self.category())
            .field("entities", &self.options.entities)
            .field("token_format", &self.options.token_format)
            .field("output_directory", &self.output_directory)
            .field("wait_time", &self.wait_time)
            .finish_non_exhaustive()
    }
}
