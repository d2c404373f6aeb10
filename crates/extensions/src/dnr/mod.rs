//! declarativeNetRequest: static rulesets, dynamic and session rules, Chromium's limits and
//! validation, and the matcher that decides a request's fate across every extension of a
//! session.
//!
//! Within one extension the matching rule with the highest priority wins, ties broken by action
//! (allow > allowAllRequests > block > upgradeScheme > redirect). Across extensions, as
//! Chromium's ruleset manager decides: a block from any extension wins, then a redirect or
//! upgrade (the most recently loaded extension first), then allow. `modifyHeaders` rules apply
//! when the request is neither blocked nor redirected, from every extension, when their
//! priority is above the extension's highest matching allow rule.
//!
//! `allowAllRequests` needs the frame tree to reach the requests a frame makes; this session
//! has no renderer, so it acts on the `main_frame`/`sub_frame` request it matches only.
//!
//! The pieces by hand (a loaded extension does this through
//! [`Extensions::evaluate_request`](crate::Extensions::evaluate_request)):
//!
//! ```
//! use std::sync::Arc;
//!
//! use session_extensions::dnr::index::RuleIndex;
//! use session_extensions::dnr::rule::{Action, Rule, compile};
//! use session_extensions::dnr::*;
//!
//! let mut warnings = Vec::new();
//! let static_rules = compile_static("rules.json", r#"[
//!     {"id": 1, "priority": 1, "action": {"type": "block"}, "condition": {"urlFilter": "||ads.test^"}},
//!     {"id": 2, "priority": 2, "action": {"type": "allow"}, "condition": {"urlFilter": "||ads.test/ok^"}},
//!     {"id": 3, "action": {"type": "upgradeScheme"},
//!      "condition": {"urlFilter": "|http://shop.test", "resourceTypes": ["main_frame"]}},
//!     {"id": 3, "action": {"type": "block"}, "condition": {}}
//! ]"#, &mut warnings).unwrap();
//! assert_eq!(static_rules.len(), 3);
//! assert!(warnings[0].contains("does not have a unique ID"), "{warnings:?}");
//! assert_eq!(static_rules[0].action, Action::Block);
//!
//! // Session rules are checked against Chromium's limits as `updateSessionRules` does.
//! let add: Vec<Rule> = serde_json::from_str(r#"[{"id": 9, "action": {"type": "modifyHeaders",
//!     "requestHeaders": [{"header": "x-dnt", "operation": "set", "value": "1"}]},
//!     "condition": {"urlFilter": "news.test"}}]"#).unwrap();
//! assert!(!is_safe(&add[0]));
//! let (session_rules, compiled) = updated_rules(&[], &[], &add, MAX_NUMBER_OF_SESSION_RULES,
//!     MAX_NUMBER_OF_UNSAFE_SESSION_RULES, 0, "Session").unwrap();
//! assert!(compile_all(&[add[0].clone(), add[0].clone()]).is_err()); // duplicate ids
//! assert!(compile(&add[0], rule::REGEX_SIZE_LIMIT).is_ok());
//!
//! let rules = ExtensionRules {
//!     static_sets: vec![("main".into(), true, Arc::new(RuleIndex::build(static_rules)))],
//!     session_rules,
//!     session: Arc::new(RuleIndex::build(compiled)),
//!     ..Default::default()
//! };
//! assert_eq!(rules.enabled_static_rule_count(), 3);
//! let extensions = vec![("ext-a".to_owned(), Arc::new(rules))];
//! let ask = |url: &str, resource_type: &str| {
//!     let url = url::Url::parse(url).unwrap();
//!     evaluate(&extensions, &Request { url: &url, method: "GET", resource_type, initiator: None })
//! };
//!
//! assert_eq!(ask("https://cdn.ads.test/x.js", "script").decision, Some(Decision::Block));
//! assert_eq!(ask("https://ads.test/ok", "script").decision, Some(Decision::Allow));
//! let upgraded = ask("http://shop.test/cart", "main_frame");
//! let https = url::Url::parse("https://shop.test/cart").unwrap();
//! assert_eq!(upgraded.decision, Some(Decision::Redirect(https)));
//! assert_eq!((upgraded.matched[0].ruleset_id.as_str(), upgraded.matched[0].rule_id), ("main", 3));
//!
//! // Header edits apply when nothing blocks or redirects.
//! let edited = ask("https://news.test/app.js", "script");
//! assert_eq!(edited.decision, None);
//! let mut headers = http::HeaderMap::new();
//! apply_header_edits(&mut headers, &edited.request_headers);
//! assert_eq!(headers["x-dnt"], "1");
//! assert_eq!(edited.request_headers[0].extension_id, "ext-a");
//! assert!(edited.matched.iter().any(|m| m.ruleset_id == SESSION_RULESET_ID));
//! ```

