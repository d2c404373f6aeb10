//! The in-memory jar: storage model (RFC 6265bis §5.7), retrieval (§5.8), limits and eviction
//! (Chromium's `CookieMonster`). Pure data and rules; no I/O, time is passed in.

use std::collections::HashMap;

use session_base::origin::{is_loopback_host, is_public_suffix, registrable_domain};
use url::Url;

use crate::context::{CookieSource, RequestContext, SameSiteContext};
use crate::cookie::{CanonicalCookie, Priority, SameSite};
use crate::date::Micros;
use crate::error::Exclusion;
use crate::parse::ParsedCookie;

const MICROS_PER_SEC: i64 = 1_000_000;
const DAY: Micros = 86_400 * MICROS_PER_SEC;
/// Unspecified-SameSite cookies younger than this go with cross-site top-level POSTs.
const LAX_ALLOW_UNSAFE_AGE: Micros = 120 * MICROS_PER_SEC;

/// The jar's limits. [`Limits::default`] is Chromium's.
///
/// ```
/// use session_cookies::{Cookies, CookiesOptions, Limits};
///
/// assert_eq!(Limits::default().per_domain, 180); // Chromium's
/// let roomy = Limits::raised(1000, 50_000);
/// assert_eq!((roomy.per_domain, roomy.total, roomy.max_age_days), (1000, 50_000, 400));
/// let jar = Cookies::in_memory(CookiesOptions { limits: roomy, ..Default::default() });
/// assert!(jar.is_empty());
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Cookies per registrable domain (per partition for partitioned cookies): 180.
    pub per_domain: usize,
    /// How many a domain purge removes beyond the limit, down to `per_domain - per_domain_purge`: 30.
    pub per_domain_purge: usize,
    /// Cookies in the whole jar: 3300.
    pub total: usize,
    /// How many a global purge removes: 300.
    pub total_purge: usize,
    /// Bytes of name + value per partition and domain for partitioned cookies: 10240.
    pub partitioned_bytes: usize,
    /// Longest lifetime, in days: 400.
    pub max_age_days: i64,
    /// Cookies accessed within this many days are protected from the global purge: 30.
    pub global_purge_protection_days: i64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            per_domain: 180,
            per_domain_purge: 30,
            total: 3300,
            total_purge: 300,
            partitioned_bytes: 10_240,
            max_age_days: 400,
            global_purge_protection_days: 30,
        }
    }
}

impl Limits {
    /// Chromium's limits, except the counts, raised to `per_domain` and `total`.
    ///
    /// Example: see [`Limits`].
    pub fn raised(per_domain: usize, total: usize) -> Self {
        Limits {
            per_domain,
            total,
            ..Limits::default()
        }
    }
}

/// Why a cookie changed: Chromium's `CookieChangeCause`, named as Electron names it.
///
/// ```
/// use session_cookies::ChangeCause;
///
/// assert_eq!(ChangeCause::InsertedNoChangeOverwrite.as_str(), "inserted-no-change-overwrite");
/// assert!(!ChangeCause::Inserted.removed());
/// assert!(ChangeCause::Evicted.removed() && ChangeCause::Overwrite.removed());
/// ```
/// The jar reports changes with their cause: see [`Cookies::subscribe`](crate::Cookies::subscribe)
/// and [`CookieJar`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ChangeCause {
    /// A new cookie was stored.
    Inserted,
    /// An identical cookie overwrote an existing one.
    InsertedNoChangeOverwrite,
    /// A cookie with the same value but other attributes overwrote an existing one.
    InsertedNoValueChangeOverwrite,
    /// Deleted by the embedder (remove, clear).
    Explicit,
    /// Removed because a new cookie replaced it (reported before the new cookie's insert).
    Overwrite,
    /// Removed because it expired.
    Expired,
    /// Removed by limit-based garbage collection.
    Evicted,
    /// Removed because an already-expired cookie overwrote it.
    ExpiredOverwrite,
}

impl ChangeCause {
    /// Electron's string for the cause.
    ///
    /// Example: see [`ChangeCause`].
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeCause::Inserted => "inserted",
            ChangeCause::InsertedNoChangeOverwrite => "inserted-no-change-overwrite",
            ChangeCause::InsertedNoValueChangeOverwrite => "inserted-no-value-change-overwrite",
            ChangeCause::Explicit => "explicit",
            ChangeCause::Overwrite => "overwrite",
            ChangeCause::Expired => "expired",
            ChangeCause::Evicted => "evicted",
            ChangeCause::ExpiredOverwrite => "expired-overwrite",
        }
    }

    /// Electron's `removed` flag.
    ///
    /// Example: see [`ChangeCause`].
    pub fn removed(self) -> bool {
        !matches!(
            self,
            ChangeCause::Inserted
                | ChangeCause::InsertedNoChangeOverwrite
                | ChangeCause::InsertedNoValueChangeOverwrite
        )
    }
}

/// One change to the jar, in the order it happened.
///
/// Example: see [`CookieJar`].
#[derive(Clone, Debug, PartialEq)]
pub struct Change {
    /// The cookie inserted or removed.
    pub cookie: CanonicalCookie,
    /// Why.
    pub cause: ChangeCause,
}

/// Who sets a cookie and from where: decides Secure, HttpOnly and SameSite checks.
#[derive(Clone, Copy, Debug)]
pub(crate) struct SetAccess {
    pub(crate) source: CookieSource,
    pub(crate) url_secure: bool,
    pub(crate) same_site: SameSiteContext,
}

#[derive(Default, Debug)]
struct DomainEntry {
    unpartitioned: Vec<CanonicalCookie>,
    partitioned: HashMap<String, Vec<CanonicalCookie>>,
}

impl DomainEntry {
    fn bucket_mut(&mut self, partition: Option<&str>) -> &mut Vec<CanonicalCookie> {
        match partition {
            None => &mut self.unpartitioned,
            Some(p) => self.partitioned.entry(p.to_owned()).or_default(),
        }
    }

    fn is_empty(&self) -> bool {
        self.unpartitioned.is_empty() && self.partitioned.values().all(Vec::is_empty)
    }
}

/// The index key of a host or cookie domain: its registrable domain, or the host itself when it
/// has none (IP addresses, `localhost`, single labels).
pub(crate) fn domain_key(domain: &str) -> &str {
    registrable_domain(domain).unwrap_or(domain)
}

