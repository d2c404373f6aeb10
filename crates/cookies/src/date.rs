//! The cookie-date algorithm of RFC 6265bis §5.1.1, and small time helpers.

/// Microseconds since the Unix epoch: the unit of every time in this crate.
///
/// ```
/// use session_cookies::date::{Micros, format_http_date, now_micros, parse_cookie_date};
///
/// // The forms servers send, and some they should not.
/// assert_eq!(parse_cookie_date("Wed, 21 Oct 2015 07:28:00 GMT"), Some(1_445_412_480));
/// assert_eq!(parse_cookie_date("Wednesday, 21-Oct-15 07:28:00 GMT"), Some(1_445_412_480));
/// assert_eq!(parse_cookie_date("21 Oct 2015 07:28:00"), Some(1_445_412_480));
/// assert_eq!(parse_cookie_date("tomorrow"), None);
/// assert_eq!(format_http_date(1_445_412_480), "Wed, 21 Oct 2015 07:28:00 GMT");
///
/// let now: Micros = now_micros();
/// assert!(now > 1_445_412_480 * 1_000_000);
/// ```
pub type Micros = i64;

/// Parses an `Expires` attribute value with the cookie-date algorithm (RFC 6265bis §5.1.1).
///
/// Returns seconds since the Unix epoch, or `None` when the string is not a cookie date.
///
/// Example: see [`Micros`].
pub fn parse_cookie_date(input: &str) -> Option<i64> {
    let mut time: Option<(u32, u32, u32)> = None;
    let mut day: Option<u32> = None;
    let mut month: Option<u32> = None;
    let mut year: Option<i64> = None;
    for token in input.split(is_delimiter).filter(|t| !t.is_empty()) {
        let bytes = token.as_bytes();
        if time.is_none()
            && let Some(t) = parse_time(bytes)
        {
            time = Some(t);
            continue;
        }
        if day.is_none()
            && let Some(d) = parse_digits(bytes, 1, 2)
        {
            day = Some(d as u32);
            continue;
        }
        if month.is_none()
            && let Some(m) = parse_month(bytes)
        {
            month = Some(m);
            continue;
        }
        if year.is_none()
            && let Some(y) = parse_digits(bytes, 2, 4)
        {
            year = Some(y as i64);
            continue;
        }
    }
    let (hour, minute, second) = time?;
    let (day, month, mut year) = (day?, month?, year?);
    if (70..=99).contains(&year) {
        year += 1900;
    } else if (0..=69).contains(&year) {
        year += 2000;
    }
    if !(1..=31).contains(&day) || year < 1601 || hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    if day > days_in_month(year, month) {
        return None;
    }
    let days = days_from_civil(year, month, day);
    Some(days * 86_400 + i64::from(hour) * 3600 + i64::from(minute) * 60 + i64::from(second))
}

/// RFC 6265bis delimiter: %x09 / %x20-2F / %x3B-40 / %x5B-60 / %x7B-7E.
fn is_delimiter(c: char) -> bool {
    matches!(c, '\x09' | '\x20'..='\x2f' | '\x3b'..='\x40' | '\x5b'..='\x60' | '\x7b'..='\x7e')
}

/// `min*maxDIGIT [ non-digit *OCTET ]`.
fn parse_digits(bytes: &[u8], min: usize, max: usize) -> Option<u64> {
    let n = bytes.iter().take_while(|b| b.is_ascii_digit()).count();
    if n < min || n > max {
        return None;
    }
    let mut value = 0u64;
    for b in &bytes[..n] {
        value = value * 10 + u64::from(b - b'0');
    }
    Some(value)
}