pub mod abp;
pub mod index;
pub mod rule;
pub mod url_filter;

use std::borrow::Cow;
use std::cell::Cell;
use std::sync::Arc;

use url::{Position, Url};

use index::{Hit, RuleIndex, url_tags, url_tokens};
use rule::{Action, CompiledRule, HeaderInfo, Redirect, Rule, method_bit, resource_type_bit};

/// Static rulesets an extension may declare.
///
/// Example: see [the module's example](self).
pub const MAX_NUMBER_OF_STATIC_RULESETS: usize = 100;
/// Static rulesets enabled at once.
///
/// Example: see [the module's example](self).
pub const MAX_NUMBER_OF_ENABLED_STATIC_RULESETS: usize = 50;
/// Static rules every extension is guaranteed.
///
/// Example: see [the module's example](self).
pub const GUARANTEED_MINIMUM_STATIC_RULES: usize = 30_000;
/// The pool of static rules shared by all extensions beyond the guarantee.
///
/// Example: see [the module's example](self).
pub const GLOBAL_STATIC_RULE_LIMIT: usize = 300_000;
/// Dynamic rules per extension.
///
/// Example: see [the module's example](self).
pub const MAX_NUMBER_OF_DYNAMIC_RULES: usize = 30_000;
/// Dynamic rules other than block/allow/allowAllRequests/upgradeScheme.
///
/// Example: see [the module's example](self).
pub const MAX_NUMBER_OF_UNSAFE_DYNAMIC_RULES: usize = 5_000;
/// Session rules per extension.
///
/// Example: see [the module's example](self).
pub const MAX_NUMBER_OF_SESSION_RULES: usize = 5_000;
/// Session rules other than block/allow/allowAllRequests/upgradeScheme.
///
/// Example: see [the module's example](self).
pub const MAX_NUMBER_OF_UNSAFE_SESSION_RULES: usize = 5_000;
/// Regex rules per static ruleset, and across dynamic and session rules.
///
/// Example: see [the module's example](self).
pub const MAX_NUMBER_OF_REGEX_RULES: usize = 1_000;

/// The pseudo ruleset id of dynamic rules.
///
/// Example: see [the module's example](self).
pub const DYNAMIC_RULESET_ID: &str = "_dynamic";
/// The pseudo ruleset id of session rules.
///
/// Example: see [the module's example](self).
pub const SESSION_RULESET_ID: &str = "_session";

/// A request as the DNR stage sees it.
///
/// Example: see [the module's example](self).
#[derive(Clone, Copy, Debug)]
pub struct Request<'a> {
    /// The URL requested.
    pub url: &'a Url,
    /// HTTP method.
    pub method: &'a str,
    /// `main_frame`, `script`, `xmlhttprequest` ... (`other` when unknown).
    pub resource_type: &'a str,
    /// The document that made the request, when any.
    pub initiator: Option<&'a Url>,
}

/// A request with what every rule check needs computed once (whether it is third-party only
/// when a candidate rule asks).
#[derive(Debug)]
pub(crate) struct Prepared<'a> {
    pub(crate) spec: &'a str,
    pub(crate) lower: Cow<'a, str>,
    pub(crate) host_range: (usize, usize),
    pub(crate) host: &'a str,
    pub(crate) initiator_host: Option<&'a str>,
    pub(crate) type_bit: u16,
    pub(crate) method_bit: u16,
    third_party: Cell<Option<bool>>,
    pub(crate) tokens: Vec<u32>,
    pub(crate) tags: [u64; 16],
    scheme: &'a str,
}