/// The host of `url` as cookies see it (lower-case), or `None` when the URL cannot carry cookies.
pub(crate) fn cookie_host(url: &Url) -> Option<String> {
    if url.scheme() == "file" || url.scheme() == "data" {
        return None;
    }
    let host = url.host_str()?;
    if host.is_empty() {
        return None;
    }
    Some(host.to_ascii_lowercase())
}

/// Whether `url` may read and set Secure cookies: https/wss, or a loopback host.
pub(crate) fn is_secure_url(url: &Url) -> bool {
    matches!(url.scheme(), "https" | "wss") || url.host_str().is_some_and(is_loopback_host)
}

/// RFC 6265bis §5.1.4 default-path of a request URL.
pub(crate) fn default_path(url: &Url) -> String {
    let path = url.path();
    if !path.starts_with('/') {
        return "/".to_owned();
    }
    match path.rfind('/') {
        Some(0) | None => "/".to_owned(),
        Some(i) => path[..i].to_owned(),
    }
}

/// RFC 6265bis §5.1.4 path-match.
pub(crate) fn path_matches(request_path: &str, cookie_path: &str) -> bool {
    if request_path == cookie_path {
        return true;
    }
    request_path.starts_with(cookie_path)
        && (cookie_path.ends_with('/')
            || request_path.as_bytes().get(cookie_path.len()) == Some(&b'/'))
}

/// RFC 6265bis §5.1.3 domain-match of a host against a cookie domain (no leading dot).
pub(crate) fn domain_matches(host: &str, domain: &str) -> bool {
    host == domain
        || (host.len() > domain.len()
            && host.ends_with(domain)
            && host.as_bytes()[host.len() - domain.len() - 1] == b'.'
            && host.parse::<std::net::IpAddr>().is_err())
}

/// Whether `cookie` would be sent to `host` by domain alone.
pub(crate) fn cookie_domain_matches(cookie: &CanonicalCookie, host: &str) -> bool {
    if cookie.host_only {
        cookie.domain == host
    } else {
        domain_matches(host, &cookie.domain)
    }
}

fn request_path(url: &Url) -> &str {
    let p = url.path();
    if p.is_empty() { "/" } else { p }
}

/// Resolves the Domain attribute against the request host (RFC 6265bis §5.7 steps 5-6):
/// `(domain, host_only)`.
pub(crate) fn resolve_domain(
    host: &str,
    attribute: Option<&str>,
) -> Result<(String, bool), Exclusion> {
    let Some(attr) = attribute else {
        return Ok((host.to_owned(), true));
    };
    let attr = attr.strip_prefix('.').unwrap_or(attr).to_ascii_lowercase();
    if attr.is_empty() {
        return Ok((host.to_owned(), true));
    }
    if attr.starts_with('.') {
        return Err(Exclusion::InvalidDomain);
    }
    let canonical = match url::Host::parse(&attr) {
        Ok(url::Host::Domain(d)) => d,
        Ok(url::Host::Ipv4(ip)) => ip.to_string(),
        Ok(url::Host::Ipv6(ip)) => format!("[{ip}]"),
        Err(_) => return Err(Exclusion::InvalidDomain),
    };
    let host_is_ip = host.parse::<std::net::IpAddr>().is_ok() || host.starts_with('[');
    if host_is_ip {
        // An IP host may only name itself, and gets a host-only cookie.
        return if canonical == host {
            Ok((canonical, true))
        } else {
            Err(Exclusion::InvalidDomain)
        };
    }
    if is_public_suffix(&canonical) {
        return if canonical == host {
            Ok((canonical, true))
        } else {
            Err(Exclusion::InvalidDomain)
        };
    }
    if canonical == host {
        return Ok((canonical, false));
    }
    if domain_matches(host, &canonical) && registrable_domain(&canonical).is_some() {
        Ok((canonical, false))
    } else {
        Err(Exclusion::InvalidDomain)
    }
}

/// Whether a cookie name carries a prefix, case-insensitively.
fn has_prefix(name: &str, prefix: &str) -> bool {
    name.len() >= prefix.len()
        && name.as_bytes()[..prefix.len()].eq_ignore_ascii_case(prefix.as_bytes())
}

/// The name prefixes of RFC 6265bis §4.1.3 (`__Host-Http-` starts with `__Host-` and takes
/// its rules as well as `__Http-`'s).
const PREFIXES: [&str; 4] = ["__Secure-", "__Host-", "__Http-", "__Host-Http-"];

/// Checks the name prefix rules (RFC 6265bis §4.1.3) of a cookie set by `source`:
/// `__Secure-` needs Secure; `__Host-` needs Secure, no Domain and the path `/`; `__Http-` and
/// `__Host-Http-` need Secure and HttpOnly and never come from a script (`document.cookie`).
pub(crate) fn check_prefixes(
    cookie: &CanonicalCookie,
    source: CookieSource,
) -> Result<(), Exclusion> {
    // A nameless cookie whose value looks like a prefixed name would be sent as one.
    if cookie.name.is_empty() && PREFIXES.iter().any(|p| has_prefix(&cookie.value, p)) {
        return Err(Exclusion::InvalidPrefix);
    }
    if has_prefix(&cookie.name, "__Secure-") && !cookie.secure {
        return Err(Exclusion::InvalidPrefix);
    }
    if has_prefix(&cookie.name, "__Host-")
        && (!cookie.secure || !cookie.host_only || cookie.path != "/")
    {
        return Err(Exclusion::InvalidPrefix);
    }
    if (has_prefix(&cookie.name, "__Http-") || has_prefix(&cookie.name, "__Host-Http-"))
        && (!cookie.secure || !cookie.http_only || source == CookieSource::Script)
    {
        return Err(Exclusion::InvalidPrefix);
    }
    Ok(())
}

