//! One module per command.

pub(crate) mod auth;
pub(crate) mod cache;
pub(crate) mod clear_data;
pub(crate) mod cookies;
pub(crate) mod devices;
pub(crate) mod dictionaries;
pub(crate) mod download;
pub(crate) mod downloads;
pub(crate) mod extensions;
pub(crate) mod fetch;
pub(crate) mod hsts;
pub(crate) mod info;
pub(crate) mod partition;
pub(crate) mod proxy;
pub(crate) mod resolve;
pub(crate) mod spell;
pub(crate) mod web_request;
pub(crate) mod ws;
