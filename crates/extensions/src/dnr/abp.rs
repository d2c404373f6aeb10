//! Adblock Plus filter lists (EasyList, EasyPrivacy) to DNR rules, for the subset DNR expresses:
//! network filters with `||`/`|`/`^`/`*` patterns, `@@` exceptions (→ `allow`), resource-type
//! options, `third-party`/`first-party`, `domain=` (→ initiator domains), `match-case`, and
//! `important` (→ priority 2, above exceptions). Cosmetic filters, regex filters and options DNR
//! cannot express (`csp`, `redirect`, `removeparam`, `popup`, `document`, `generichide` ...) are
//! skipped and counted.
//!
//! ```
//! let (rules, skipped) = session_extensions::dnr::abp::convert("||ads.example^$script,third-party\n##.banner\n");
//! assert_eq!(rules.len(), 1);
//! assert_eq!(rules[0].condition.url_filter.as_deref(), Some("||ads.example^"));
//! assert_eq!(skipped.cosmetic, 1);
//! ```

use super::rule::{Rule, RuleAction, RuleCondition};

/// Why lines were not converted.
///
/// Example: see [the module's example](self).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Skipped {
    /// Comments, headers and blank lines.
    pub comments: usize,
    /// Element hiding and scriptlet filters.
    pub cosmetic: usize,
    /// `/regex/` filters.
    pub regex: usize,
    /// Options DNR has no equivalent for.
    pub unsupported_option: usize,
    /// Non-ASCII or otherwise unusable patterns.
    pub invalid: usize,
}

/// Whether a line is a network filter (not a comment, header or cosmetic filter).
///
/// ```
/// use session_extensions::dnr::abp::{convert_line, is_network_filter};
///
/// assert!(is_network_filter("||ads.example^$script"));
/// assert!(!is_network_filter("! a comment") && !is_network_filter("example.com##.banner"));
/// let rule = convert_line("@@||cdn.example^$image,domain=news.test", 7).unwrap();
/// assert_eq!((rule.id, rule.action.kind.as_str()), (7, "allow"));
/// assert_eq!(rule.condition.initiator_domains.as_deref(), Some(&["news.test".to_owned()][..]));
/// assert!(convert_line("||ads.example^$popup", 8).is_err()); // no DNR equivalent
/// ```
pub fn is_network_filter(line: &str) -> bool {
    let l = line.trim();
    !(l.is_empty()
        || l.starts_with('!')
        || l.starts_with('[')
        || l.contains("##")
        || l.contains("#@#")
        || l.contains("#?#")
        || l.contains("#$#")
        || l.contains("#%#"))
}