/// The cookie jar.
///
/// The rules as functions over data, with the time passed in; [`Cookies`](crate::Cookies) wraps
/// it with a lock, events and a store.
///
/// ```
/// use session_cookies::date::now_micros;
/// use session_cookies::{ChangeCause, CookieJar, CookieSource, Limits, RequestContext, header_value};
/// use url::Url;
///
/// let mut jar = CookieJar::new(Limits::default());
/// assert!(jar.is_empty());
/// assert_eq!(jar.limits().per_domain, 180);
/// let url = Url::parse("https://www.a.test/app/page").unwrap();
/// let ctx = RequestContext::default();
/// let now = now_micros();
///
/// let changes = jar.set_from_header(&url, "sid=1; Path=/app", &ctx, CookieSource::Http, now).unwrap();
/// assert_eq!(changes[0].cause, ChangeCause::Inserted);
/// jar.set_from_header(&url, "lang=fr; Domain=a.test; Path=/", &ctx, CookieSource::Http, now + 1)
///     .unwrap();
/// assert!(jar.set_from_header(&url, "x=1; Domain=b.test", &ctx, CookieSource::Http, now).is_err());
/// assert_eq!(jar.len(), 2);
///
/// let mut changes = Vec::new();
/// let sent = jar.matching(&url, &ctx, CookieSource::Http, false, true, now + 2, &mut changes);
/// assert_eq!(header_value(sent), "sid=1; lang=fr"); // longer paths first
/// assert_eq!(jar.in_domain("cdn.a.test").count(), 2); // one bucket per registrable domain
/// assert_eq!(jar.all().count(), 2);
///
/// let lang = |c: &session_cookies::CanonicalCookie| c.name == "lang";
/// assert_eq!(jar.remove_in_domain("a.test", ChangeCause::Explicit, &mut changes, lang), 1);
/// assert_eq!(jar.remove_matching(ChangeCause::Explicit, &mut changes, |_| true), 1);
/// assert!(jar.is_empty());
/// assert_eq!(changes.len(), 2);
/// ```
#[derive(Debug, Default)]
pub struct CookieJar {
    map: HashMap<String, DomainEntry>,
    count: usize,
    limits: Limits,
    last_creation: Micros,
    earliest_access: Micros,
}

impl CookieJar {
    /// An empty jar with `limits`.
    ///
    /// Example: see [`CookieJar`].
    pub fn new(limits: Limits) -> Self {
        CookieJar {
            limits,
            ..CookieJar::default()
        }
    }

    /// Number of cookies held (expired ones not yet collected included).
    ///
    /// Example: see [`CookieJar`].
    pub fn len(&self) -> usize {
        self.count
    }

    /// Whether the jar is empty.
    ///
    /// Example: see [`CookieJar`].
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// The jar's limits.
    ///
    /// Example: see [`CookieJar`].
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// A creation time for a new cookie: `now`, or just after the last one so that creation
    /// times are unique (the Cookie header's tie-break).
    pub(crate) fn next_creation(&mut self, now: Micros) -> Micros {
        let t = now.max(self.last_creation + 1);
        self.last_creation = t;
        t
    }

    /// Applies RFC 6265bis §5.7 to a parsed `Set-Cookie` line from `url`: the canonical cookie,
    /// not yet stored.
    pub(crate) fn canonicalize(
        &mut self,
        parsed: ParsedCookie,
        url: &Url,
        ctx: &RequestContext,
        now: Micros,
    ) -> Result<CanonicalCookie, Exclusion> {
        let host = cookie_host(url).ok_or(Exclusion::NonCookieableScheme)?;
        let max_life = self.limits.max_age_days.saturating_mul(DAY);
        let expires = if let Some(delta) = parsed.max_age {
            if delta <= 0 {
                Some(Micros::MIN)
            } else {
                Some(now.saturating_add(delta.saturating_mul(MICROS_PER_SEC).min(max_life)))
            }
        } else {
            parsed.expires.map(|secs| {
                secs.saturating_mul(MICROS_PER_SEC)
                    .min(now.saturating_add(max_life))
            })
        };
        // A `Set-Cookie` line (from HTTP or `document.cookie`) of a `__Host-` cookie states
        // `Path=/` itself: the default path, even when it is `/`, does not do.
        if has_prefix(&parsed.name, "__Host-") && parsed.path.as_deref() != Some("/") {
            return Err(Exclusion::InvalidPrefix);
        }
        let (domain, host_only) = resolve_domain(&host, parsed.domain.as_deref())?;
        if parsed.partitioned && !parsed.secure {
            return Err(Exclusion::InvalidPartitioned);
        }
        let path = parsed.path.unwrap_or_else(|| default_path(url));
        let creation = self.next_creation(now);
        Ok(CanonicalCookie {
            name: parsed.name,
            value: parsed.value,
            domain,
            host_only,
            path,
            creation,
            expires,
            last_access: creation,
            secure: parsed.secure,
            http_only: parsed.http_only,
            same_site: parsed.same_site,
            priority: parsed.priority,
            partition_key: if parsed.partitioned {
                ctx.partition_key()
            } else {
                None
            },
        })
    }

    /// Parses and stores one `Set-Cookie` line received from `url`.
    ///
    /// Example: see [`CookieJar`].
    pub fn set_from_header(
        &mut self,
        url: &Url,
        line: &str,
        ctx: &RequestContext,
        source: CookieSource,
        now: Micros,
    ) -> Result<Vec<Change>, Exclusion> {
        let parsed = ParsedCookie::parse(line)?;
        let cookie = self.canonicalize(parsed, url, ctx, now)?;
        let access = SetAccess {
            source,
            url_secure: is_secure_url(url),
            same_site: match source {
                CookieSource::Api => SameSiteContext::Strict,
                _ => ctx.same_site_for_response(url),
            },
        };
        self.set_canonical(cookie, access, now)
    }

