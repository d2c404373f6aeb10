//! Integration tests of session-devices: serial flows over real pseudo-terminals through the
//! real serialport backend; HID and USB flows through the in-process backend (this machine has
//! no HID or USB bus); the real backends' enumeration on this machine.

mod common;
mod hid;
mod serial;
mod system;
mod usb;
