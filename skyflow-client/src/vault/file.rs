//! Files: upload (`POST /v2/vaults/{vault}/files/upload`), anti-virus scan status and
//! delete.

use std::fmt;
use std::marker::PhantomData;
use std::path::{Path, PathBuf};

use base64::Engine as _;
use bytes::Bytes;
use serde::Deserialize;
use tokio::io::{AsyncRead, AsyncReadExt};

use self::file_action::private::FileAction;
use super::common::{check_not_blank, check_segment, json_body, vault_path};
use super::types::FileScanStatus;
use crate::http::{Body, HttpRequest, HttpResponse, Method, Part};
use crate::{Error, Result};

const OP: &str = "FileUploadRequest";

#[derive(Clone)]
enum FileSource {
    Path(PathBuf),
    Bytes(Bytes),
    Base64(String),
}

/// Uploads a file into a file column, either of an existing record (`skyflow_id`) or of a
/// new record.
///
/// The file comes from a path (read when the call is made), from bytes, from base64 text,
/// or from an async reader (read into memory by [`file_reader`](Self::file_reader)). The
/// last source given wins. The content type is guessed from the file name's extension
/// (`application/octet-stream` when unknown) unless set with
/// [`content_type`](Self::content_type).
///
/// ```
/// use skyflow_client::vault::FileUploadRequest;
///
/// let from_path = FileUploadRequest::new("documents", "scan")
///     .skyflow_id("a8f0c2e1")
///     .file_path("/tmp/passport.pdf");
/// assert!(from_path.validate().is_ok());
///
/// let from_bytes = FileUploadRequest::new("documents", "scan")
///     .file_bytes("note.txt", b"hello".to_vec());
/// assert!(from_bytes.validate().is_ok());
/// ```
#[derive(Clone)]
pub struct FileUploadRequest {
    table: String,
    column: String,
    skyflow_id: Option<String>,
    source: Option<FileSource>,
    file_name: Option<String>,
    content_type: Option<String>,
}

impl FileUploadRequest {
    /// An upload into `column` of `table`, with no file yet.
    ///
    /// ```
    /// let request = skyflow_client::vault::FileUploadRequest::new("documents", "scan");
    /// assert!(request.validate().is_err());
    /// ```
    pub fn new(table: impl Into<String>, column: impl Into<String>) -> Self {
        FileUploadRequest {
            table: table.into(),
            column: column.into(),
            skyflow_id: None,
            source: None,
            file_name: None,
            content_type: None,
        }
    }

    /// Uploads into this existing record instead of creating one.
    ///
    /// ```
    /// let request = skyflow_client::vault::FileUploadRequest::new("documents", "scan").skyflow_id("id1");
    /// # let _ = request;
    /// ```
    #[must_use]
    pub fn skyflow_id(mut self, skyflow_id: impl Into<String>) -> Self {
        self.skyflow_id = Some(skyflow_id.into());
        self
    }

    /// The file at `path`, read when the call is made. Its name is the path's last
    /// component unless [`file_name`](Self::file_name) is set.
    ///
    /// ```
    /// let request = skyflow_client::vault::FileUploadRequest::new("documents", "scan")
    ///     .file_path("statement.pdf");
    /// # let _ = request;
    /// ```
    #[must_use]
    pub fn file_path(mut self, path: impl Into<PathBuf>) -> Self {
        self.source = Some(FileSource::Path(path.into()));
        self
    }

    /// The file's content and name.
    ///
    /// ```
    /// let request = skyflow_client::vault::FileUploadRequest::new("documents", "scan")
    ///     .file_bytes("photo.png", vec![0x89, b'P', b'N', b'G']);
    /// # let _ = request;
    /// ```
    #[must_use]
    pub fn file_bytes(mut self, file_name: impl Into<String>, bytes: impl Into<Bytes>) -> Self {
        self.source = Some(FileSource::Bytes(bytes.into()));
        self.file_name = Some(file_name.into());
        self
    }