    /// Stores a canonical cookie after the policy checks of RFC 6265bis §5.7 (Secure, HttpOnly,
    /// SameSite, prefixes, leave-secure-cookies-alone), replacing an equivalent cookie, then
    /// collects garbage. Returns the changes in order.
    pub(crate) fn set_canonical(
        &mut self,
        mut cookie: CanonicalCookie,
        access: SetAccess,
        now: Micros,
    ) -> Result<Vec<Change>, Exclusion> {
        if cookie.secure && !access.url_secure {
            return Err(Exclusion::SecureOnly);
        }
        if cookie.http_only && access.source == CookieSource::Script {
            return Err(Exclusion::HttpOnly);
        }
        if cookie.same_site == SameSite::NoRestriction && !cookie.secure {
            return Err(Exclusion::SameSiteNoneInsecure);
        }
        if access.same_site < SameSiteContext::Lax {
            match cookie.same_site {
                SameSite::Strict => return Err(Exclusion::SameSiteStrict),
                SameSite::Lax => return Err(Exclusion::SameSiteLax),
                SameSite::Unspecified => {
                    return Err(Exclusion::SameSiteUnspecifiedTreatedAsLax);
                }
                SameSite::NoRestriction => {}
            }
        }
        check_prefixes(&cookie, access.source)?;
        let key = domain_key(&cookie.domain).to_owned();
        let entry = entry_in(&mut self.map, &key);

        // Leave secure cookies alone (RFC 6265bis §5.7 step 16).
        if !cookie.secure && !access.url_secure {
            let shadows = |old: &CanonicalCookie| {
                old.secure
                    && old.name == cookie.name
                    && (domain_matches(&old.domain, &cookie.domain)
                        || domain_matches(&cookie.domain, &old.domain))
                    && path_matches(&cookie.path, &old.path)
            };
            let in_partition = cookie
                .partition_key
                .as_ref()
                .and_then(|p| entry.partitioned.get(p))
                .is_some_and(|b| b.iter().any(shadows));
            if entry.unpartitioned.iter().any(shadows) || in_partition {
                return Err(Exclusion::OverwriteSecure);
            }
        }

        let bucket = entry.bucket_mut(cookie.partition_key.as_deref());
        let old_index = bucket.iter().position(|c| c.is_equivalent(&cookie));
        if let Some(i) = old_index
            && bucket[i].http_only
            && access.source == CookieSource::Script
        {
            return Err(Exclusion::OverwriteHttpOnly);
        }
        let mut changes = Vec::new();
        if cookie.is_expired(now) {
            if let Some(i) = old_index {
                let old = bucket.swap_remove(i);
                self.count -= 1;
                changes.push(Change {
                    cookie: old,
                    cause: ChangeCause::ExpiredOverwrite,
                });
            }
            self.drop_if_empty(&key);
            return Ok(changes);
        }
        let mut cause = ChangeCause::Inserted;
        if let Some(i) = old_index {
            let old = bucket.swap_remove(i);
            self.count -= 1;
            cookie.creation = old.creation;
            cause = if old.value != cookie.value {
                ChangeCause::Inserted
            } else if old.secure == cookie.secure
                && old.http_only == cookie.http_only
                && old.same_site == cookie.same_site
                && old.expires == cookie.expires
                && old.priority == cookie.priority
            {
                ChangeCause::InsertedNoChangeOverwrite
            } else {
                ChangeCause::InsertedNoValueChangeOverwrite
            };
            changes.push(Change {
                cookie: old,
                cause: ChangeCause::Overwrite,
            });
        }
        self.earliest_access = if self.count == 0 {
            cookie.last_access
        } else {
            self.earliest_access.min(cookie.last_access)
        };
        bucket.push(cookie.clone());
        self.count += 1;
        let partition = cookie.partition_key.clone();
        changes.push(Change { cookie, cause });
        self.collect_domain(&key, partition.as_deref(), now, &mut changes);
        self.collect_global(now, &mut changes);
        Ok(changes)
    }

    fn drop_if_empty(&mut self, key: &str) {
        if self.map.get(key).is_some_and(DomainEntry::is_empty) {
            self.map.remove(key);
        }
    }

    /// Chromium's per-domain garbage collection: over the limit, expired cookies go first, then
    /// least recently accessed ones in rounds (low, medium, high priority non-secure, then the
    /// same secure), each priority keeping a quota (30/50/70).
    fn collect_domain(
        &mut self,
        key: &str,
        partition: Option<&str>,
        now: Micros,
        changes: &mut Vec<Change>,
    ) {
        let limits = self.limits.clone();
        let Some(entry) = self.map.get_mut(key) else {
            return;
        };
        let bucket = entry.bucket_mut(partition);
        let mut removed = 0;
        if bucket.len() > limits.per_domain {
            removed += remove_where(bucket, changes, ChangeCause::Expired, |c| c.is_expired(now));
        }
        if bucket.len() > limits.per_domain {
            let target = limits.per_domain.saturating_sub(limits.per_domain_purge);
            let mut goal = bucket.len() - target;
            for include_secure in [false, true] {
                for (priority, quota) in [
                    (Priority::Low, 30),
                    (Priority::Medium, 50),
                    (Priority::High, 70),
                ] {
                    if goal == 0 {
                        break;
                    }
                    let of_priority = bucket.iter().filter(|c| c.priority == priority).count();
                    let mut candidates: Vec<(Micros, Micros)> = bucket
                        .iter()
                        .filter(|c| c.priority == priority && (include_secure || !c.secure))
                        .map(|c| (c.last_access, c.creation))
                        .collect();
                    let n = of_priority
                        .saturating_sub(quota)
                        .min(goal)
                        .min(candidates.len());
                    if n == 0 {
                        continue;
                    }
                    candidates.sort_unstable();
                    let victims: std::collections::HashSet<Micros> = candidates[..n]
                        .iter()
                        .map(|&(_, created)| created)
                        .collect();
                    let got = remove_where(bucket, changes, ChangeCause::Evicted, |c| {
                        c.priority == priority && victims.contains(&c.creation)
                    });
                    removed += got;
                    goal = goal.saturating_sub(got);
                }
            }
        }
        // Partitioned cookies also have a byte budget per partition and domain.
        if partition.is_some() {
            let mut bytes: usize = bucket.iter().map(|c| c.name.len() + c.value.len()).sum();
            while bytes > limits.partitioned_bytes && !bucket.is_empty() {
                let lru = bucket
                    .iter()
                    .enumerate()
                    .min_by_key(|(_, c)| (c.last_access, c.creation))
                    .map(|(i, _)| i)
                    .expect("bucket is not empty");
                let c = bucket.swap_remove(lru);
                bytes -= c.name.len() + c.value.len();
                removed += 1;
                changes.push(Change {
                    cookie: c,
                    cause: ChangeCause::Evicted,
                });
            }
        }
        self.count -= removed;
        self.drop_if_empty(key);
    }

