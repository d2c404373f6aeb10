//! Integration tests of the session facade.

mod cache;
mod clear;
mod cookies;
mod downloads;
mod net;
mod netlog;
mod partitions;
mod permissions;
mod protocol;
mod request;
mod service;
mod spellcheck;
