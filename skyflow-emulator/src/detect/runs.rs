//! Detect runs: a file de-identify is a run, processed in the background and read through
//! `GET /v1/detect/runs/{run_id}`. Runs are kept in the encrypted store (they hold
//! de-identified files and the entities found, whose values are originals), so a
//! finished run survives a restart.
//!
//! A run cut off before it finished (the emulator stopped: a crash, `kill -9`, a restart; or
//! its task panicked) would read `IN_PROGRESS` forever, and a client polling it would never
//! learn that it has to submit the file again. So the runs this process is working on are
//! kept in [`ActiveRuns`], and a stored run still in progress that none of them holds reads
//! as failed: [`RunState::interrupted`].

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use base64::Engine as _;
use serde::{Deserialize, Serialize};

use super::files::{FileError, Processed};
use super::render::EntityOut;
use crate::engine::{Engine, EngineResult};

/// A run as `GET /v1/detect/runs/{id}` answers it (camelCase where Skyflow's API is).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct RunState {
    pub(crate) status: String,
    #[serde(rename = "outputType")]
    pub(crate) output_type: String,
    pub(crate) output: Vec<RunOutput>,
    pub(crate) message: String,
    pub(crate) size: f64,
    #[serde(rename = "wordCharacterCount")]
    pub(crate) word_character_count: WordCharacterCount,
    pub(crate) duration: f64,
    pub(crate) pages: u64,
    pub(crate) slides: u64,
}

/// One output file of a run.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct RunOutput {
    #[serde(rename = "processedFile")]
    pub(crate) processed_file: String,
    #[serde(rename = "processedFileType")]
    pub(crate) processed_file_type: String,
    #[serde(rename = "processedFileExtension")]
    pub(crate) processed_file_extension: String,
}

/// Word and character counts.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct WordCharacterCount {
    #[serde(rename = "wordCount")]
    pub(crate) word_count: u64,
    #[serde(rename = "characterCount")]
    pub(crate) character_count: u64,
}

/// One entity of a run's `entities` output (the shape Skyflow's file runs use).
#[derive(Debug, Serialize)]
struct FileEntity<'a> {
    processed_text: &'a str,
    text: &'a str,
    location: FileLocation,
    best_label: &'a str,
    labels: &'a std::collections::BTreeMap<String, f64>,
}

#[derive(Debug, Serialize)]
struct FileLocation {
    stt_idx: usize,
    end_idx: usize,
    stt_idx_processed: usize,
    end_idx_processed: usize,
}

/// The status of a run not finished yet.
const IN_PROGRESS: &str = "IN_PROGRESS";

impl RunState {
    fn base(status: &str, message: &str) -> RunState {
        RunState {
            status: status.to_owned(),
            output_type: "BASE64".to_owned(),
            output: Vec::new(),
            message: message.to_owned(),
            size: 0.0,
            word_character_count: WordCharacterCount::default(),
            duration: 0.0,
            pages: 0,
            slides: 0,
        }
    }

    pub(crate) fn in_progress() -> RunState {
        RunState::base(IN_PROGRESS, "The file is being de-identified.")
    }

    /// Whether the run is still being worked on (as stored, see [`get`]).
    pub(crate) fn is_in_progress(&self) -> bool {
        self.status == IN_PROGRESS
    }

    /// A run cut off before it finished (see the module's docs).
    fn interrupted() -> RunState {
        RunState::base(
            "FAILED",
            "The run was interrupted: the emulator stopped before the file was de-identified. Submit the file again.",
        )
    }

    pub(crate) fn failed(error: &FileError) -> RunState {
        let message = match error {
            FileError::Invalid(message) => message.clone(),
            FileError::Engine(_) => {
                "The emulator could not store the file's vault tokens. Check the emulator's logs."
                    .to_owned()
            }
        };
        RunState::base("FAILED", &message)
    }