    /// Chromium's global garbage collection: over the total, every expired cookie goes, then
    /// the least recently accessed (non-secure before secure) of those not accessed in the
    /// protection window, down to `total - total_purge`.
    fn collect_global(&mut self, now: Micros, changes: &mut Vec<Change>) {
        if self.count <= self.limits.total {
            return;
        }
        let mut removed = 0;
        for entry in self.map.values_mut() {
            removed += remove_where(
                &mut entry.unpartitioned,
                changes,
                ChangeCause::Expired,
                |c| c.is_expired(now),
            );
            for bucket in entry.partitioned.values_mut() {
                removed +=
                    remove_where(bucket, changes, ChangeCause::Expired, |c| c.is_expired(now));
            }
        }
        self.count -= removed;
        let safe_date = now.saturating_sub(self.limits.global_purge_protection_days * DAY);
        if self.count > self.limits.total && self.earliest_access < safe_date {
            let target = self.limits.total.saturating_sub(self.limits.total_purge);
            let goal = self.count - target;
            let mut candidates: Vec<(bool, Micros, Micros)> = self
                .all()
                .filter(|c| c.last_access < safe_date)
                .map(|c| (c.secure, c.last_access, c.creation))
                .collect();
            candidates.sort_unstable();
            candidates.truncate(goal);
            let victims: std::collections::HashSet<Micros> =
                candidates.iter().map(|&(_, _, created)| created).collect();
            if !victims.is_empty() {
                self.remove_matching(ChangeCause::Evicted, changes, |c| {
                    victims.contains(&c.creation)
                });
            }
            self.earliest_access = self.all().map(|c| c.last_access).min().unwrap_or(now);
        }
        self.map.retain(|_, e| !e.is_empty());
    }

    /// Removes every cookie for which `pred` holds, reporting each with `cause`. Returns how many.
    ///
    /// Example: see [`CookieJar`].
    pub fn remove_matching(
        &mut self,
        cause: ChangeCause,
        changes: &mut Vec<Change>,
        mut pred: impl FnMut(&CanonicalCookie) -> bool,
    ) -> usize {
        let mut removed = 0;
        for entry in self.map.values_mut() {
            removed += remove_where(&mut entry.unpartitioned, changes, cause, &mut pred);
            for bucket in entry.partitioned.values_mut() {
                removed += remove_where(bucket, changes, cause, &mut pred);
            }
        }
        self.count -= removed;
        self.map.retain(|_, e| !e.is_empty());
        removed
    }

    /// Removes the cookies of the given registrable domains (index keys) for which `pred` holds
    /// — an indexed delete, no scan of other domains.
    ///
    /// Example: see [`CookieJar`].
    pub fn remove_in_domain(
        &mut self,
        host: &str,
        cause: ChangeCause,
        changes: &mut Vec<Change>,
        mut pred: impl FnMut(&CanonicalCookie) -> bool,
    ) -> usize {
        let key = domain_key(host).to_owned();
        let Some(entry) = self.map.get_mut(&key) else {
            return 0;
        };
        let mut removed = remove_where(&mut entry.unpartitioned, changes, cause, &mut pred);
        for bucket in entry.partitioned.values_mut() {
            removed += remove_where(bucket, changes, cause, &mut pred);
        }
        self.count -= removed;
        self.drop_if_empty(&key);
        removed
    }

    /// Every cookie, in no particular order.
    ///
    /// Example: see [`CookieJar`].
    pub fn all(&self) -> impl Iterator<Item = &CanonicalCookie> {
        self.map.values().flat_map(|e| {
            e.unpartitioned
                .iter()
                .chain(e.partitioned.values().flatten())
        })
    }

    /// The cookies of one registrable domain (the index key of `host`).
    ///
    /// Example: see [`CookieJar`].
    pub fn in_domain(&self, host: &str) -> impl Iterator<Item = &CanonicalCookie> {
        self.map.get(domain_key(host)).into_iter().flat_map(|e| {
            e.unpartitioned
                .iter()
                .chain(e.partitioned.values().flatten())
        })
    }

    /// Inserts a cookie loaded from the store: no checks, no events, no garbage collection.
    /// The cookies stored under one index key (a registrable domain, or a host without one).
    pub(crate) fn in_key(&self, key: &str) -> impl Iterator<Item = &CanonicalCookie> {
        self.map.get(key).into_iter().flat_map(|e| {
            e.unpartitioned
                .iter()
                .chain(e.partitioned.values().flatten())
        })
    }

    /// Inserts cookies of one index key loaded from the store: no checks, no events, no
    /// garbage collection.
    pub(crate) fn insert_loaded(&mut self, key: &str, cookies: Vec<CanonicalCookie>) {
        if cookies.is_empty() {
            return;
        }
        for c in &cookies {
            self.last_creation = self.last_creation.max(c.creation);
            self.earliest_access = if self.count == 0 {
                c.last_access
            } else {
                self.earliest_access.min(c.last_access)
            };
            self.count += 1;
        }
        let entry = entry_in(&mut self.map, key);
        if entry.unpartitioned.is_empty() && cookies.iter().all(|c| c.partition_key.is_none()) {
            entry.unpartitioned = cookies;
            return;
        }
        for c in cookies {
            entry.bucket_mut(c.partition_key.as_deref()).push(c);
        }
    }

    /// The cookies a request to `url` carries, in Cookie-header order (longer paths first, then
    /// earlier creation): RFC 6265bis §5.8.3. Expired cookies met on the way are removed and
    /// reported in `changes`; with `update_access`, the sent cookies' access time becomes `now`.
    ///
    /// Only the registrable domain's bucket (and the request's partition) is examined.
    ///
    /// Example: see [`CookieJar`].
    #[allow(clippy::too_many_arguments)]
    pub fn matching(
        &mut self,
        url: &Url,
        ctx: &RequestContext,
        source: CookieSource,
        all_partitions: bool,
        update_access: bool,
        now: Micros,
        changes: &mut Vec<Change>,
    ) -> Vec<&CanonicalCookie> {
        let Some(host) = cookie_host(url) else {
            return Vec::new();
        };
        let key = domain_key(&host);
        let Some(entry) = self.map.get_mut(key) else {
            return Vec::new();
        };
        let secure_ok = is_secure_url(url);
        let same_site = match source {
            CookieSource::Api => SameSiteContext::Strict,
            _ => ctx.same_site_for_request(url),
        };
        let path = request_path(url);
        let partition = ctx.partition_key();
        let mut expired = 0;
        expired += remove_where(
            &mut entry.unpartitioned,
            changes,
            ChangeCause::Expired,
            |c| c.is_expired(now),
        );
        for (key, bucket) in entry.partitioned.iter_mut() {
            if all_partitions || partition.as_deref() == Some(key.as_str()) {
                expired +=
                    remove_where(bucket, changes, ChangeCause::Expired, |c| c.is_expired(now));
            }
        }
        self.count -= expired;
        let include = |c: &CanonicalCookie| {
            cookie_domain_matches(c, &host)
                && path_matches(path, &c.path)
                && (!c.secure || secure_ok)
                && (!c.http_only || source != CookieSource::Script)
                && same_site_allows(c, same_site, now)
        };
        let mut hits: Vec<&mut CanonicalCookie> = Vec::new();
        let partitioned = entry
            .partitioned
            .iter_mut()
            .filter(|(k, _)| all_partitions || partition.as_deref() == Some(k.as_str()))
            .flat_map(|(_, b)| b.iter_mut());
        for c in entry.unpartitioned.iter_mut().chain(partitioned) {
            if include(c) {
                hits.push(c);
            }
        }
        hits.sort_by(|a, b| {
            b.path
                .len()
                .cmp(&a.path.len())
                .then(a.creation.cmp(&b.creation))
        });
        if update_access {
            for c in hits.iter_mut() {
                c.last_access = now;
            }
        }
        hits.into_iter().map(|c| &*c).collect()
    }
}

