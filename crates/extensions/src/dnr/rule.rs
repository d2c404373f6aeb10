//! DNR rules as extensions write them (serde, camelCase as in the JSON), and their validation
//! into [`CompiledRule`]s with Chromium's error messages (each naming the rule id).
//!
//! ```
//! use session_extensions::dnr::rule::*;
//!
//! let rule: Rule = serde_json::from_str(r#"{
//!     "id": 4, "priority": 3,
//!     "action": {"type": "redirect", "redirect": {"transform": {"scheme": "https",
//!         "queryTransform": {"addOrReplaceParams": [{"key": "ref", "value": "dnr"}]}}}},
//!     "condition": {"regexFilter": "^http://shop\\.test/", "resourceTypes": ["main_frame", "script"],
//!         "requestMethods": ["get"], "initiatorDomains": ["news.test"], "domainType": "thirdParty"}
//! }"#).unwrap();
//! let transform = rule.action.redirect.as_ref().unwrap().transform.as_ref().unwrap();
//! assert_eq!(transform.query_transform.as_ref().unwrap().add_or_replace_params.as_ref().unwrap()[0].key, "ref");
//!
//! let compiled = compile(&rule, REGEX_SIZE_LIMIT).unwrap();
//! assert_eq!((compiled.id, compiled.priority), (4, 3));
//! assert!(matches!(compiled.filter, Filter::Regex(_)));
//! assert_eq!((compiled.action.name(), compiled.action.rank()), ("redirect", 1));
//! assert_eq!(compiled.resource_types, resource_type_bit("main_frame").unwrap() | resource_type_bit("script").unwrap());
//! assert_eq!(compiled.methods, method_bit("GET"));
//! assert_eq!(compiled.first_party, Some(false));
//! assert!(RESOURCE_TYPES.contains(&"xmlhttprequest") && REQUEST_METHODS.contains(&"get"));
//! assert_eq!(resource_type_bit("nonsense"), None);
//!
//! // Domain lists match a host or its subdomains; the longer match decides.
//! let include: Domains = Some(vec!["news.test".into()].into_boxed_slice());
//! let exclude: Domains = Some(vec!["old.news.test".into()].into_boxed_slice());
//! assert_eq!(longest_domain_match("www.news.test", include.as_deref().unwrap()), Some(9));
//! assert!(domains_allow(Some("www.news.test"), &include, &exclude));
//! assert!(!domains_allow(Some("a.old.news.test"), &include, &exclude));
//!
//! // Chromium's validation messages name the rule.
//! let bad: Rule = serde_json::from_str(r#"{"id": 5, "action": {"type": "redirect"}, "condition": {}}"#).unwrap();
//! let err = compile(&bad, REGEX_SIZE_LIMIT).unwrap_err();
//! assert!(err.contains("Rule with id 5"), "{err}");
//! let header: HeaderInfo = serde_json::from_str(r#"{"header": "x-a", "operation": "remove"}"#).unwrap();
//! assert_eq!(header.value, None);
//! ```

use serde::{Deserialize, Serialize};
use url::Url;

use super::url_filter::UrlFilter;

/// A rule as written in a ruleset file or passed to `update_dynamic_rules`.
///
/// Example: see [the module's example](self).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Rule {
    /// Unique within the extension's ruleset, at least 1.
    pub id: i64,
    /// At least 1; defaults to 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<i64>,
    /// What to do.
    pub action: RuleAction,
    /// When to do it.
    pub condition: RuleCondition,
}

/// `action`.
///
/// Example: see [the module's example](self).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RuleAction {
    /// `block`, `allow`, `allowAllRequests`, `upgradeScheme`, `redirect`, `modifyHeaders`.
    #[serde(rename = "type")]
    pub kind: String,
    /// For `redirect`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redirect: Option<Redirect>,
    /// For `modifyHeaders`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_headers: Option<Vec<HeaderInfo>>,
    /// For `modifyHeaders`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response_headers: Option<Vec<HeaderInfo>>,
}

/// `action.redirect`: exactly one of its members.
///
/// Example: see [the module's example](self).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Redirect {
    /// Absolute URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Path inside the extension, starting with `/`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extension_path: Option<String>,
    /// Parts of the URL to change.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transform: Option<UrlTransform>,
    /// With `regexFilter`: `\1`..`\9` refer to its groups, `\0` to the whole match.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub regex_substitution: Option<String>,
}

