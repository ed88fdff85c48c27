//! `sky_vaults`, `sky_meta`, `sky_service_accounts` and `sky_api_keys`: each call is its own
//! durable transaction (or read).

use rusqlite::{OptionalExtension, params};

use super::Store;
use crate::engine::error::EngineResult;

impl Store {
    /// `(vault_id, schema_json)` of every vault, in creation order.
    pub(crate) fn vaults(&self) -> EngineResult<Vec<(String, String)>> {
        self.read(|c| {
            let mut st = c.prepare("SELECT vault_id, schema_json FROM sky_vaults ORDER BY seq")?;
            let rows = st
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(rows)
        })
    }

    /// Creates vault `id` at position `seq`, or replaces its schema.
    pub(crate) fn put_vault(&self, id: &str, seq: i64, schema_json: &str) -> EngineResult<()> {
        self.write(|tx| {
            tx.execute(
                "INSERT INTO sky_vaults(vault_id, seq, schema_json) VALUES (?1, ?2, ?3)
                 ON CONFLICT(vault_id) DO UPDATE SET schema_json = excluded.schema_json",
                params![id, seq, schema_json],
            )?;
            Ok(())
        })
    }

    /// The (encrypted) setting `key`.
    pub(crate) fn meta(&self, key: &str) -> EngineResult<Option<Vec<u8>>> {
        self.read(|c| {
            Ok(c.query_row(
                "SELECT value FROM sky_meta WHERE key = ?1",
                params![key],
                |r| r.get(0),
            )
            .optional()?)
        })
    }

    /// Sets the (encrypted) setting `key`.
    pub(crate) fn put_meta(&self, key: &str, value: &[u8]) -> EngineResult<()> {
        self.write(|tx| {
            tx.execute(
                "INSERT INTO sky_meta(key, value) VALUES (?1, ?2) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                params![key, value],
            )?;
            Ok(())
        })
    }

    /// Stores a service account's JSON, replacing any with the same client or key id.
    pub(crate) fn put_service_account(
        &self,
        client_id: &str,
        key_id: &str,
        json: &str,
    ) -> EngineResult<()> {
        self.write(|tx| {
            tx.execute(
                "DELETE FROM sky_service_accounts WHERE client_id = ?1 OR key_id = ?2",
                params![client_id, key_id],
            )?;
            tx.execute(
                "INSERT INTO sky_service_accounts(client_id, key_id, record) VALUES (?1, ?2, ?3)",
                params![client_id, key_id, json],
            )?;
            Ok(())
        })
    }

    /// The JSON of the service account with client id (or, with `by_key`, key id) `id`.
    pub(crate) fn service_account(&self, id: &str, by_key: bool) -> EngineResult<Option<String>> {
        let sql = if by_key {
            "SELECT record FROM sky_service_accounts WHERE key_id = ?1"
        } else {
            "SELECT record FROM sky_service_accounts WHERE client_id = ?1"
        };
        self.read(|c| Ok(c.query_row(sql, params![id], |r| r.get(0)).optional()?))
    }

    /// Deletes a service account; whether it existed.
    pub(crate) fn delete_service_account(&self, client_id: &str) -> EngineResult<bool> {
        self.write(|tx| {
            Ok(tx.execute(
                "DELETE FROM sky_service_accounts WHERE client_id = ?1",
                params![client_id],
            )? > 0)
        })
    }

    /// The JSON of every service account, by client id.
    pub(crate) fn service_accounts(&self) -> EngineResult<Vec<String>> {
        self.read(|c| {
            let mut st = c.prepare("SELECT record FROM sky_service_accounts ORDER BY client_id")?;
            let rows = st
                .query_map([], |r| r.get(0))?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(rows)
        })
    }

    /// Stores the record of the API key with keyed hash `fp`.
    pub(crate) fn put_api_key(&self, fp: &[u8], json: &str) -> EngineResult<()> {
        self.write(|tx| {
            tx.execute(
                "INSERT INTO sky_api_keys(fp, record) VALUES (?1, ?2) ON CONFLICT(fp) DO UPDATE SET record = excluded.record",
                params![fp, json],
            )?;
            Ok(())
        })
    }

    /// The record of the API key with keyed hash `fp`.
    pub(crate) fn api_key(&self, fp: &[u8]) -> EngineResult<Option<String>> {
        self.read(|c| {
            Ok(c.query_row(
                "SELECT record FROM sky_api_keys WHERE fp = ?1",
                params![fp],
                |r| r.get(0),
            )
            .optional()?)
        })
    }

    /// Deletes the API key with keyed hash `fp`; whether it existed.
    pub(crate) fn delete_api_key(&self, fp: &[u8]) -> EngineResult<bool> {
        self.write(|tx| Ok(tx.execute("DELETE FROM sky_api_keys WHERE fp = ?1", params![fp])? > 0))
    }
}