/// Whether the SameSite policy lets `cookie` go in `context` (RFC 6265bis §5.8.3, with
/// Chromium's Lax-by-default and its two-minute Lax-allowing-unsafe window).
fn same_site_allows(cookie: &CanonicalCookie, context: SameSiteContext, now: Micros) -> bool {
    match cookie.same_site {
        SameSite::NoRestriction => true,
        SameSite::Strict => context == SameSiteContext::Strict,
        SameSite::Lax => context >= SameSiteContext::Lax,
        SameSite::Unspecified => {
            context >= SameSiteContext::Lax
                || (context == SameSiteContext::LaxUnsafeTopLevel
                    && now.saturating_sub(cookie.creation) < LAX_ALLOW_UNSAFE_AGE)
        }
    }
}

/// Serializes cookies as a `Cookie` header value (RFC 6265bis §5.8.3 step 4): `name=value`
/// joined by `; `, a nameless cookie as its bare value.
///
/// Example: see [`CookieJar`].
pub fn header_value<'a>(cookies: impl IntoIterator<Item = &'a CanonicalCookie>) -> String {
    let mut out = String::new();
    for c in cookies {
        if !out.is_empty() {
            out.push_str("; ");
        }
        if !c.name.is_empty() {
            out.push_str(&c.name);
            out.push('=');
        }
        out.push_str(&c.value);
    }
    out
}

/// The entry of an index key, created if missing (no allocation when present).
fn entry_in<'a>(map: &'a mut HashMap<String, DomainEntry>, key: &str) -> &'a mut DomainEntry {
    if !map.contains_key(key) {
        map.insert(key.to_owned(), DomainEntry::default());
    }
    map.get_mut(key).expect("entry was just ensured")
}