/// `redirect.transform`.
///
/// Example: see [the module's example](self).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UrlTransform {
    /// `http`, `https`, `ftp` or `chrome-extension`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scheme: Option<String>,
    /// New host.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    /// New port; empty removes it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<String>,
    /// New path; empty becomes `/`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// New query (`?a=b` or empty to remove).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub query: Option<String>,
    /// Parameter edits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub query_transform: Option<QueryTransform>,
    /// New fragment (`#x` or empty to remove).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fragment: Option<String>,
    /// New user name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    /// New password.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
}

/// `transform.queryTransform`.
///
/// Example: see [the module's example](self).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct QueryTransform {
    /// Keys to remove.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remove_params: Option<Vec<String>>,
    /// Keys to add or replace.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub add_or_replace_params: Option<Vec<QueryKeyValue>>,
}

/// One parameter to add or replace.
///
/// Example: see [the module's example](self).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct QueryKeyValue {
    /// Key.
    pub key: String,
    /// Value.
    pub value: String,
    /// Only replace an existing key, never add.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replace_only: Option<bool>,
}

/// One header edit of `modifyHeaders`.
///
/// Example: see [the module's example](self).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HeaderInfo {
    /// Header name.
    pub header: String,
    /// `append`, `set` or `remove`.
    pub operation: String,
    /// Value for `append` and `set`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
}

/// `condition`.
///
/// Example: see [the module's example](self).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RuleCondition {
    /// See `url_filter`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url_filter: Option<String>,
    /// RE2 syntax.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub regex_filter: Option<String>,
    /// Defaults to false.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_url_filter_case_sensitive: Option<bool>,
    /// Initiator hosts (and their subdomains).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub initiator_domains: Option<Vec<String>>,
    /// Initiator hosts excluded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub excluded_initiator_domains: Option<Vec<String>>,
    /// Deprecated spelling of `initiatorDomains`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domains: Option<Vec<String>>,
    /// Deprecated spelling of `excludedInitiatorDomains`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub excluded_domains: Option<Vec<String>>,
    /// Request hosts (and their subdomains).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_domains: Option<Vec<String>>,
    /// Request hosts excluded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub excluded_request_domains: Option<Vec<String>>,
    /// Resource types; without this nor `excludedResourceTypes`, all but `main_frame`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_types: Option<Vec<String>>,
    /// Resource types excluded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub excluded_resource_types: Option<Vec<String>>,
    /// HTTP methods (lower case).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_methods: Option<Vec<String>>,
    /// HTTP methods excluded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub excluded_request_methods: Option<Vec<String>>,
    /// `firstParty` or `thirdParty`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domain_type: Option<String>,
}

/// Resource types, in Chromium's order.
///
/// Example: see [the module's example](self).
pub const RESOURCE_TYPES: &[&str] = &[
    "main_frame",
    "sub_frame",
    "stylesheet",
    "script",
    "image",
    "font",
    "object",
    "xmlhttprequest",
    "ping",
    "csp_report",
    "media",
    "websocket",
    "webtransport",
    "webbundle",
    "other",
];

/// Request methods DNR names.
///
/// Example: see [the module's example](self).
pub const REQUEST_METHODS: &[&str] = &[
    "connect", "delete", "get", "head", "options", "patch", "post", "put", "other",
];

/// The bit of a resource type, or `None` for an unknown name.
///
/// Example: see [the module's example](self).
pub fn resource_type_bit(name: &str) -> Option<u16> {
    RESOURCE_TYPES
        .iter()
        .position(|t| *t == name)
        .map(|i| 1 << i)
}

/// The bit of a request method (unknown methods are `other`).
///
/// Example: see [the module's example](self).
pub fn method_bit(method: &str) -> u16 {
    let i = REQUEST_METHODS
        .iter()
        .position(|m| m.eq_ignore_ascii_case(method))
        .unwrap_or(REQUEST_METHODS.len() - 1);
    1 << i
}

/// What a matched rule does, with precedence within one extension (higher wins a tie).
///
/// Example: see [the module's example](self).
#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    /// Cancel the request.
    Block,
    /// Let it through, overriding this extension's lower rules.
    Allow,
    /// Allow the frame and everything it loads.
    AllowAllRequests,
    /// `http:` → `https:` (and `ws:` → `wss:`).
    UpgradeScheme,
    /// Redirect.
    Redirect(Box<Redirect>),
    /// Edit request and response headers.
    ModifyHeaders(Box<HeaderChanges>),
}