    /// The file's content as base64 (standard alphabet, padding optional, whitespace
    /// ignored) and its name. It is decoded before sending.
    ///
    /// ```
    /// let request = skyflow_client::vault::FileUploadRequest::new("documents", "scan")
    ///     .file_base64("note.txt", "aGVsbG8=");
    /// assert!(request.validate().is_ok());
    /// ```
    #[must_use]
    pub fn file_base64(mut self, file_name: impl Into<String>, base64: impl Into<String>) -> Self {
        self.source = Some(FileSource::Base64(base64.into()));
        self.file_name = Some(file_name.into());
        self
    }

    /// Reads the file from `reader` to its end, into memory, and names it `file_name`.
    ///
    /// ```no_run
    /// # async fn run() -> skyflow_client::Result<()> {
    /// let file = tokio::fs::File::open("scan.pdf").await.expect("open");
    /// let request = skyflow_client::vault::FileUploadRequest::new("documents", "scan")
    ///     .file_reader("scan.pdf", file)
    ///     .await?;
    /// # let _ = request; Ok(()) }
    /// ```
    pub async fn file_reader<R>(
        mut self,
        file_name: impl Into<String>,
        mut reader: R,
    ) -> Result<Self>
    where
        R: AsyncRead + Unpin,
    {
        let mut buffer = Vec::new();
        reader.read_to_end(&mut buffer).await.map_err(|err| {
            Error::validation(OP, "file", format!("could not be read: {}", err.kind()))
        })?;
        self.source = Some(FileSource::Bytes(Bytes::from(buffer)));
        self.file_name = Some(file_name.into());
        Ok(self)
    }

    /// Overrides the file name sent with the file.
    ///
    /// ```
    /// let request = skyflow_client::vault::FileUploadRequest::new("documents", "scan")
    ///     .file_path("/tmp/upload-1234")
    ///     .file_name("passport.pdf");
    /// # let _ = request;
    /// ```
    #[must_use]
    pub fn file_name(mut self, file_name: impl Into<String>) -> Self {
        self.file_name = Some(file_name.into());
        self
    }

    /// Overrides the guessed content type.
    ///
    /// ```
    /// let request = skyflow_client::vault::FileUploadRequest::new("documents", "scan")
    ///     .file_bytes("data.bin", vec![1, 2, 3])
    ///     .content_type("application/x-custom");
    /// # let _ = request;
    /// ```
    #[must_use]
    pub fn content_type(mut self, content_type: impl Into<String>) -> Self {
        self.content_type = Some(content_type.into());
        self
    }

    /// Checks the request as it would be checked before sending (a path's existence is
    /// checked when the file is read).
    ///
    /// ```
    /// let err = skyflow_client::vault::FileUploadRequest::new("documents", " ")
    ///     .file_bytes("a.txt", "x")
    ///     .validate()
    ///     .unwrap_err();
    /// assert_eq!(err.field(), Some("column_name"));
    /// ```
    pub fn validate(&self) -> Result<()> {
        check_not_blank(OP, "table", &self.table)?;
        check_not_blank(OP, "column_name", &self.column)?;
        if let Some(id) = &self.skyflow_id {
            check_not_blank(OP, "skyflow_id", id)?;
        }
        if let Some(content_type) = &self.content_type {
            check_not_blank(OP, "content_type", content_type)?;
        }
        match &self.source {
            None => Err(Error::validation(
                OP,
                "file",
                "is missing: give a file path, bytes, base64 or a reader",
            )),
            Some(FileSource::Path(path)) => {
                if path.as_os_str().is_empty() {
                    return Err(Error::validation(OP, "file_path", "must not be empty"));
                }
                self.name_for(Some(path)).map(drop)
            }
            Some(FileSource::Bytes(_)) => self.name_for(None).map(drop),
            Some(FileSource::Base64(text)) => {
                decode_base64(text)?;
                self.name_for(None).map(drop)
            }
        }
    }