/// Converts one network filter; `Err` says why not.
///
/// Example: see [`is_network_filter`].
pub fn convert_line(line: &str, id: i64) -> Result<Rule, &'static str> {
    let mut l = line.trim();
    let allow = if let Some(rest) = l.strip_prefix("@@") {
        l = rest;
        true
    } else {
        false
    };
    let (pattern, options) = match l.rfind('$') {
        Some(i) if !l[i + 1..].contains('/') || l[i + 1..].starts_with("domain=") => {
            (&l[..i], Some(&l[i + 1..]))
        }
        _ => (l, None),
    };
    if pattern.len() > 1 && pattern.starts_with('/') && pattern.ends_with('/') {
        return Err("regex");
    }
    if !pattern.is_ascii() {
        return Err("invalid");
    }
    let mut condition = RuleCondition::default();
    let mut types: Vec<String> = Vec::new();
    let mut excluded: Vec<String> = Vec::new();
    let mut priority = 1;
    for opt in options.unwrap_or("").split(',').filter(|o| !o.is_empty()) {
        let (neg, name) = match opt.strip_prefix('~') {
            Some(n) => (true, n),
            None => (false, opt),
        };
        let dnr_type = match name {
            "script" => Some("script"),
            "image" => Some("image"),
            "stylesheet" | "css" => Some("stylesheet"),
            "object" => Some("object"),
            "xmlhttprequest" | "xhr" => Some("xmlhttprequest"),
            "subdocument" | "frame" => Some("sub_frame"),
            "ping" | "beacon" => Some("ping"),
            "media" => Some("media"),
            "font" => Some("font"),
            "websocket" => Some("websocket"),
            "other" => Some("other"),
            _ => None,
        };
        if let Some(t) = dnr_type {
            if neg {
                excluded.push(t.into())
            } else {
                types.push(t.into())
            }
            continue;
        }
        match (neg, name) {
            (false, "third-party" | "3p") | (true, "first-party" | "1p") => {
                condition.domain_type = Some("thirdParty".into())
            }
            (true, "third-party" | "3p") | (false, "first-party" | "1p") => {
                condition.domain_type = Some("firstParty".into())
            }
            (false, "match-case") => condition.is_url_filter_case_sensitive = Some(true),
            (false, "important") => priority = 2,
            (false, o) if o.starts_with("domain=") => {
                let mut inc = Vec::new();
                let mut exc = Vec::new();
                for d in o["domain=".len()..].split('|').filter(|d| !d.is_empty()) {
                    if !d.is_ascii() || d.ends_with(".*") {
                        return Err("invalid");
                    }
                    match d.strip_prefix('~') {
                        Some(x) => exc.push(x.to_ascii_lowercase()),
                        None => inc.push(d.to_ascii_lowercase()),
                    }
                }
                if !inc.is_empty() {
                    condition.initiator_domains = Some(inc);
                }
                if !exc.is_empty() {
                    condition.excluded_initiator_domains = Some(exc);
                }
            }
            _ => return Err("unsupported"),
        }
    }
    if !types.is_empty() {
        condition.resource_types = Some(types);
    } else if !excluded.is_empty() {
        condition.excluded_resource_types = Some(excluded);
    }
    if !pattern.trim_matches('*').is_empty() {
        condition.url_filter = Some(pattern.to_owned());
    }
    if condition.url_filter.is_none()
        && condition.initiator_domains.is_none()
        && condition.resource_types.is_none()
    {
        // A filter matching every request of every page is not something a list means.
        return Err("invalid");
    }
    Ok(Rule {
        id,
        priority: Some(priority),
        action: RuleAction {
            kind: if allow { "allow" } else { "block" }.into(),
            redirect: None,
            request_headers: None,
            response_headers: None,
        },
        condition,
    })
}

/// Converts a whole list; rule ids count from 1 in list order.
///
/// Example: see [the module's example](self).
pub fn convert(text: &str) -> (Vec<Rule>, Skipped) {
    let mut rules = Vec::new();
    let mut skipped = Skipped::default();
    for line in text.lines() {
        let t = line.trim();
        if t.is_empty() || t.starts_with('!') || t.starts_with('[') {
            skipped.comments += 1;
            continue;
        }
        if !is_network_filter(t) {
            skipped.cosmetic += 1;
            continue;
        }
        match convert_line(t, rules.len() as i64 + 1) {
            Ok(r) => rules.push(r),
            Err("regex") => skipped.regex += 1,
            Err("unsupported") => skipped.unsupported_option += 1,
            Err(_) => skipped.invalid += 1,
        }
    }
    (rules, skipped)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_map_to_conditions() {
        let r = convert_line(
            "@@||cdn.test/lib.js$script,domain=a.test|~b.a.test,match-case",
            5,
        )
        .unwrap();
        assert_eq!(r.action.kind, "allow");
        let c = r.condition;
        assert_eq!(c.url_filter.as_deref(), Some("||cdn.test/lib.js"));
        assert_eq!(c.resource_types, Some(vec!["script".to_owned()]));
        assert_eq!(c.initiator_domains, Some(vec!["a.test".to_owned()]));
        assert_eq!(
            c.excluded_initiator_domains,
            Some(vec!["b.a.test".to_owned()])
        );
        assert_eq!(c.is_url_filter_case_sensitive, Some(true));
        assert_eq!(convert_line("/ads[0-9]/", 1), Err("regex"));
        assert_eq!(
            convert_line("||x.test^$csp=script-src 'none'", 1),
            Err("unsupported")
        );
        assert_eq!(
            convert_line("||x.test^$~third-party", 1)
                .unwrap()
                .condition
                .domain_type
                .as_deref(),
            Some("firstParty")
        );
    }
}