/// The edits of a `modifyHeaders` rule (boxed in [`Action`], which most rules keep small).
///
/// Example: see [the module's example](self).
#[derive(Clone, Debug, PartialEq)]
pub struct HeaderChanges {
    /// Request header edits.
    pub request: Vec<HeaderInfo>,
    /// Response header edits.
    pub response: Vec<HeaderInfo>,
}

impl Action {
    /// Chromium's tie-break rank within an extension: allow > allowAllRequests > block >
    /// upgradeScheme > redirect > modifyHeaders.
    ///
    /// Example: see [the module's example](self).
    pub fn rank(&self) -> u8 {
        match self {
            Action::Allow => 5,
            Action::AllowAllRequests => 4,
            Action::Block => 3,
            Action::UpgradeScheme => 2,
            Action::Redirect(_) => 1,
            Action::ModifyHeaders(_) => 0,
        }
    }

    /// The action's name as in the JSON.
    ///
    /// Example: see [the module's example](self).
    pub fn name(&self) -> &'static str {
        match self {
            Action::Allow => "allow",
            Action::AllowAllRequests => "allowAllRequests",
            Action::Block => "block",
            Action::UpgradeScheme => "upgradeScheme",
            Action::Redirect(_) => "redirect",
            Action::ModifyHeaders(_) => "modifyHeaders",
        }
    }
}

/// The URL condition.
///
/// Example: see [the module's example](self).
#[derive(Clone, Debug)]
pub enum Filter {
    /// No URL condition.
    Any,
    /// `urlFilter`.
    Url(UrlFilter),
    /// `regexFilter`.
    Regex(Box<regex::Regex>),
}

/// A domain list, lower-cased, for "host or its subdomain" checks.
///
/// Example: see [the module's example](self).
pub type Domains = Option<Box<[Box<str>]>>;

/// The domain conditions of a rule, boxed in [`CompiledRule`]: few rules have any.
///
/// Example: see [the module's example](self).
#[derive(Clone, Debug, Default)]
pub struct RuleDomains {
    /// `requestDomains`.
    pub request: Domains,
    /// `excludedRequestDomains`.
    pub excluded_request: Domains,
    /// `initiatorDomains`.
    pub initiator: Domains,
    /// `excludedInitiatorDomains`.
    pub excluded_initiator: Domains,
}

/// A validated rule, ready for the index (which keeps the common ones in a 20-byte form).
///
/// Example: see [the module's example](self).
#[derive(Clone, Debug)]
pub struct CompiledRule {
    /// Rule id.
    pub id: u32,
    /// Priority (≥ 1).
    pub priority: u32,
    /// Action.
    pub action: Action,
    /// URL condition.
    pub filter: Filter,
    /// Allowed resource types as bits.
    pub resource_types: u16,
    /// Allowed methods as bits (all when no list was given).
    pub methods: u16,
    /// `Some(true)` first party only, `Some(false)` third party only.
    pub first_party: Option<bool>,
    /// Request and initiator domain conditions, when the rule has any.
    pub domains: Option<Box<RuleDomains>>,
}

/// The compiled-size limit for `regexFilter`: the `regex` crate measures compiled programs
/// differently from RE2's 2 KB memory budget, so the limit is set where ordinary filters pass and
/// pathological ones (large counted repetitions) fail.
///
/// Example: see [the module's example](self).
pub const REGEX_SIZE_LIMIT: usize = 64 * 1024;

/// Request headers `append` may touch (Chromium's list).
const APPENDABLE_REQUEST_HEADERS: &[&str] = &[
    "accept",
    "accept-encoding",
    "accept-language",
    "access-control-request-headers",
    "cache-control",
    "connection",
    "content-language",
    "cookie",
    "forwarded",
    "if-match",
    "if-none-match",
    "keep-alive",
    "range",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "user-agent",
    "via",
    "want-digest",
    "x-forwarded-for",
];

fn err(id: i64, text: &str) -> String {
    format!("Rule with id {id} {text}")
}

