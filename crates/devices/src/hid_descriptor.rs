//! A HID report descriptor parser (HID 1.11 §6.2.2): the bytes of a device's report descriptor
//! become WebHID's collections, each with its input, output and feature reports.

use session_permissions::device::{HidCollection, HidReportInfo, HidReportItem, HidUnitSystem};

use crate::error::{Error, ErrorKind};

#[derive(Clone, Copy, Default)]
struct Globals {
    usage_page: u16,
    logical_minimum: i32,
    logical_maximum: i32,
    physical_minimum: i32,
    physical_maximum: i32,
    unit_exponent: i8,
    unit: u32,
    report_size: u32,
    report_id: u8,
    report_count: u32,
}

#[derive(Default)]
struct Locals {
    usages: Vec<u32>,
    usage_minimum: Option<u32>,
    usage_maximum: Option<u32>,
}

#[derive(Clone, Copy)]
enum Kind {
    Input,
    Output,
    Feature,
}

fn invalid(offset: usize, what: &str) -> Error {
    Error::new(
        ErrorKind::InvalidInput,
        format!("invalid HID report descriptor at byte {offset}: {what}"),
    )
}

fn signed(data: u32, size: usize) -> i32 {
    match size {
        1 => data as u8 as i8 as i32,
        2 => data as u16 as i16 as i32,
        _ => data as i32,
    }
}

/// A 4-bit two's complement nibble.
fn nibble(value: u32) -> i8 {
    let n = (value & 0xF) as i8;
    if n >= 8 { n - 16 } else { n }
}

/// A usage as WebHID reports it: 32 bits, the page in the high half unless the item gave one.
fn extended(data: u32, size: usize, page: u16) -> u32 {
    if size == 4 {
        data
    } else {
        (u32::from(page) << 16) | (data & 0xFFFF)
    }
}

fn push_report(reports: &mut Vec<HidReportInfo>, report_id: u8, item: HidReportItem) {
    match reports.iter_mut().find(|r| r.report_id == report_id) {
        Some(r) => r.items.push(item),
        None => reports.push(HidReportInfo {
            report_id,
            items: vec![item],
        }),
    }
}

fn main_item(kind: Kind, flags: u32, g: &Globals, l: &Locals) -> HidReportItem {
    let bit = |n: u32| flags & (1 << n) != 0;
    let unit = g.unit;
    let unit_system = match unit & 0xF {
        0 => HidUnitSystem::None,
        1 => HidUnitSystem::SiLinear,
        2 => HidUnitSystem::SiRotation,
        3 => HidUnitSystem::EnglishLinear,
        4 => HidUnitSystem::EnglishRotation,
        0xF => HidUnitSystem::VendorDefined,
        _ => HidUnitSystem::Reserved,
    };
    let is_range = l.usage_minimum.is_some() && l.usage_maximum.is_some();
    HidReportItem {
        is_constant: bit(0),
        is_array: !bit(1),
        is_absolute: !bit(2),
        wrap: bit(3),
        is_linear: !bit(4),
        has_preferred_state: !bit(5),
        has_null: bit(6),
        is_volatile: !matches!(kind, Kind::Input) && bit(7),
        is_buffered_bytes: bit(8),
        is_range,
        usages: if is_range {
            Vec::new()
        } else {
            l.usages.clone()
        },
        usage_minimum: if is_range { l.usage_minimum } else { None },
        usage_maximum: if is_range { l.usage_maximum } else { None },
        report_size: g.report_size,
        report_count: g.report_count,
        unit_exponent: nibble(g.unit_exponent as u32),
        unit_system,
        unit_factor_length_exponent: nibble(unit >> 4),
        unit_factor_mass_exponent: nibble(unit >> 8),
        unit_factor_time_exponent: nibble(unit >> 12),
        unit_factor_temperature_exponent: nibble(unit >> 16),
        unit_factor_current_exponent: nibble(unit >> 20),
        unit_factor_luminous_intensity_exponent: nibble(unit >> 24),
        logical_minimum: g.logical_minimum,
        logical_maximum: g.logical_maximum,
        physical_minimum: g.physical_minimum,
        physical_maximum: g.physical_maximum,
        strings: Vec::new(),
    }
}

