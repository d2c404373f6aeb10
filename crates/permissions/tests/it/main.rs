//! Integration tests of session-permissions: the decision flows end to end, through handlers.

mod devices;
mod display_media;
mod flow;