impl<'a> Prepared<'a> {
    pub(crate) fn new(req: &Request<'a>) -> Prepared<'a> {
        let url = req.url;
        let spec = &url.as_str()[..url[..Position::AfterQuery].len()];
        let lower = if spec.bytes().any(|b| b.is_ascii_uppercase()) {
            Cow::Owned(spec.to_ascii_lowercase())
        } else {
            Cow::Borrowed(spec)
        };
        let host_range = (
            url[..Position::BeforeHost].len(),
            url[..Position::AfterHost].len(),
        );
        let tokens = url_tokens(lower.as_bytes());
        Prepared {
            tags: url_tags(&tokens),
            tokens,
            spec,
            lower,
            host_range,
            host: url.host_str().unwrap_or(""),
            initiator_host: req.initiator.and_then(Url::host_str),
            type_bit: resource_type_bit(req.resource_type)
                .or_else(|| resource_type_bit("other"))
                .unwrap_or(0),
            method_bit: method_bit(req.method),
            third_party: Cell::new(None),
            scheme: url.scheme(),
        }
    }

    /// Whether the initiator is of another site than the URL.
    pub(crate) fn third_party(&self) -> bool {
        if let Some(known) = self.third_party.get() {
            return known;
        }
        let third = match self.initiator_host {
            None => false,
            Some(ih) => site_of(ih) != site_of(self.host),
        };
        self.third_party.set(Some(third));
        third
    }
}

fn site_of(host: &str) -> &str {
    let host = host.strip_suffix('.').unwrap_or(host);
    session_base::origin::registrable_domain(host).unwrap_or(host)
}

/// One extension's rules: its static rulesets (enabled or not), dynamic and session rules.
///
/// Example: see [the module's example](self).
#[derive(Debug, Default)]
pub struct ExtensionRules {
    /// Static rulesets in manifest order: (id, enabled, rules).
    pub static_sets: Vec<(String, bool, Arc<RuleIndex>)>,
    /// Dynamic rules as given (kept for `get_dynamic_rules` and the file).
    pub dynamic_rules: Vec<Rule>,
    /// Dynamic rules indexed.
    pub dynamic: Arc<RuleIndex>,
    /// Session rules as given.
    pub session_rules: Vec<Rule>,
    /// Session rules indexed.
    pub session: Arc<RuleIndex>,
}

impl ExtensionRules {
    /// Enabled rulesets with their ids, session first, then dynamic, then static in order.
    fn enabled(&self) -> impl Iterator<Item = (&str, &RuleIndex)> {
        [
            (SESSION_RULESET_ID, &*self.session),
            (DYNAMIC_RULESET_ID, &*self.dynamic),
        ]
        .into_iter()
        .chain(
            self.static_sets
                .iter()
                .filter(|(_, on, _)| *on)
                .map(|(id, _, idx)| (id.as_str(), &**idx)),
        )
    }

    /// Rule count of the enabled static rulesets.
    ///
    /// Example: see [the module's example](self).
    pub fn enabled_static_rule_count(&self) -> usize {
        self.static_sets
            .iter()
            .filter(|(_, on, _)| *on)
            .map(|(_, _, i)| i.len())
            .sum()
    }
}

/// A rule that matched, for `get_matched_rules` and the net log.
///
/// Example: see [the module's example](self).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MatchedRule {
    /// The extension.
    pub extension_id: String,
    /// The ruleset (`_dynamic`, `_session`, or a static id).
    pub ruleset_id: String,
    /// The rule id.
    pub rule_id: u32,
}

/// What happens to the request.
///
/// Example: see [the module's example](self).
#[derive(Clone, Debug, PartialEq)]
pub enum Decision {
    /// Cancel it (`net::ERR_BLOCKED_BY_CLIENT`).
    Block,
    /// Send it to this URL instead (redirects and scheme upgrades).
    Redirect(Url),
    /// An allow rule won; nothing changes.
    Allow,
}

