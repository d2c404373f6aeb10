//! Integration tests of the session facade.

mod auth;
mod cache;
mod clear;
mod clear_site_data;
mod cookies;
mod dictionaries;
mod downloads;
mod examples;
mod extensions;
mod hostile;
mod hsts;
mod net;
mod netlog;
mod partitions;
mod permissions;
mod protocol;
mod request;
mod service;
mod spellcheck;
mod web_request;
mod websocket;
