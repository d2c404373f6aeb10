//! Integration tests of the session facade.

mod cookies;
mod net;
mod partitions;
mod permissions;
mod spellcheck;
