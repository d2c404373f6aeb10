//! HID, serial and USB devices for a session: enumeration on real backends and the chooser flows
//! behind `navigator.hid.requestDevice`, `navigator.serial.requestPort` and `navigator.usb.requestDevice`.
