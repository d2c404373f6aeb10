//! Integration tests of the session facade.

mod net;
mod partitions;
mod permissions;