    fn name_for(&self, path: Option<&Path>) -> Result<String> {
        let name = match (&self.file_name, path) {
            (Some(name), _) => name.clone(),
            (None, Some(path)) => path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .ok_or_else(|| Error::validation(OP, "file_path", "has no file name"))?,
            (None, None) => String::new(),
        };
        check_not_blank(OP, "file_name", &name)?;
        Ok(name)
    }

    /// The HTTP call for this request, validated first; a path source is read here.
    pub(crate) async fn to_http(&self, vault_id: &str) -> Result<HttpRequest> {
        self.validate()?;
        let (file_name, bytes) = match &self.source {
            Some(FileSource::Path(path)) => {
                let bytes = tokio::fs::read(path).await.map_err(|err| {
                    Error::validation(
                        OP,
                        "file_path",
                        format!("could not be read: {}", err.kind()),
                    )
                })?;
                (self.name_for(Some(path))?, Bytes::from(bytes))
            }
            Some(FileSource::Bytes(bytes)) => (self.name_for(None)?, bytes.clone()),
            Some(FileSource::Base64(text)) => (self.name_for(None)?, decode_base64(text)?),
            None => return Err(Error::validation(OP, "file", "is missing")),
        };
        self.multipart(vault_id, file_name, bytes)
    }

    fn multipart(&self, vault_id: &str, file_name: String, bytes: Bytes) -> Result<HttpRequest> {
        let content_type = self
            .content_type
            .clone()
            .unwrap_or_else(|| guess_content_type(&file_name).to_owned());
        let parts = vec![
            Part::Text {
                name: "tableName".into(),
                value: self.table.clone(),
            },
            Part::Text {
                name: "columnName".into(),
                value: self.column.clone(),
            },
            Part::Text {
                name: "skyflowID".into(),
                value: self.skyflow_id.clone().unwrap_or_default(),
            },
            Part::Text {
                name: "returnFileMetadata".into(),
                value: "false".to_owned(),
            },
            Part::File {
                name: "file".into(),
                file_name,
                content_type,
                bytes,
            },
        ];
        Ok(HttpRequest {
            operation: OP,
            method: Method::Post,
            path: vault_path("v2", vault_id, &["files", "upload"])?,
            query: Vec::new(),
            body: Body::Multipart(parts),
            idempotent: false,
            headers: Vec::new(),
        })
    }
}

fn decode_base64(text: &str) -> Result<Bytes> {
    use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
    const ENGINE: GeneralPurpose = GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
    );
    let compact: String = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    ENGINE
        .decode(compact)
        .map(Bytes::from)
        .map_err(|_| Error::validation(OP, "file_base64", "is not valid base64"))
}

/// Content type from a file name's extension.
pub(crate) fn guess_content_type(file_name: &str) -> &'static str {
    let ext = file_name
        .rsplit_once('.')
        .map(|(_, ext)| ext.to_ascii_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "pdf" => "application/pdf",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "bmp" => "image/bmp",
        "tif" | "tiff" => "image/tiff",
        "webp" => "image/webp",
        "svg" => "image/svg+xml",
        "heic" => "image/heic",
        "txt" => "text/plain",
        "csv" => "text/csv",
        "htm" | "html" => "text/html",
        "xml" => "application/xml",
        "json" => "application/json",
        "doc" => "application/msword",
        "docx" => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "xls" => "application/vnd.ms-excel",
        "xlsx" => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "ppt" => "application/vnd.ms-powerpoint",
        "pptx" => "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "zip" => "application/zip",
        "gz" => "application/gzip",
        "mp3" => "audio/mpeg",
        "wav" => "audio/wav",
        "mp4" => "video/mp4",
        _ => "application/octet-stream",
    }
}

impl fmt::Debug for FileUploadRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let source = match &self.source {
            None => "none".to_owned(),
            Some(FileSource::Path(_)) => "path".to_owned(),
            Some(FileSource::Bytes(bytes)) => format!("bytes ({} bytes)", bytes.len()),
            Some(FileSource::Base64(text)) => format!("base64 ({} chars)", text.len()),
        };
        f.debug_struct("FileUploadRequest")
            .field("table", &self.table)
            .field("column", &self.column)
            .field("skyflow_id", &self.skyflow_id)
            .field("source", &source)
            .field("content_type", &self.content_type)
            .finish_non_exhaustive()
    }
}