fn domains(id: i64, key: &str, list: &Option<Vec<String>>) -> Result<Domains, String> {
    let Some(list) = list else {
        return Ok(None);
    };
    if list.is_empty() && (key == "requestDomains" || key == "initiatorDomains" || key == "domains")
    {
        return Err(err(
            id,
            &format!("cannot have an empty list as the value for \"{key}\" key."),
        ));
    }
    let mut out = Vec::with_capacity(list.len());
    for d in list {
        if d.is_empty() {
            return Err(err(
                id,
                &format!("cannot have an empty value for \"{key}\" key."),
            ));
        }
        if !d.is_ascii() {
            return Err(err(
                id,
                &format!("cannot have non-ascii characters as part of \"{key}\" key."),
            ));
        }
        out.push(d.to_ascii_lowercase().into_boxed_str());
    }
    Ok(Some(out.into_boxed_slice()))
}

/// Validates a rule as Chromium does when indexing it; errors name the rule id.
///
/// Example: see [the module's example](self).
pub fn compile(rule: &Rule, regex_size_limit: usize) -> Result<CompiledRule, String> {
    let id = rule.id;
    if id < 1 || id > i64::from(u32::MAX) {
        return Err(err(id, "must have a positive \"id\" key."));
    }
    let priority = match rule.priority {
        None => 1,
        Some(p) if p >= 1 && p <= i64::from(u32::MAX) => p as u32,
        Some(_) => {
            return Err(err(
                id,
                "specifies an incorrect value for the \"priority\" key.",
            ));
        }
    };
    let c = &rule.condition;
    let case_sensitive = c.is_url_filter_case_sensitive.unwrap_or(false);
    let filter = match (&c.url_filter, &c.regex_filter) {
        (Some(_), Some(_)) => {
            return Err(err(
                id,
                "can only specify one of \"urlFilter\" or \"regexFilter\" keys.",
            ));
        }
        (Some(f), None) => match UrlFilter::parse(f, case_sensitive) {
            Ok(f) => Filter::Url(f),
            Err("empty") => {
                return Err(err(id, "cannot have an empty value for \"urlFilter\" key."));
            }
            Err(_) => {
                return Err(err(
                    id,
                    "cannot have non-ascii characters as part of \"urlFilter\" key.",
                ));
            }
        },
        (None, Some(r)) => {
            if r.is_empty() {
                return Err(err(
                    id,
                    "cannot have an empty value for \"regexFilter\" key.",
                ));
            }
            if !r.is_ascii() {
                return Err(err(
                    id,
                    "cannot have non-ascii characters as part of \"regexFilter\" key.",
                ));
            }
            match regex::RegexBuilder::new(r)
                .case_insensitive(!case_sensitive)
                .size_limit(regex_size_limit)
                .build()
            {
                Ok(re) => Filter::Regex(Box::new(re)),
                Err(regex::Error::CompiledTooBig(_)) => {
                    return Err(err(
                        id,
                        "was skipped as the \"regexFilter\" key exceeded the 2KB memory limit when compiled.",
                    ));
                }
                Err(_) => {
                    return Err(err(
                        id,
                        "specified an invalid regular expression for the \"regexFilter\" key.",
                    ));
                }
            }
        }
        (None, None) => Filter::Any,
    };
    let mut resource_types: u16 = 0;
    let mut excluded_types: u16 = 0;
    for (list, acc, key) in [
        (&c.resource_types, &mut resource_types, "resourceTypes"),
        (
            &c.excluded_resource_types,
            &mut excluded_types,
            "excludedResourceTypes",
        ),
    ] {
        if let Some(list) = list {
            if list.is_empty() && key == "resourceTypes" {
                return Err(err(
                    id,
                    "cannot have an empty list as the value for \"resourceTypes\" key.",
                ));
            }
            for t in list {
                *acc |= resource_type_bit(t).ok_or_else(|| {
                    err(
                        id,
                        &format!("specifies an incorrect value for the \"{key}\" key."),
                    )
                })?;
            }
        }
    }
    if resource_types & excluded_types != 0 {
        return Err(err(id, "includes and excludes the same resource."));
    }
    let all_types: u16 = (1 << RESOURCE_TYPES.len()) - 1;
    let main_frame = 1u16;
    let types = if c.resource_types.is_some() {
        resource_types
    } else if c.excluded_resource_types.is_some() {
        all_types & !excluded_types
    } else {
        all_types & !main_frame
    };
    if types == 0 {
        return Err(err(id, "is not applicable to any resource type."));
    }
    let mut methods: u16 = 0;
    let mut excluded_methods: u16 = 0;
    for (list, acc, key) in [
        (&c.request_methods, &mut methods, "requestMethods"),
        (
            &c.excluded_request_methods,
            &mut excluded_methods,
            "excludedRequestMethods",
        ),
    ] {
        if let Some(list) = list {
            if list.is_empty() && key == "requestMethods" {
                return Err(err(
                    id,
                    "cannot have an empty list as the value for \"requestMethods\" key.",
                ));
            }
            for m in list {
                if !REQUEST_METHODS.contains(&m.as_str()) {
                    return Err(err(
                        id,
                        &format!("specifies an incorrect value for the \"{key}\" key."),
                    ));
                }
                *acc |= method_bit(m);
            }
        }
    }
    if methods & excluded_methods != 0 {
        return Err(err(id, "includes and excludes the same request method."));
    }
    let all_methods: u16 = (1 << REQUEST_METHODS.len()) - 1;
    let methods = if c.request_methods.is_some() {
        methods
    } else {
        all_methods & !excluded_methods
    };
    let first_party = match c.domain_type.as_deref() {
        None => None,
        Some("firstParty") => Some(true),
        Some("thirdParty") => Some(false),
        Some(_) => {
            return Err(err(
                id,
                "specifies an incorrect value for the \"domainType\" key.",
            ));
        }
    };
    if c.domains.is_some() && c.initiator_domains.is_some() {
        return Err(err(
            id,
            "cannot specify both \"domains\" and \"initiatorDomains\" keys.",
        ));
    }
    if c.excluded_domains.is_some() && c.excluded_initiator_domains.is_some() {
        return Err(err(
            id,
            "cannot specify both \"excludedDomains\" and \"excludedInitiatorDomains\" keys.",
        ));
    }
    let initiator_domains = match &c.initiator_domains {
        Some(_) => domains(id, "initiatorDomains", &c.initiator_domains)?,
        None => domains(id, "domains", &c.domains)?,
    };
    let excluded_initiator_domains = match &c.excluded_initiator_domains {
        Some(_) => domains(
            id,
            "excludedInitiatorDomains",
            &c.excluded_initiator_domains,
        )?,
        None => domains(id, "excludedDomains", &c.excluded_domains)?,
    };
    let request_domains = domains(id, "requestDomains", &c.request_domains)?;
    let excluded_request_domains =
        domains(id, "excludedRequestDomains", &c.excluded_request_domains)?;
    let a = &rule.action;
    let action = match a.kind.as_str() {
        "block" => Action::Block,
        "allow" => Action::Allow,
        "allowAllRequests" => {
            let frames = resource_type_bit("main_frame").unwrap_or(1)
                | resource_type_bit("sub_frame").unwrap_or(2);
            if c.resource_types.is_none() || types & !frames != 0 {
                return Err(err(
                    id,
                    "is an \"allowAllRequests\" rule and must specify the \"resourceTypes\" key. It may only include the \"main_frame\" and \"sub_frame\" resource types.",
                ));
            }
            Action::AllowAllRequests
        }
        "upgradeScheme" => Action::UpgradeScheme,
        "redirect" => {
            let Some(r) = &a.redirect else {
                return Err(err(
                    id,
                    "does not specify the value for \"redirect\" key. This is required for redirect rules.",
                ));
            };
            validate_redirect(id, r, &filter)?;
            Action::Redirect(Box::new(r.clone()))
        }
        "modifyHeaders" => {
            let request = a.request_headers.clone().unwrap_or_default();
            let response = a.response_headers.clone().unwrap_or_default();
            if request.is_empty() && response.is_empty() {
                return Err(err(
                    id,
                    "does not specify the value for \"requestHeaders\" or \"responseHeaders\" key. This is required for \"modifyHeaders\" rules.",
                ));
            }
            for (h, is_request) in request
                .iter()
                .map(|h| (h, true))
                .chain(response.iter().map(|h| (h, false)))
            {
                if h.header.is_empty() || http_header_name_invalid(&h.header) {
                    return Err(err(id, "must specify a valid header name to be modified."));
                }
                match (h.operation.as_str(), &h.value) {
                    ("remove", Some(_)) => {
                        return Err(err(
                            id,
                            "must not provide a header value for a header to be removed.",
                        ));
                    }
                    ("append" | "set", None) => {
                        return Err(err(
                            id,
                            "must provide a value for a header to be appended/set.",
                        ));
                    }
                    ("append", Some(_))
                        if is_request
                            && !APPENDABLE_REQUEST_HEADERS
                                .contains(&h.header.to_ascii_lowercase().as_str()) =>
                    {
                        return Err(err(
                            id,
                            &format!(
                                "must not specify a request header '{}' to be appended.",
                                h.header
                            ),
                        ));
                    }
                    ("append" | "set" | "remove", _) => {}
                    _ => {
                        return Err(err(
                            id,
                            "specifies an incorrect value for the \"operation\" key.",
                        ));
                    }
                }
            }
            Action::ModifyHeaders(Box::new(HeaderChanges { request, response }))
        }
        other => {
            return Err(err(
                id,
                &format!("specifies an incorrect value for the \"action.type\" key ('{other}')."),
            ));
        }
    };
    let domains = RuleDomains {
        request: request_domains,
        excluded_request: excluded_request_domains,
        initiator: initiator_domains,
        excluded_initiator: excluded_initiator_domains,
    };
    let any_domains = domains.request.is_some()
        || domains.excluded_request.is_some()
        || domains.initiator.is_some()
        || domains.excluded_initiator.is_some();
    Ok(CompiledRule {
        id: id as u32,
        priority,
        action,
        filter,
        resource_types: types,
        methods,
        first_party,
        domains: any_domains.then(|| Box::new(domains)),
    })
}

