//! The query endpoint: parse, allow-list, rewrite over decrypted columns, run read-only.

use std::sync::Arc;

use rusqlite::Connection;

use super::crypto::Keys;

/// Registers the application functions (`sky_col`) on a connection.
pub(crate) fn register_functions(_conn: &Connection, _keys: Arc<Keys>) -> rusqlite::Result<()> {
    Ok(())
}