/// The answer to a [`FileUploadRequest`]: the record that holds the file.
///
/// ```
/// fn show(response: &skyflow_client::vault::FileUploadResponse) {
///     println!("file stored in record {}", response.skyflow_id());
/// }
/// # let _ = show;
/// ```
#[derive(Debug, Clone)]
pub struct FileUploadResponse {
    skyflow_id: String,
}

impl FileUploadResponse {
    /// The record's id (new, or the one given).
    ///
    /// ```
    /// # fn f(r: &skyflow_client::vault::FileUploadResponse) { let _ = r.skyflow_id(); }
    /// ```
    pub fn skyflow_id(&self) -> &str {
        &self.skyflow_id
    }

    pub(crate) fn from_http(resp: HttpResponse) -> Result<Self> {
        #[derive(Deserialize)]
        struct Raw {
            #[serde(rename = "skyflowID")]
            skyflow_id: String,
        }
        let raw: Raw = json_body(OP, &resp)?;
        Ok(FileUploadResponse {
            skyflow_id: raw.skyflow_id,
        })
    }
}

/// Names the file in a record's file column (`column` of record `skyflow_id` of
/// `table`), for an action on it: [`FileScanStatusRequest`] asks for its anti-virus scan
/// status, [`DeleteFileRequest`] deletes it. One type: the action `A` only chooses the
/// call.
///
/// ```
/// use skyflow_client::vault::{DeleteFileRequest, FileScanStatusRequest};
///
/// let status = FileScanStatusRequest::new("documents", "a8f0c2e1", "scan");
/// assert!(status.validate().is_ok());
/// let delete = DeleteFileRequest::new("documents", "a8f0c2e1", " ");
/// assert_eq!(delete.validate().unwrap_err().operation(), Some("DeleteFileRequest"));
/// ```
#[derive(Debug, Clone)]
pub struct FileRequest<A> {
    table: String,
    skyflow_id: String,
    column: String,
    action: PhantomData<fn() -> A>,
}

/// Asks for the anti-virus scan status of a record's file.
pub type FileScanStatusRequest = FileRequest<file_action::ScanStatus>;

/// Deletes the file in a record's file column (the record stays).
pub type DeleteFileRequest = FileRequest<file_action::Delete>;

/// The actions of a [`FileRequest`].
pub mod file_action {
    /// Asks for the file's anti-virus scan status
    /// ([`FileScanStatusRequest`](super::FileScanStatusRequest)).
    #[derive(Debug, Clone, Copy)]
    pub enum ScanStatus {}

    /// Deletes the file ([`DeleteFileRequest`](super::DeleteFileRequest)).
    #[derive(Debug, Clone, Copy)]
    pub enum Delete {}

    pub(crate) mod private {
        /// What an action sends: its request name, method and path after the column.
        pub trait FileAction {
            /// The request type's name, for errors and logs.
            const OPERATION: &'static str;
            /// `DELETE` the file's path (else `GET` it).
            const DELETES: bool;
            /// Path segments after `files/{column}`.
            const SUFFIX: &'static [&'static str];
        }
    }

    impl private::FileAction for ScanStatus {
        const OPERATION: &'static str = "FileScanStatusRequest";
        const DELETES: bool = false;
        const SUFFIX: &'static [&'static str] = &["scan-status"];
    }

    impl private::FileAction for Delete {
        const OPERATION: &'static str = "DeleteFileRequest";
        const DELETES: bool = true;
        const SUFFIX: &'static [&'static str] = &[];
    }
}

impl<A: FileAction> FileRequest<A> {
    /// The file in `column` of record `skyflow_id` of `table`.
    ///
    /// ```
    /// let request = skyflow_client::vault::DeleteFileRequest::new("documents", "id1", "scan");
    /// # let _ = request;
    /// ```
    pub fn new(
        table: impl Into<String>,
        skyflow_id: impl Into<String>,
        column: impl Into<String>,
    ) -> Self {
        FileRequest {
            table: table.into(),
            skyflow_id: skyflow_id.into(),
            column: column.into(),
            action: PhantomData,
        }
    }