fn http_header_name_invalid(name: &str) -> bool {
    http::HeaderName::from_bytes(name.as_bytes()).is_err()
}

fn validate_redirect(id: i64, r: &Redirect, filter: &Filter) -> Result<(), String> {
    let count = [
        r.url.is_some(),
        r.extension_path.is_some(),
        r.transform.is_some(),
        r.regex_substitution.is_some(),
    ]
    .iter()
    .filter(|b| **b)
    .count();
    if count == 0 {
        return Err(err(
            id,
            "does not specify the value for \"redirect\" key. This is required for redirect rules.",
        ));
    }
    if let Some(u) = &r.url
        && Url::parse(u).is_err()
    {
        return Err(err(
            id,
            "does not provide a valid URL for \"redirect.url\" key.",
        ));
    }
    if let Some(p) = &r.extension_path
        && !p.starts_with('/')
    {
        return Err(err(
            id,
            "specifies an incorrect value for the \"extensionPath\" key. It should start with a '/'.",
        ));
    }
    if let Some(t) = &r.transform {
        if let Some(s) = &t.scheme
            && !matches!(s.as_str(), "http" | "https" | "ftp" | "chrome-extension")
        {
            return Err(err(
                id,
                "specifies an incorrect value for the \"transform.scheme\" key.",
            ));
        }
        if let Some(p) = &t.port
            && !p.is_empty()
            && p.parse::<u16>().is_err()
        {
            return Err(err(
                id,
                "specifies an incorrect value for the \"transform.port\" key.",
            ));
        }
        if let Some(q) = &t.query
            && !q.is_empty()
            && !q.starts_with('?')
        {
            return Err(err(
                id,
                "specifies an incorrect value for the \"transform.query\" key.",
            ));
        }
        if let Some(f) = &t.fragment
            && !f.is_empty()
            && !f.starts_with('#')
        {
            return Err(err(
                id,
                "specifies an incorrect value for the \"transform.fragment\" key.",
            ));
        }
    }
    if r.regex_substitution.is_some() && !matches!(filter, Filter::Regex(_)) {
        return Err(err(
            id,
            "can't specify the \"regexSubstitution\" key without specifying the \"regexFilter\" key.",
        ));
    }
    Ok(())
}

/// Whether `host` is one of `list` or a subdomain of one; the longest match is returned.
///
/// Example: see [the module's example](self).
pub fn longest_domain_match(host: &str, list: &[Box<str>]) -> Option<usize> {
    let host = host.strip_suffix('.').unwrap_or(host);
    list.iter()
        .filter(|d| {
            let d: &str = d;
            host == d
                || (host.len() > d.len()
                    && host.ends_with(d)
                    && host.as_bytes()[host.len() - d.len() - 1] == b'.')
        })
        .map(|d| d.len())
        .max()
}

/// Whether `host` passes an include list and an exclude list (the longer match decides).
///
/// Example: see [the module's example](self).
pub fn domains_allow(host: Option<&str>, include: &Domains, exclude: &Domains) -> bool {
    let host = host.unwrap_or("");
    let inc = match include {
        Some(list) => match longest_domain_match(host, list) {
            Some(n) => Some(n),
            None => return false,
        },
        None => None,
    };
    match exclude {
        Some(list) => match longest_domain_match(host, list) {
            Some(ex) => inc.is_some_and(|i| i > ex),
            None => true,
        },
        None => true,
    }
}
