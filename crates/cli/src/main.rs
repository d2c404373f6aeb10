//! `ses`: the command-line face of a session.
fn main() {}
