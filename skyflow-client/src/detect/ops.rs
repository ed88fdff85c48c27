//! The Detect operations, as methods of [`DetectClient`], and run polling.

use std::time::Duration;

use super::run::run_request;
use super::{
    DeidentifyFileRequest, DeidentifyFileResponse, DeidentifyTextRequest, DeidentifyTextResponse,
    GetDetectRunRequest, ReidentifyTextRequest, ReidentifyTextResponse, RunStatus,
};
use crate::Result;
use crate::client::DetectClient;

const FILE_OP: &str = "DeidentifyFileRequest";

impl DetectClient {
    /// De-identifies text: every entity found is replaced by its token (or shifted date),
    /// and the entities come back with their positions and scores.
    ///
    /// ```no_run
    /// use skyflow_client::detect::{DeidentifyTextRequest, EntityType};
    /// # async fn run(detect: skyflow_client::DetectClient) -> skyflow_client::Result<()> {
    /// let request = DeidentifyTextRequest::new("My SSN is 123-45-6789")
    ///     .entities([EntityType::Ssn]);
    /// let response = detect.deidentify_text(&request).await?;
    /// assert_eq!(response.processed_text(), "My SSN is [SSN_1]");
    /// # Ok(()) }
    /// ```
    pub async fn deidentify_text(
        &self,
        request: &DeidentifyTextRequest,
    ) -> Result<DeidentifyTextResponse> {
        let vault_id = self.vault_id();
        self.transport()
            .perform("DeidentifyTextRequest", |exchange| async move {
                let http = request.to_http(vault_id)?;
                DeidentifyTextResponse::from_http(exchange.send(&http).await?)
            })
            .await
    }

    /// Re-identifies text: the vault tokens in it are replaced by the original values,
    /// plain, masked or redacted as the request says.
    ///
    /// ```no_run
    /// use skyflow_client::detect::ReidentifyTextRequest;
    /// # async fn run(detect: skyflow_client::DetectClient) -> skyflow_client::Result<()> {
    /// let request = ReidentifyTextRequest::new("My SSN is [SSN_VqLazzA]");
    /// println!("{}", detect.reidentify_text(&request).await?.processed_text());
    /// # Ok(()) }
    /// ```
    pub async fn reidentify_text(
        &self,
        request: &ReidentifyTextRequest,
    ) -> Result<ReidentifyTextResponse> {
        let vault_id = self.vault_id();
        self.transport()
            .perform("ReidentifyTextRequest", |exchange| async move {
                let http = request.to_http(vault_id)?;
                ReidentifyTextResponse::from_http(exchange.send(&http).await?)
            })
            .await
    }

    /// De-identifies a file: sends it to the endpoint of its extension, polls the run
    /// (backing off 2 s, 4 s, 8 s … up to the request's wait time), and, when the run
    /// succeeded and an output directory is set, writes the outputs there.
    ///
    /// A run still in progress when polling stops comes back with
    /// [`RunStatus::InProgress`] and its run id; a failed run with
    /// [`RunStatus::Failed`] and the service's [`message`](DeidentifyFileResponse::message).
    ///
    /// ```no_run
    /// use skyflow_client::detect::DeidentifyFileRequest;
    /// # async fn run(detect: skyflow_client::DetectClient) -> skyflow_client::Result<()> {
    /// let request = DeidentifyFileRequest::from_path("notes.txt").output_directory("out");
    /// let response = detect.deidentify_file(&request).await?;
    /// println!("{:?}: {:?}", response.status(), response.written_files());
    /// # Ok(()) }
    /// ```
    pub async fn deidentify_file(
        &self,
        request: &DeidentifyFileRequest,
    ) -> Result<DeidentifyFileResponse> {
        let vault_id = self.vault_id();
        self.transport()
            .perform(FILE_OP, |exchange| async move {
                let http = request.to_http(vault_id).await?;
                let run_id = parse_run_id(&exchange.send(&http).await?)?;
                let poll = run_request(FILE_OP, &run_id, vault_id);
                let mut pauses = poll_pauses(request.wait()).into_iter();
                let mut response = loop {
                    let resp = exchange.send(&poll).await?;
                    let response = DeidentifyFileResponse::from_http(FILE_OP, &run_id, resp)?;
                    if response.status() != &RunStatus::InProgress {
                        break response;
                    }
                    match pauses.next() {
                        Some(pause) => tokio::time::sleep(pause).await,
                        None => break response,
                    }
                };
                if response.status() == &RunStatus::Success
                    && let Some(dir) = request.output_dir()
                {
                    let name = request.file_name().unwrap_or_default();
                    let stem = name.rsplit_once('.').map_or(name.as_str(), |(s, _)| s);
                    response.write_outputs(FILE_OP, dir, stem).await?;
                }
                Ok(response)
            })
            .await
    }

    /// Fetches a Detect run: in progress, or finished with its outputs.
    ///
    /// ```no_run
    /// use skyflow_client::detect::GetDetectRunRequest;
    /// # async fn run(detect: skyflow_client::DetectClient) -> skyflow_client::Result<()> {
    /// let run = detect.get_detect_run(&GetDetectRunRequest::new("r-9c1f2a3b")).await?;
    /// println!("{:?}", run.status());
    /// # Ok(()) }
    /// ```
    pub async fn get_detect_run(
        &self,
        request: &GetDetectRunRequest,
    ) -> Result<DeidentifyFileResponse> {
        const OP: &str = "GetDetectRunRequest";
        let vault_id = self.vault_id();
        self.transport()
            .perform(OP, |exchange| async move {
                let http = request.to_http(vault_id)?;
                DeidentifyFileResponse::from_http(OP, request.run_id(), exchange.send(&http).await?)
            })
            .await
    }
}

/// The pauses between polls of a run for a wait time `wait`: doubling from 2 s, each at
/// most what is left of `wait` counted from 1 s, so 64 s gives 2, 4, 8, 16, 32 and 32 s
/// (the schedule of Skyflow's SDKs), and zero gives none.
pub(crate) fn poll_pauses(wait: Duration) -> Vec<Duration> {
    let mut pauses = Vec::new();
    let mut current = Duration::from_secs(1);
    while current < wait {
        let next = (current * 2).min(wait);
        pauses.push(if current * 2 < wait {
            current * 2
        } else {
            wait - current
        });
        current = next;
    }
    pauses
}

/// Reads the `run_id` of a de-identify-file POST.
fn parse_run_id(resp: &crate::http::HttpResponse) -> Result<String> {
    #[derive(serde::Deserialize)]
    struct Raw {
        run_id: String,
    }
    let raw: Raw = crate::http::json_body(FILE_OP, resp)?;
    if raw.run_id.trim().is_empty() {
        return Err(crate::http::decode_error(
            FILE_OP,
            resp,
            "the response has an empty run_id",
        ));
    }
    Ok(raw.run_id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pauses_follow_the_sdk_schedule() {
        let secs = |w: u64| {
            poll_pauses(Duration::from_secs(w))
                .into_iter()
                .map(|d| d.as_secs())
                .collect::<Vec<_>>()
        };
        assert_eq!(secs(64), [2, 4, 8, 16, 32, 32]);
        assert_eq!(secs(64).iter().sum::<u64>(), 94);
        assert_eq!(secs(0), Vec::<u64>::new());
        assert_eq!(secs(1), Vec::<u64>::new());
        assert_eq!(secs(2), [1]);
        assert_eq!(secs(10), [2, 4, 8, 2]);
    }
}