    /// Checks the request as it would be checked before sending.
    ///
    /// ```
    /// let err = skyflow_client::vault::FileScanStatusRequest::new("documents", "", "scan")
    ///     .validate()
    ///     .unwrap_err();
    /// assert_eq!(err.field(), Some("skyflow_id"));
    /// ```
    pub fn validate(&self) -> Result<()> {
        check_segment(A::OPERATION, "table", &self.table)?;
        check_segment(A::OPERATION, "skyflow_id", &self.skyflow_id)?;
        check_segment(A::OPERATION, "column_name", &self.column)
    }

    pub(crate) fn to_http(&self, vault_id: &str) -> Result<HttpRequest> {
        self.validate()?;
        let mut segments = vec![
            self.table.as_str(),
            self.skyflow_id.as_str(),
            "files",
            self.column.as_str(),
        ];
        segments.extend(A::SUFFIX);
        Ok(HttpRequest {
            operation: A::OPERATION,
            method: if A::DELETES {
                Method::Delete
            } else {
                Method::Get
            },
            path: vault_path("v1", vault_id, &segments)?,
            query: Vec::new(),
            body: Body::Empty,
            idempotent: true,
            headers: Vec::new(),
        })
    }
}

/// The answer to a [`FileScanStatusRequest`].
///
/// ```
/// fn ready(response: &skyflow_client::vault::FileScanStatusResponse) -> bool {
///     response.status().is_clean()
/// }
/// # let _ = ready;
/// ```
#[derive(Debug, Clone)]
pub struct FileScanStatusResponse {
    status: FileScanStatus,
}

impl FileScanStatusResponse {
    /// The scan status.
    ///
    /// ```
    /// # fn f(r: &skyflow_client::vault::FileScanStatusResponse) { let _ = r.status(); }
    /// ```
    pub fn status(&self) -> &FileScanStatus {
        &self.status
    }

    pub(crate) fn from_http(resp: HttpResponse) -> Result<Self> {
        #[derive(Deserialize)]
        struct Raw {
            av_scan_status: String,
        }
        let raw: Raw = json_body(<file_action::ScanStatus as FileAction>::OPERATION, &resp)?;
        Ok(FileScanStatusResponse {
            status: FileScanStatus::from_wire(&raw.av_scan_status),
        })
    }
}

/// The answer to a [`DeleteFileRequest`].
///
/// ```
/// fn show(response: &skyflow_client::vault::DeleteFileResponse) {
///     println!("{} deleted: {}", response.skyflow_id(), response.deleted());
/// }
/// # let _ = show;
/// ```
#[derive(Debug, Clone)]
pub struct DeleteFileResponse {
    skyflow_id: String,
    deleted: bool,
}

impl DeleteFileResponse {
    /// The record's id.
    ///
    /// ```
    /// # fn f(r: &skyflow_client::vault::DeleteFileResponse) { let _ = r.skyflow_id(); }
    /// ```
    pub fn skyflow_id(&self) -> &str {
        &self.skyflow_id
    }

    /// Whether the vault reports the file deleted.
    ///
    /// ```
    /// # fn f(r: &skyflow_client::vault::DeleteFileResponse) { let _ = r.deleted(); }
    /// ```
    pub fn deleted(&self) -> bool {
        self.deleted
    }

    pub(crate) fn from_http(resp: HttpResponse) -> Result<Self> {
        #[derive(Deserialize)]
        struct Raw {
            skyflow_id: String,
            #[serde(default)]
            deleted: bool,
        }
        let raw: Raw = json_body(<file_action::Delete as FileAction>::OPERATION, &resp)?;
        Ok(DeleteFileResponse {
            skyflow_id: raw.skyflow_id,
            deleted: raw.deleted,
        })
    }
}
