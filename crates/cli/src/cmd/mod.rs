//! One module per command.

pub(crate) mod info;
pub(crate) mod partition;