    pub(crate) fn succeeded(processed: &Processed, extension: &str) -> RunState {
        let b64 = base64::engine::general_purpose::STANDARD;
        let entities: Vec<FileEntity<'_>> = processed.entities.iter().map(file_entity).collect();
        let entities_json = serde_json::to_vec(&entities).expect("entities serialize");
        let mut state = RunState::base("SUCCESS", "De-identification completed successfully.");
        state.size = ((processed.bytes.len() as f64 / 1024.0) * 100.0).round() / 100.0;
        state.output = vec![
            RunOutput {
                processed_file: b64.encode(&processed.bytes),
                processed_file_type: "redacted_file".to_owned(),
                processed_file_extension: extension.to_owned(),
            },
            RunOutput {
                processed_file: b64.encode(entities_json),
                processed_file_type: "entities".to_owned(),
                processed_file_extension: "json".to_owned(),
            },
        ];
        state.word_character_count = WordCharacterCount {
            word_count: processed.words as u64,
            character_count: processed.chars as u64,
        };
        state.pages = processed.pages.unwrap_or(0) as u64;
        state.slides = processed.slides.unwrap_or(0) as u64;
        state
    }
}

fn file_entity(e: &EntityOut) -> FileEntity<'_> {
    FileEntity {
        processed_text: &e.token,
        text: &e.value,
        location: FileLocation {
            stt_idx: e.location.start_index,
            end_idx: e.location.end_index,
            stt_idx_processed: e.location.start_index_processed,
            end_idx_processed: e.location.end_index_processed,
        },
        best_label: &e.entity_type,
        labels: &e.entity_scores,
    }
}

/// The runs this process is working on, by vault and run id.
///
/// A run is added before its `IN_PROGRESS` state is stored and removed after its result is
/// stored, so a reader that looks here before it reads the run's state never takes a live run
/// for an interrupted one.
#[derive(Debug, Default)]
pub(crate) struct ActiveRuns(Mutex<HashSet<String>>);

/// A run in [`ActiveRuns`]: it leaves them when dropped (once its result is stored, or when
/// its task panics).
pub(crate) struct ActiveRun {
    runs: Arc<ActiveRuns>,
    key: String,
}

impl ActiveRuns {
    /// Marks run `run_id` of `vault` as being worked on, until the returned guard drops.
    pub(crate) fn begin(self: &Arc<Self>, vault: &str, run_id: &str) -> ActiveRun {
        let key = key(vault, run_id);
        self.set().insert(key.clone());
        ActiveRun {
            runs: Arc::clone(self),
            key,
        }
    }

    /// Whether this process is working on run `run_id` of `vault`.
    fn is_active(&self, vault: &str, run_id: &str) -> bool {
        self.set().contains(&key(vault, run_id))
    }

    fn set(&self) -> std::sync::MutexGuard<'_, HashSet<String>> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Drop for ActiveRun {
    fn drop(&mut self) {
        self.runs.set().remove(&self.key);
    }
}

fn key(vault: &str, run_id: &str) -> String {
    format!("detect-run/{vault}/{run_id}")
}

/// Stores the state of a run.
pub(crate) fn put(
    engine: &Engine,
    vault: &str,
    run_id: &str,
    state: &RunState,
) -> EngineResult<()> {
    let bytes = serde_json::to_vec(state).expect("a run serializes");
    engine.meta_put(&key(vault, run_id), &bytes)
}

/// The state of a run of `vault`, if it exists. A run stored as in progress that no task of
/// this process (`active`) works on reads as [`RunState::interrupted`]: no process takes a run
/// up again, so every read answers the same, and reading stores nothing.
pub(crate) fn get(
    engine: &Engine,
    active: &ActiveRuns,
    vault: &str,
    run_id: &str,
) -> EngineResult<Option<RunState>> {
    // Looked up before the state is read (see `ActiveRuns`).
    let working = active.is_active(vault, run_id);
    let state: Option<RunState> = engine
        .meta_get(&key(vault, run_id))?
        .and_then(|bytes| serde_json::from_slice(&bytes).ok());
    Ok(state.map(|run| {
        if run.is_in_progress() && !working {
            RunState::interrupted()
        } else {
            run
        }
    }))
}