fn remove_where(
    bucket: &mut Vec<CanonicalCookie>,
    changes: &mut Vec<Change>,
    cause: ChangeCause,
    mut pred: impl FnMut(&CanonicalCookie) -> bool,
) -> usize {
    let before = bucket.len();
    let mut i = 0;
    while i < bucket.len() {
        if pred(&bucket[i]) {
            let c = bucket.remove(i);
            changes.push(Change { cookie: c, cause });
        } else {
            i += 1;
        }
    }
    before - bucket.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: Micros = 1_700_000_000 * MICROS_PER_SEC;

    fn url(s: &str) -> Url {
        Url::parse(s).expect("url")
    }

    fn set(jar: &mut CookieJar, u: &str, line: &str) -> Result<Vec<Change>, Exclusion> {
        jar.set_from_header(
            &url(u),
            line,
            &RequestContext::default(),
            CookieSource::Http,
            NOW,
        )
    }

    fn header(jar: &mut CookieJar, u: &str, ctx: &RequestContext) -> String {
        let mut changes = Vec::new();
        let hits = jar.matching(
            &url(u),
            ctx,
            CookieSource::Http,
            false,
            true,
            NOW,
            &mut changes,
        );
        header_value(hits)
    }

    #[test]
    fn default_paths_and_path_match() {
        assert_eq!(default_path(&url("http://a.test")), "/");
        assert_eq!(default_path(&url("http://a.test/x")), "/");
        assert_eq!(default_path(&url("http://a.test/x/y")), "/x");
        assert!(path_matches("/x/y", "/x"));
        assert!(path_matches("/x/", "/x/"));
        assert!(!path_matches("/xy", "/x"));
        assert!(path_matches("/x", "/"));
    }

    #[test]
    fn public_suffix_domains_are_refused() {
        let mut jar = CookieJar::default();
        assert_eq!(
            set(&mut jar, "http://www.example.co.uk/", "a=b; Domain=co.uk").err(),
            Some(Exclusion::InvalidDomain)
        );
        assert_eq!(
            set(&mut jar, "http://example.com/", "a=b; Domain=com").err(),
            Some(Exclusion::InvalidDomain)
        );
        assert_eq!(
            set(&mut jar, "http://example.com/", "a=b; Domain=other.com").err(),
            Some(Exclusion::InvalidDomain)
        );
        // A host that is itself a public suffix may set a host-only cookie naming itself.
        let changes = set(&mut jar, "http://github.io/", "a=b; Domain=github.io").expect("ok");
        assert!(changes[0].cookie.host_only);
        assert!(set(&mut jar, "http://x.localhost/", "a=b; Domain=localhost").is_err());
    }

    #[test]
    fn host_only_versus_domain() {
        let mut jar = CookieJar::default();
        set(&mut jar, "http://a.example.com/", "h=1").expect("host");
        set(&mut jar, "http://a.example.com/", "d=2; Domain=example.com").expect("domain");
        let ctx = RequestContext::default();
        assert_eq!(header(&mut jar, "http://a.example.com/", &ctx), "h=1; d=2");
        assert_eq!(header(&mut jar, "http://b.example.com/", &ctx), "d=2");
        assert_eq!(header(&mut jar, "http://example.com/", &ctx), "d=2");
        assert_eq!(header(&mut jar, "http://other.com/", &ctx), "");
    }

    #[test]
    fn header_order_longer_paths_then_creation() {
        let mut jar = CookieJar::default();
        set(&mut jar, "http://a.test/", "a=1; Path=/").expect("a");
        set(&mut jar, "http://a.test/", "b=2; Path=/x/y").expect("b");
        set(&mut jar, "http://a.test/", "c=3; Path=/x").expect("c");
        set(&mut jar, "http://a.test/", "d=4; Path=/").expect("d");
        set(&mut jar, "http://a.test/", "nameless").expect("e");
        assert_eq!(
            header(&mut jar, "http://a.test/x/y/z", &RequestContext::default()),
            "b=2; c=3; a=1; d=4; nameless"
        );
    }

    #[test]
    fn secure_rules_and_localhost() {
        let mut jar = CookieJar::default();
        assert_eq!(
            set(&mut jar, "http://a.test/", "s=1; Secure").err(),
            Some(Exclusion::SecureOnly)
        );
        set(&mut jar, "http://localhost/", "s=1; Secure").expect("localhost is trustworthy");
        set(&mut jar, "https://a.test/", "s=1; Secure").expect("https");
        let ctx = RequestContext::default();
        assert_eq!(header(&mut jar, "http://a.test/", &ctx), "");
        assert_eq!(header(&mut jar, "https://a.test/", &ctx), "s=1");
        assert_eq!(header(&mut jar, "http://localhost/", &ctx), "s=1");
        // an insecure origin may not shadow the secure cookie
        assert_eq!(
            set(&mut jar, "http://a.test/", "s=2").err(),
            Some(Exclusion::OverwriteSecure)
        );
        set(&mut jar, "http://a.test/", "t=2").expect("other name is fine");
    }

    #[test]
    fn prefixes() {
        let mut jar = CookieJar::default();
        assert_eq!(
            set(&mut jar, "https://a.test/", "__Secure-a=1").err(),
            Some(Exclusion::InvalidPrefix)
        );
        set(&mut jar, "https://a.test/", "__Secure-a=1; Secure").expect("ok");
        assert_eq!(
            set(&mut jar, "https://a.test/", "__Host-a=1; Secure; Path=/x").err(),
            Some(Exclusion::InvalidPrefix)
        );
        assert_eq!(
            set(
                &mut jar,
                "https://a.test/",
                "__host-a=1; Secure; Domain=a.test; Path=/"
            )
            .err(),
            Some(Exclusion::InvalidPrefix)
        );
        set(&mut jar, "https://a.test/", "__Host-a=1; Secure; Path=/").expect("ok");
        // RFC 6265bis §5.7: a nameless cookie may not look like a prefixed one
        assert_eq!(
            set(
                &mut jar,
                "https://a.test/",
                "__Host-x=1; Secure; Path=/; Domain="
            )
            .ok()
            .map(|_| ()),
            Some(())
        );
        assert_eq!(
            set(&mut jar, "https://a.test/", "=__Secure-x=1; Secure").err(),
            Some(Exclusion::InvalidPrefix)
        );
        assert_eq!(
            set(&mut jar, "https://a.test/", "__host-y; Secure; Path=/").err(),
            Some(Exclusion::InvalidPrefix)
        );
        // names with multi-byte characters where a prefix would end
        set(&mut jar, "https://a.test/", "春节回家=1").expect("non-ascii name");
    }

    #[test]
    fn http_prefixes_and_explicit_host_path() {
        // RFC 6265bis §4.1.3.3-4: __Http- and __Host-Http- need Secure and HttpOnly, and never
        // come from a script; __Host-Http- has __Host-'s rules too.
        let mut jar = CookieJar::default();
        let https = "https://a.test/";
        for line in [
            "__Http-a=1; Secure",
            "__Http-a=1; HttpOnly",
            "__http-a=1",
            "__Host-Http-a=1; Secure; Path=/",
            "__Host-Http-a=1; Secure; HttpOnly; Path=/; Domain=a.test",
            "__Host-Http-a=1; Secure; HttpOnly; Path=/x",
            "__Host-Http-a=1; Secure; HttpOnly",
            "=__Http-x=1; Secure; HttpOnly",
        ] {
            assert_eq!(
                set(&mut jar, https, line).err(),
                Some(Exclusion::InvalidPrefix),
                "{line}"
            );
        }
        set(&mut jar, https, "__Http-a=1; Secure; HttpOnly").expect("http prefix");
        set(&mut jar, https, "__Host-Http-a=1; Secure; HttpOnly; Path=/").expect("host-http");
        let url = Url::parse(https).expect("url");
        let script = |jar: &mut CookieJar, line: &str| {
            let ctx = RequestContext::from_page(&url);
            jar.set_from_header(&url, line, &ctx, CookieSource::Script, NOW)
                .err()
        };
        // From a script: refused whatever it states (HttpOnly is refused first).
        assert_eq!(
            script(&mut jar, "__Http-b=1; Secure"),
            Some(Exclusion::InvalidPrefix)
        );
        assert_eq!(
            script(&mut jar, "__Host-Http-b=1; Secure; Path=/"),
            Some(Exclusion::InvalidPrefix)
        );
        assert_eq!(
            script(&mut jar, "__Http-b=1; Secure; HttpOnly"),
            Some(Exclusion::HttpOnly)
        );
        // __Host- from a Set-Cookie line states Path=/ itself, even on a page at the root.
        assert_eq!(
            script(&mut jar, "__Host-c=1; Secure"),
            Some(Exclusion::InvalidPrefix)
        );
        assert_eq!(
            set(&mut jar, https, "__Host-c=1; Secure").err(),
            Some(Exclusion::InvalidPrefix)
        );
        assert_eq!(script(&mut jar, "__Host-c=1; Secure; Path=/"), None);
        assert_eq!(script(&mut jar, "__Secure-d=1; Secure"), None);
    }

    #[test]
    fn same_site_enforcement() {
        let mut jar = CookieJar::default();
        set(&mut jar, "https://a.test/", "strict=1; SameSite=Strict").expect("s");
        set(&mut jar, "https://a.test/", "lax=1; SameSite=Lax").expect("l");
        set(&mut jar, "https://a.test/", "none=1; SameSite=None; Secure").expect("n");
        set(&mut jar, "https://a.test/", "unspec=1").expect("u");
        assert_eq!(
            set(&mut jar, "https://a.test/", "bad=1; SameSite=None").err(),
            Some(Exclusion::SameSiteNoneInsecure)
        );
        let page = url("https://other.test/");
        let sub = RequestContext::from_page(&page);
        assert_eq!(header(&mut jar, "https://a.test/", &sub), "none=1");
        let nav = sub.clone().top_level_navigation(true);
        assert_eq!(
            header(&mut jar, "https://a.test/", &nav),
            "lax=1; none=1; unspec=1"
        );
        // a POST navigation carries only fresh unspecified cookies (Lax-allowing-unsafe)
        let post = nav.clone().method("POST");
        assert_eq!(
            header(&mut jar, "https://a.test/", &post),
            "none=1; unspec=1"
        );
        let mut changes = Vec::new();
        let later = NOW + 3 * 60 * MICROS_PER_SEC;
        let hits = jar.matching(
            &url("https://a.test/"),
            &post,
            CookieSource::Http,
            false,
            false,
            later,
            &mut changes,
        );
        assert_eq!(header_value(hits), "none=1");
        // a cross-site response cannot set Lax/Strict/unspecified cookies
        let err = jar
            .set_from_header(
                &url("https://a.test/"),
                "x=1; SameSite=Lax",
                &sub,
                CookieSource::Http,
                NOW,
            )
            .err();
        assert_eq!(err, Some(Exclusion::SameSiteLax));
        let err = jar
            .set_from_header(
                &url("https://a.test/"),
                "x=1",
                &sub,
                CookieSource::Http,
                NOW,
            )
            .err();
        assert_eq!(err, Some(Exclusion::SameSiteUnspecifiedTreatedAsLax));
        jar.set_from_header(
            &url("https://a.test/"),
            "x=1; SameSite=Strict",
            &nav,
            CookieSource::Http,
            NOW,
        )
        .expect("top-level navigation may set strict cookies");
    }

    #[test]
    fn expiry_clamped_to_400_days() {
        let mut jar = CookieJar::default();
        let changes = set(&mut jar, "http://a.test/", "a=1; Max-Age=999999999").expect("ok");
        assert_eq!(changes[0].cookie.expires, Some(NOW + 400 * DAY));
        let changes = set(
            &mut jar,
            "http://a.test/",
            "b=1; Expires=Fri, 01 Jan 2100 00:00:00 GMT",
        )
        .expect("ok");
        assert_eq!(changes[0].cookie.expires, Some(NOW + 400 * DAY));
        // Max-Age wins over Expires
        let changes = set(
            &mut jar,
            "http://a.test/",
            "c=1; Max-Age=60; Expires=Fri, 01 Jan 2100 00:00:00 GMT",
        )
        .expect("ok");
        assert_eq!(changes[0].cookie.expires, Some(NOW + 60 * MICROS_PER_SEC));
    }

    #[test]
    fn overwrite_causes() {
        let mut jar = CookieJar::default();
        set(&mut jar, "http://a.test/", "a=1").expect("a");
        let c = set(&mut jar, "http://a.test/", "a=2").expect("a2");
        let causes: Vec<_> = c.iter().map(|c| c.cause).collect();
        assert_eq!(causes, [ChangeCause::Overwrite, ChangeCause::Inserted]);
        let c = set(&mut jar, "http://a.test/", "a=2").expect("same");
        assert_eq!(c[1].cause, ChangeCause::InsertedNoChangeOverwrite);
        let c = set(&mut jar, "http://a.test/", "a=2; Max-Age=60").expect("expiry");
        assert_eq!(c[1].cause, ChangeCause::InsertedNoValueChangeOverwrite);
        let c = set(&mut jar, "http://a.test/", "a=3; Max-Age=0").expect("expired");
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].cause, ChangeCause::ExpiredOverwrite);
        assert!(jar.is_empty());
    }

    #[test]
    fn domain_eviction_keeps_150_and_prefers_non_secure() {
        let mut jar = CookieJar::default();
        for i in 0..20 {
            let line = format!("s{i}=1; Secure");
            set(&mut jar, "https://a.example.com/", &line).expect("secure");
        }
        let mut evicted = Vec::new();
        for i in 0..161 {
            let line = format!("n{i}=1");
            let changes = set(&mut jar, "https://a.example.com/", &line).expect("plain");
            evicted.extend(
                changes
                    .into_iter()
                    .filter(|c| c.cause == ChangeCause::Evicted),
            );
        }
        assert_eq!(jar.len(), 150);
        assert_eq!(evicted.len(), 31);
        assert!(evicted.iter().all(|c| !c.cookie.secure));
        // the least recently accessed non-secure ones went
        assert_eq!(evicted[0].cookie.name, "n0");
        assert_eq!(
            jar.in_domain("example.com").filter(|c| c.secure).count(),
            20
        );
    }

    #[test]
    fn global_eviction_spares_recent_cookies() {
        let mut jar = CookieJar::new(Limits {
            total: 10,
            total_purge: 3,
            ..Limits::default()
        });
        let old = NOW - 40 * DAY;
        for i in 0..10 {
            jar.set_from_header(
                &url(&format!("http://d{i}.test/")),
                "a=1",
                &RequestContext::default(),
                CookieSource::Http,
                old,
            )
            .expect("old");
        }
        let changes = set(&mut jar, "http://new.test/", "a=1").expect("new");
        let evicted = changes
            .iter()
            .filter(|c| c.cause == ChangeCause::Evicted)
            .count();
        assert_eq!(evicted, 4);
        assert_eq!(jar.len(), 7);
        assert_eq!(jar.in_domain("new.test").count(), 1);
    }

    #[test]
    fn partitioned_cookies_are_keyed_by_top_level_site() {
        let mut jar = CookieJar::default();
        let top_a = RequestContext::from_page(&url("https://a.test/"));
        let top_b = RequestContext::from_page(&url("https://b.test/"));
        jar.set_from_header(
            &url("https://embed.test/"),
            "p=1; Secure; Partitioned; SameSite=None",
            &top_a,
            CookieSource::Http,
            NOW,
        )
        .expect("partitioned");
        assert_eq!(header(&mut jar, "https://embed.test/", &top_a), "p=1");
        assert_eq!(header(&mut jar, "https://embed.test/", &top_b), "");
        assert_eq!(
            set(&mut jar, "https://embed.test/", "q=1; Partitioned").err(),
            Some(Exclusion::InvalidPartitioned)
        );
    }

    #[test]
    fn ip_hosts() {
        let mut jar = CookieJar::default();
        let c = set(&mut jar, "http://127.0.0.1/", "a=1; Domain=127.0.0.1").expect("ok");
        assert!(c[0].cookie.host_only);
        assert!(set(&mut jar, "http://127.0.0.1/", "a=1; Domain=0.0.1").is_err());
    }
}
