//! Integration tests of session-cookies: the API, the SQLite store, import/export.

mod api;
mod store;
mod text;