/// `hms-time [ non-digit *OCTET ]` with `time-field = 1*2DIGIT`.
fn parse_time(bytes: &[u8]) -> Option<(u32, u32, u32)> {
    let mut fields = [0u32; 3];
    let mut pos = 0;
    for (i, field) in fields.iter_mut().enumerate() {
        let rest = &bytes[pos..];
        let n = rest.iter().take_while(|b| b.is_ascii_digit()).count();
        if n == 0 || n > 2 {
            return None;
        }
        *field = rest[..n]
            .iter()
            .fold(0, |acc, b| acc * 10 + u32::from(b - b'0'));
        pos += n;
        if i < 2 {
            if bytes.get(pos) != Some(&b':') {
                return None;
            }
            pos += 1;
        }
    }
    if bytes.get(pos).is_some_and(u8::is_ascii_digit) {
        return None;
    }
    Some((fields[0], fields[1], fields[2]))
}

fn parse_month(bytes: &[u8]) -> Option<u32> {
    if bytes.len() < 3 {
        return None;
    }
    const MONTHS: [&[u8; 3]; 12] = [
        b"jan", b"feb", b"mar", b"apr", b"may", b"jun", b"jul", b"aug", b"sep", b"oct", b"nov",
        b"dec",
    ];
    let head = [
        bytes[0].to_ascii_lowercase(),
        bytes[1].to_ascii_lowercase(),
        bytes[2].to_ascii_lowercase(),
    ];
    MONTHS
        .iter()
        .position(|m| **m == head)
        .map(|i| i as u32 + 1)
}

fn is_leap(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date.
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Civil date of a day count since 1970-01-01: (year, month, day).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// Formats seconds since the epoch as an IMF-fixdate (`Thu, 01 Jan 1970 00:00:00 GMT`).
///
/// Example: see [`Micros`].
pub fn format_http_date(secs: i64) -> String {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{}, {:02} {} {:04} {:02}:{:02}:{:02} GMT",
        DAYS[days.rem_euclid(7) as usize],
        d,
        MONTHS[(m - 1) as usize],
        y,
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// The current time in microseconds since the Unix epoch.
///
/// Example: see [`Micros`].
pub fn now_micros() -> Micros {
    match std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH) {
        Ok(d) => d.as_micros() as i64,
        Err(e) => -(e.duration().as_micros() as i64),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // RFC 6265bis §5.1.1 examples
    #[test]
    fn common_formats() {
        let t = parse_cookie_date("Wed, 09 Jun 2021 10:18:14 GMT").expect("imf");
        assert_eq!(format_http_date(t), "Wed, 09 Jun 2021 10:18:14 GMT");
        let t = parse_cookie_date("Thursday, 01-Jan-1970 00:00:00 GMT").expect("rfc850");
        assert_eq!(t, 0);
        let t = parse_cookie_date("Mon Dec 10 16:32:30 2007 GMT").expect("asctime");
        assert_eq!(format_http_date(t), "Mon, 10 Dec 2007 16:32:30 GMT");
        // two-digit years
        assert_eq!(
            format_http_date(parse_cookie_date("Fri, 01 Jan 69 00:00:00").expect("69")),
            "Tue, 01 Jan 2069 00:00:00 GMT"
        );
        assert_eq!(
            format_http_date(parse_cookie_date("01 Jan 70 00:00:00").expect("70")),
            "Thu, 01 Jan 1970 00:00:00 GMT"
        );
    }

    #[test]
    fn invalid_dates() {
        assert_eq!(parse_cookie_date("Wed, 31 Feb 2021 10:18:14 GMT"), None);
        assert_eq!(parse_cookie_date("Wed, 09 Jun 2021 24:00:00 GMT"), None);
        assert_eq!(parse_cookie_date("Wed, 09 Jun 1600 10:00:00 GMT"), None);
        assert_eq!(parse_cookie_date("Wed, 09 Jun 2021"), None);
        assert_eq!(parse_cookie_date(""), None);
        assert_eq!(parse_cookie_date("Wed, 009 Jun 2021 10:00:00"), None);
    }

    #[test]
    fn civil_round_trip() {
        for days in [-800_000, -1, 0, 1, 59, 365, 11_016, 20_000, 2_932_896] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
    }
}
