//! Integration tests of the session facade.

mod partitions;
mod permissions;