/// A header edit with the extension that asked for it.
///
/// Example: see [the module's example](self).
#[derive(Clone, Debug, PartialEq)]
pub struct HeaderEdit {
    /// The extension.
    pub extension_id: String,
    /// The edit.
    pub info: HeaderInfo,
}

/// The outcome of the DNR stage for one request.
///
/// Example: see [the module's example](self).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Outcome {
    /// Block, redirect or allow; `None` when no such rule matched.
    pub decision: Option<Decision>,
    /// Request header edits, in the order to apply them.
    pub request_headers: Vec<HeaderEdit>,
    /// Response header edits, in the order to apply them.
    pub response_headers: Vec<HeaderEdit>,
    /// Rules whose action took effect.
    pub matched: Vec<MatchedRule>,
}

struct Best<'r> {
    rule: Hit<'r>,
    ruleset: &'r str,
}

/// Evaluates `req` against extensions in load order (`(extension id, rules)`).
///
/// Example: see [the module's example](self).
pub fn evaluate(extensions: &[(String, Arc<ExtensionRules>)], req: &Request<'_>) -> Outcome {
    let prepared = Prepared::new(req);
    let mut outcome = Outcome::default();
    // (cross-extension rank, extension index, decision, matched rule)
    let mut chosen: Option<(u8, Decision, MatchedRule)> = None;
    let mut header_rules: Vec<(usize, u32, &str, Hit<'_>)> = Vec::new();
    for (ext_i, (ext_id, rules)) in extensions.iter().enumerate().rev() {
        let mut best: Option<Best<'_>> = None;
        let mut max_allow: Option<u32> = None;
        let mut headers: Vec<(u32, &str, Hit<'_>)> = Vec::new();
        for (ruleset, idx) in rules.enabled() {
            idx.for_each_match(&prepared, |r| {
                if *r.action == Action::UpgradeScheme
                    && !matches!(prepared.scheme, "http" | "ftp" | "ws")
                {
                    return;
                }
                match r.action {
                    Action::ModifyHeaders(_) => headers.push((r.priority, ruleset, r)),
                    a => {
                        if matches!(a, Action::Allow | Action::AllowAllRequests) {
                            max_allow = Some(max_allow.map_or(r.priority, |m| m.max(r.priority)));
                        }
                        let better = match &best {
                            None => true,
                            Some(b) => {
                                (r.priority, r.action.rank())
                                    > (b.rule.priority, b.rule.action.rank())
                            }
                        };
                        if better {
                            best = Some(Best { rule: r, ruleset });
                        }
                    }
                }
            });
        }
        for (p, ruleset, r) in headers {
            if max_allow.is_none_or(|a| p > a) {
                header_rules.push((ext_i, p, ruleset, r));
            }
        }
        let Some(b) = best else { continue };
        let (rank, decision) = match b.rule.action {
            Action::Block => (3, Decision::Block),
            Action::Redirect(r) => match redirect_url(r, req.url, b.rule.filter, ext_id) {
                Some(u) => (2, Decision::Redirect(u)),
                None => continue,
            },
            Action::UpgradeScheme => match upgrade(req.url) {
                Some(u) => (2, Decision::Redirect(u)),
                None => continue,
            },
            _ => (1, Decision::Allow),
        };
        let matched = MatchedRule {
            extension_id: ext_id.clone(),
            ruleset_id: b.ruleset.to_owned(),
            rule_id: b.rule.id,
        };
        if chosen.as_ref().is_none_or(|(r, _, _)| rank > *r) {
            chosen = Some((rank, decision, matched));
        }
    }
    if let Some((_, decision, matched)) = chosen {
        let stops = !matches!(decision, Decision::Allow);
        outcome.decision = Some(decision);
        outcome.matched.push(matched);
        if stops {
            return outcome;
        }
    }
    // Most recently loaded extension first, then priority.
    header_rules.sort_by(|a, b| b.0.cmp(&a.0).then(b.1.cmp(&a.1)));
    for (ext_i, _, ruleset, r) in header_rules {
        let Action::ModifyHeaders(changes) = r.action else {
            continue;
        };
        let ext_id = &extensions[ext_i].0;
        for (list, out) in [
            (&changes.request, &mut outcome.request_headers),
            (&changes.response, &mut outcome.response_headers),
        ] {
            for info in list {
                out.push(HeaderEdit {
                    extension_id: ext_id.clone(),
                    info: info.clone(),
                });
            }
        }
        outcome.matched.push(MatchedRule {
            extension_id: ext_id.clone(),
            ruleset_id: ruleset.to_owned(),
            rule_id: r.id,
        });
    }
    outcome
}

fn upgrade(url: &Url) -> Option<Url> {
    let to = match url.scheme() {
        "http" | "ftp" => "https",
        "ws" => "wss",
        _ => return None,
    };
    let mut u = url.clone();
    u.set_scheme(to).ok()?;
    Some(u)
}

/// The redirect target of a rule for `url`, or `None` when it cannot be built (Chromium then
/// ignores the rule).
///
/// ```
/// use session_extensions::dnr::redirect_url;
/// use session_extensions::dnr::rule::{Action, Rule, compile};
///
/// let rule: Rule = serde_json::from_str(r#"{"id": 1, "condition": {"urlFilter": "||a.test"},
///     "action": {"type": "redirect", "redirect": {"transform": {"host": "mirror.test",
///         "queryTransform": {"removeParams": ["utm_source"]}}}}}"#).unwrap();
/// let compiled = compile(&rule, 64 * 1024).unwrap();
/// let Action::Redirect(redirect) = &compiled.action else { unreachable!() };
/// let url = url::Url::parse("https://a.test/p?utm_source=x&id=2").unwrap();
/// let target = redirect_url(redirect, &url, &compiled.filter, "ext-a").unwrap();
/// assert_eq!(target.as_str(), "https://mirror.test/p?id=2");
/// ```
pub fn redirect_url(
    r: &Redirect,
    url: &Url,
    filter: &rule::Filter,
    extension_id: &str,
) -> Option<Url> {
    if let Some(u) = &r.url {
        return Url::parse(u).ok();
    }
    if let Some(p) = &r.extension_path {
        return Url::parse(&format!("chrome-extension://{extension_id}{p}")).ok();
    }
    if let Some(sub) = &r.regex_substitution {
        let rule::Filter::Regex(re) = filter else {
            return None;
        };
        let spec = url.as_str();
        let caps = re.captures(spec)?;
        let whole = caps.get(0)?;
        let mut replaced = String::new();
        let mut chars = sub.chars().peekable();
        while let Some(c) = chars.next() {
            if c == '\\' {
                match chars.peek().and_then(|d| d.to_digit(10)) {
                    Some(n) => {
                        chars.next();
                        replaced.push_str(caps.get(n as usize).map_or("", |m| m.as_str()));
                        continue;
                    }
                    None => {
                        if chars.peek() == Some(&'\\') {
                            chars.next();
                        }
                        replaced.push('\\');
                        continue;
                    }
                }
            }
            replaced.push(c);
        }
        let out = format!(
            "{}{}{}",
            &spec[..whole.start()],
            replaced,
            &spec[whole.end()..]
        );
        return Url::parse(&out).ok();
    }
    let t = r.transform.as_ref()?;
    let mut u = url.clone();
    if let Some(s) = &t.scheme {
        let default_port = u.port().is_none();
        if u.set_scheme(s).is_err() {
            let rebuilt = format!("{s}{}", &u.as_str()[u.scheme().len()..]);
            u = Url::parse(&rebuilt).ok()?;
        }
        if default_port {
            let _ = u.set_port(None);
        }
    }
    if let Some(h) = &t.host {
        u.set_host(Some(h)).ok()?;
    }
    if let Some(p) = &t.port {
        if p.is_empty() {
            let _ = u.set_port(None);
        } else {
            u.set_port(Some(p.parse().ok()?)).ok()?;
        }
    }
    if let Some(p) = &t.path {
        u.set_path(if p.is_empty() { "/" } else { p });
    }
    if let Some(q) = &t.query {
        u.set_query(q.strip_prefix('?').filter(|q| !q.is_empty()));
    } else if let Some(qt) = &t.query_transform {
        let mut pairs: Vec<(String, String)> = u.query_pairs().into_owned().collect();
        if let Some(remove) = &qt.remove_params {
            pairs.retain(|(k, _)| !remove.contains(k));
        }
        if let Some(add) = &qt.add_or_replace_params {
            for kv in add {
                match pairs.iter_mut().find(|(k, _)| *k == kv.key) {
                    Some(existing) => existing.1 = kv.value.clone(),
                    None if !kv.replace_only.unwrap_or(false) => {
                        pairs.push((kv.key.clone(), kv.value.clone()))
                    }
                    None => {}
                }
            }
        }
        if pairs.is_empty() {
            u.set_query(None);
        } else {
            u.query_pairs_mut().clear().extend_pairs(pairs);
        }
    }
    if let Some(f) = &t.fragment {
        u.set_fragment(f.strip_prefix('#').filter(|f| !f.is_empty()));
    }
    if let Some(user) = &t.username {
        u.set_username(user).ok()?;
    }
    if let Some(pw) = &t.password {
        u.set_password(Some(pw)).ok()?;
    }
    Some(u)
}

/// Applies header edits in order with Chromium's conflict rules: the first edit of a header
/// that sets or removes it wins over later ones; after an append, only appends from the same
/// extension follow.
///
/// Example: see [the module's example](self).
pub fn apply_header_edits(headers: &mut http::HeaderMap, edits: &[HeaderEdit]) {
    // header name → (operation of the first edit, extension)
    let mut first: Vec<(http::HeaderName, String, String)> = Vec::new();
    for edit in edits {
        let Ok(name) = http::HeaderName::from_bytes(edit.info.header.as_bytes()) else {
            continue;
        };
        if let Some((_, op, ext)) = first.iter().find(|(n, _, _)| *n == name) {
            let allowed = edit.info.operation == "append"
                && (op == "append" || op == "set")
                && *ext == edit.extension_id;
            if !allowed {
                continue;
            }
        } else {
            first.push((
                name.clone(),
                edit.info.operation.clone(),
                edit.extension_id.clone(),
            ));
        }
        let value = edit
            .info
            .value
            .as_deref()
            .and_then(|v| http::HeaderValue::from_str(v).ok());
        match (edit.info.operation.as_str(), value) {
            ("remove", _) => {
                headers.remove(&name);
            }
            ("set", Some(v)) => {
                headers.insert(name, v);
            }
            ("append", Some(v)) => {
                let joined = match headers.get(&name).and_then(|old| old.to_str().ok()) {
                    Some(old) => {
                        let sep = if name == http::header::COOKIE {
                            "; "
                        } else {
                            ", "
                        };
                        http::HeaderValue::from_str(&format!(
                            "{old}{sep}{}",
                            v.to_str().unwrap_or("")
                        ))
                        .unwrap_or(v)
                    }
                    None => v,
                };
                headers.insert(name, joined);
            }
            _ => {}
        }
    }
}

/// Why a ruleset or an update was refused.
///
/// Example: see [the module's example](self).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DnrError {
    /// A rule is invalid (the message names its id).
    #[error("{0}")]
    Rule(String),
    /// A limit was exceeded, or an id is unknown (Chromium's message).
    #[error("{0}")]
    Limit(String),
    /// The extension is not loaded.
    #[error("No extension with id {0}.")]
    NoExtension(String),
    /// The dynamic rules file could not be written.
    #[error("Internal error while updating dynamic rules: {0}")]
    Io(String),
}

/// Compiles rules, refusing the whole list at the first invalid or duplicate one.
///
/// Example: see [the module's example](self).
pub fn compile_all(rules: &[Rule]) -> Result<Vec<CompiledRule>, DnrError> {
    let mut ids = std::collections::HashSet::with_capacity(rules.len());
    let mut out = Vec::with_capacity(rules.len());
    for r in rules {
        if !ids.insert(r.id) {
            return Err(DnrError::Rule(format!(
                "Rule with id {} does not have a unique ID.",
                r.id
            )));
        }
        out.push(rule::compile(r, rule::REGEX_SIZE_LIMIT).map_err(DnrError::Rule)?);
    }
    Ok(out)
}

/// Compiles a static ruleset file, keeping valid rules; invalid ones become warnings naming the
/// file and the rule, as Chromium does for unpacked extensions. A file that is not a JSON array
/// of rule objects is an error naming the file (and the rule index when one fails to parse).
///
/// Example: see [the module's example](self).
pub fn compile_static(
    file: &str,
    text: &str,
    warnings: &mut Vec<String>,
) -> Result<Vec<CompiledRule>, String> {
    let values: Vec<serde_json::Value> = serde_json::from_str(text)
        .map_err(|e| format!("{file}: the ruleset is not a JSON array of rules: {e}"))?;
    let mut out = Vec::with_capacity(values.len());
    let mut ids = std::collections::HashSet::with_capacity(values.len());
    let mut regex = 0usize;
    for (i, v) in values.into_iter().enumerate() {
        let rule: Rule = serde_json::from_value(v)
            .map_err(|e| format!("{file}: Rule at index {i} failed to parse: {e}"))?;
        if !ids.insert(rule.id) {
            warnings.push(format!(
                "{file}: Rule with id {} does not have a unique ID.",
                rule.id
            ));
            continue;
        }
        match rule::compile(&rule, rule::REGEX_SIZE_LIMIT) {
            Ok(c) => {
                if matches!(c.filter, rule::Filter::Regex(_)) {
                    regex += 1;
                    if regex > MAX_NUMBER_OF_REGEX_RULES {
                        warnings.push(format!("{file}: Rule with id {} was ignored: the ruleset exceeds the regex rule count limit.", rule.id));
                        continue;
                    }
                }
                out.push(c);
            }
            Err(e) => warnings.push(format!("{file}: {e}")),
        }
    }
    Ok(out)
}

/// Whether an action counts as "safe" (block, allow, allowAllRequests, upgradeScheme).
///
/// Example: see [the module's example](self).
pub fn is_safe(r: &Rule) -> bool {
    matches!(
        r.action.kind.as_str(),
        "block" | "allow" | "allowAllRequests" | "upgradeScheme"
    )
}

/// Applies `remove` then `add` to `current`, checking ids and limits; returns the new list and
/// its compiled form.
///
/// Example: see [the module's example](self).
pub fn updated_rules(
    current: &[Rule],
    remove: &[i64],
    add: &[Rule],
    max: usize,
    max_unsafe: usize,
    other_regex: usize,
    kind: &str,
) -> Result<(Vec<Rule>, Vec<CompiledRule>), DnrError> {
    let mut rules: Vec<Rule> = current
        .iter()
        .filter(|r| !remove.contains(&r.id))
        .cloned()
        .collect();
    for r in add {
        if rules.iter().any(|x| x.id == r.id) {
            return Err(DnrError::Rule(format!(
                "Rule with id {} does not have a unique ID.",
                r.id
            )));
        }
        rules.push(r.clone());
    }
    let compiled = compile_all(&rules)?;
    if rules.len() > max {
        return Err(DnrError::Limit(format!("{kind} rule count exceeded.")));
    }
    if rules.iter().filter(|r| !is_safe(r)).count() > max_unsafe {
        return Err(DnrError::Limit(format!(
            "{kind} rule count for unsafe rules exceeded."
        )));
    }
    let regex = compiled
        .iter()
        .filter(|c| matches!(c.filter, rule::Filter::Regex(_)))
        .count();
    if regex + other_regex > MAX_NUMBER_OF_REGEX_RULES {
        return Err(DnrError::Limit(
            "Regular expression rule count exceeded.".into(),
        ));
    }
    Ok((rules, compiled))
}