/// Parses `bytes` into the top-level collections of the descriptor. Reports declared inside a
/// collection belong to the innermost one; reports outside any collection are ignored, as
/// WebHID ignores them. Long items are skipped.
///
/// The boot mouse of the HID specification (HID 1.11, appendix E.10): three buttons, padding,
/// and relative X and Y:
///
/// ```
/// use session_devices::hid_descriptor::parse_report_descriptor;
///
/// let mouse = [
///     0x05, 0x01, 0x09, 0x02, 0xA1, 0x01, // Generic Desktop, Mouse, Collection (Application)
///     0x09, 0x01, 0xA1, 0x00, //             Pointer, Collection (Physical)
///     0x05, 0x09, 0x19, 0x01, 0x29, 0x03, //   Buttons 1 to 3
///     0x15, 0x00, 0x25, 0x01, 0x95, 0x03, 0x75, 0x01, 0x81, 0x02, // 3 bits, Input (Data, Var, Abs)
///     0x95, 0x01, 0x75, 0x05, 0x81, 0x01, //   5 bits of padding, Input (Constant)
///     0x05, 0x01, 0x09, 0x30, 0x09, 0x31, //   X, Y
///     0x15, 0x81, 0x25, 0x7F, 0x75, 0x08, 0x95, 0x02, 0x81, 0x06, // 2 bytes, Input (Data, Var, Rel)
///     0xC0, 0xC0, //                         End Collection, End Collection
/// ];
/// let top = parse_report_descriptor(&mouse)?;
/// let pointer = &top[0].children[0];
/// let [buttons, padding, axes] = &pointer.input_reports[0].items[..] else { panic!("three items") };
/// assert_eq!((buttons.usage_minimum, buttons.usage_maximum), (Some(0x0009_0001), Some(0x0009_0003)));
/// assert!(padding.is_constant);
/// assert_eq!(axes.usages, [0x0001_0030, 0x0001_0031]);
/// assert_eq!((axes.logical_minimum, axes.logical_maximum, axes.is_absolute), (-127, 127, false));
///
/// // Without its last End Collection the descriptor is refused, naming where it ends.
/// let e = parse_report_descriptor(&mouse[..mouse.len() - 1]).unwrap_err();
/// assert!(e.to_string().contains("byte 49: unclosed Collection"), "{e}");
/// # Ok::<_, session_devices::Error>(())
/// ```
pub fn parse_report_descriptor(bytes: &[u8]) -> Result<Vec<HidCollection>, Error> {
    let mut top: Vec<HidCollection> = Vec::new();
    let mut open: Vec<HidCollection> = Vec::new();
    let mut globals = Globals::default();
    let mut stack: Vec<Globals> = Vec::new();
    let mut locals = Locals::default();
    let mut i = 0;
    while i < bytes.len() {
        let offset = i;
        let prefix = bytes[i];
        i += 1;
        if prefix == 0xFE {
            // Long item: size, tag, data.
            let size = *bytes
                .get(i)
                .ok_or_else(|| invalid(offset, "truncated long item"))?;
            i += 2 + usize::from(size);
            if i > bytes.len() {
                return Err(invalid(offset, "truncated long item"));
            }
            continue;
        }
        let size = match prefix & 0x3 {
            3 => 4,
            n => usize::from(n),
        };
        let raw = bytes
            .get(i..i + size)
            .ok_or_else(|| invalid(offset, "truncated item"))?;
        i += size;
        let data = raw
            .iter()
            .rev()
            .fold(0u32, |acc, &b| (acc << 8) | u32::from(b));
        let tag = prefix >> 4;
        match (prefix >> 2) & 0x3 {
            // Main items.
            0 => {
                match tag {
                    0x8 | 0x9 | 0xB => {
                        let kind = match tag {
                            0x8 => Kind::Input,
                            0x9 => Kind::Output,
                            _ => Kind::Feature,
                        };
                        let item = main_item(kind, data, &globals, &locals);
                        if let Some(current) = open.last_mut() {
                            let reports = match kind {
                                Kind::Input => &mut current.input_reports,
                                Kind::Output => &mut current.output_reports,
                                Kind::Feature => &mut current.feature_reports,
                            };
                            push_report(reports, globals.report_id, item);
                        }
                    }
                    0xA => {
                        let usage = locals.usages.first().copied().or(locals.usage_minimum);
                        let (usage_page, usage) = match usage {
                            Some(u) => ((u >> 16) as u16, (u & 0xFFFF) as u16),
                            None => (globals.usage_page, 0),
                        };
                        open.push(HidCollection {
                            usage,
                            usage_page,
                            collection_type: data as u8,
                            ..HidCollection::default()
                        });
                    }
                    0xC => {
                        let done = open.pop().ok_or_else(|| {
                            invalid(offset, "End Collection without a Collection")
                        })?;
                        match open.last_mut() {
                            Some(parent) => parent.children.push(done),
                            None => top.push(done),
                        }
                    }
                    _ => {}
                }
                locals = Locals::default();
            }
            // Global items.
            1 => match tag {
                0x0 => globals.usage_page = data as u16,
                0x1 => globals.logical_minimum = signed(data, size),
                0x2 => {
                    globals.logical_maximum = if globals.logical_minimum >= 0 {
                        data as i32
                    } else {
                        signed(data, size)
                    }
                }
                0x3 => globals.physical_minimum = signed(data, size),
                0x4 => {
                    globals.physical_maximum = if globals.physical_minimum >= 0 {
                        data as i32
                    } else {
                        signed(data, size)
                    }
                }
                0x5 => globals.unit_exponent = nibble(data),
                0x6 => globals.unit = data,
                0x7 => globals.report_size = data,
                0x8 => globals.report_id = data as u8,
                0x9 => globals.report_count = data,
                0xA => stack.push(globals),
                0xB => {
                    globals = stack
                        .pop()
                        .ok_or_else(|| invalid(offset, "Pop without a Push"))?;
                }
                _ => {}
            },
            // Local items.
            2 => match tag {
                0x0 => locals.usages.push(extended(data, size, globals.usage_page)),
                0x1 => locals.usage_minimum = Some(extended(data, size, globals.usage_page)),
                0x2 => locals.usage_maximum = Some(extended(data, size, globals.usage_page)),
                _ => {}
            },
            _ => return Err(invalid(offset, "reserved item type")),
        }
    }
    if !open.is_empty() {
        return Err(invalid(bytes.len(), "unclosed Collection"));
    }
    Ok(top)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The boot mouse of HID 1.11, Appendix E.10.
    const MOUSE: &[u8] = &[
        0x05, 0x01, 0x09, 0x02, 0xA1, 0x01, 0x09, 0x01, 0xA1, 0x00, 0x05, 0x09, 0x19, 0x01, 0x29,
        0x03, 0x15, 0x00, 0x25, 0x01, 0x95, 0x03, 0x75, 0x01, 0x81, 0x02, 0x95, 0x01, 0x75, 0x05,
        0x81, 0x01, 0x05, 0x01, 0x09, 0x30, 0x09, 0x31, 0x15, 0x81, 0x25, 0x7F, 0x75, 0x08, 0x95,
        0x02, 0x81, 0x06, 0xC0, 0xC0,
    ];

    #[test]
    fn the_boot_mouse_parses_into_webhid_collections() {
        let top = parse_report_descriptor(MOUSE).expect("parses");
        assert_eq!(top.len(), 1);
        let app = &top[0];
        assert_eq!((app.usage_page, app.usage, app.collection_type), (1, 2, 1));
        assert!(app.input_reports.is_empty());
        assert_eq!(app.children.len(), 1);
        let pointer = &app.children[0];
        assert_eq!(
            (pointer.usage_page, pointer.usage, pointer.collection_type),
            (1, 1, 0)
        );
        assert_eq!(pointer.input_reports.len(), 1);
        let report = &pointer.input_reports[0];
        assert_eq!(report.report_id, 0);
        let [buttons, padding, axes] = &report.items[..] else {
            panic!("three items: {:?}", report.items);
        };
        assert!(buttons.is_range && !buttons.is_array && buttons.is_absolute);
        assert_eq!(buttons.usage_minimum, Some(0x0009_0001));
        assert_eq!(buttons.usage_maximum, Some(0x0009_0003));
        assert_eq!((buttons.report_size, buttons.report_count), (1, 3));
        assert_eq!((buttons.logical_minimum, buttons.logical_maximum), (0, 1));
        assert!(padding.is_constant);
        assert_eq!((padding.report_size, padding.report_count), (5, 1));
        assert_eq!(axes.usages, vec![0x0001_0030, 0x0001_0031]);
        assert!(!axes.is_absolute, "X/Y are relative");
        assert_eq!((axes.logical_minimum, axes.logical_maximum), (-127, 127));
        let json = serde_json::to_value(&top).expect("serializes");
        assert_eq!(
            json[0]["children"][0]["inputReports"][0]["items"][2]["isAbsolute"],
            false
        );
        assert_eq!(
            json[0]["children"][0]["inputReports"][0]["items"][0]["unitSystem"],
            "none"
        );
    }

    #[test]
    fn report_ids_and_units_are_kept() {
        // Vendor page, report 2 input and report 3 feature, unit SI linear cm^1 exp -2.
        let d = [
            0x06, 0x00, 0xFF, 0x09, 0x01, 0xA1, 0x01, 0x85, 0x02, 0x09, 0x02, 0x15, 0x00, 0x26,
            0xFF, 0x00, 0x75, 0x08, 0x95, 0x04, 0x66, 0x11, 0x00, 0x55, 0x0E, 0x81, 0x02, 0x85,
            0x03, 0x09, 0x03, 0xB1, 0x82, 0xC0,
        ];
        let top = parse_report_descriptor(&d).expect("parses");
        let c = &top[0];
        assert_eq!((c.usage_page, c.usage), (0xFF00, 1));
        assert_eq!(c.input_reports[0].report_id, 2);
        let item = &c.input_reports[0].items[0];
        assert_eq!(item.logical_maximum, 255);
        assert_eq!(item.unit_system, HidUnitSystem::SiLinear);
        assert_eq!(item.unit_factor_length_exponent, 1);
        assert_eq!(item.unit_exponent, -2);
        assert_eq!(item.usages, vec![0xFF00_0002]);
        assert_eq!(c.feature_reports[0].report_id, 3);
        assert!(c.feature_reports[0].items[0].is_volatile);
    }

    #[test]
    fn broken_descriptors_are_refused_by_offset() {
        assert!(parse_report_descriptor(&[0xA1, 0x01]).is_err(), "unclosed");
        assert!(parse_report_descriptor(&[0xC0]).is_err(), "stray end");
        let err = parse_report_descriptor(&[0x05]).expect_err("truncated");
        assert!(err.to_string().contains("byte 0"), "{err}");
        assert!(
            parse_report_descriptor(&[0xB4]).is_err(),
            "pop without push"
        );
        assert!(parse_report_descriptor(&[]).expect("empty").is_empty());
    }

    #[test]
    fn arbitrary_bytes_never_panic() {
        // A fixed linear congruential sequence: the same 2000 inputs on every run.
        let mut state: u32 = 0x1234_5678;
        for len in 0..2000usize {
            let bytes: Vec<u8> = (0..len % 64)
                .map(|_| {
                    state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                    (state >> 24) as u8
                })
                .collect();
            let _ = parse_report_descriptor(&bytes);
        }
        let mut with_mouse = MOUSE.to_vec();
        with_mouse.truncate(MOUSE.len() - 1);
        assert!(parse_report_descriptor(&with_mouse).is_err());
    }
}
