//! The rule index: each rule is filed under one token (a maximal run of `[a-z0-9%]`) that every
//! URL it can match contains whole, the rarest such token of its `urlFilter` (or of its
//! `requestDomains`). A request looks up only the buckets of its URL's own tokens, plus the
//! few rules that have no token (regex filters, `*`-only filters): never a scan of every rule.
//! A filing also carries a 10-bit tag of the rule's rarest other token; a request skips a
//! filing whose tag none of its tokens has, without reading the rule. Block, allow,
//! allowAllRequests and upgradeScheme rules without domain conditions (nearly all of a filter
//! list) are kept as 20-byte records, their patterns in one shared array; other rules whole.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use super::Prepared;
use super::rule::{Action, CompiledRule, Filter, domains_allow};
use super::url_filter::{FilterRef, LeftAnchor, is_token_byte};

/// A hasher for keys that are already hashes: one multiplication spreads them over all 64 bits
/// (the table uses both the low and the high bits).
#[derive(Default)]
pub(crate) struct IdHasher(u64);

impl Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0 << 8) | u64::from(*b);
        }
        self.0 = self.0.wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }
    fn write_u32(&mut self, n: u32) {
        self.0 = u64::from(n).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }
}

/// Token hash → bucket number.
type TokenMap = HashMap<u32, u32, BuildHasherDefault<IdHasher>>;

/// FNV-1a over a token (lower-case bytes), folded to 32 bits. Two tokens with one hash share a
/// bucket: their rules are checked for both, which costs time, never a wrong answer.
pub(crate) fn token_hash(token: &[u8]) -> u32 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in token {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    (h ^ (h >> 32)) as u32
}

/// Hashes of the distinct tokens of a lower-cased URL.
pub(crate) fn url_tokens(lower: &[u8]) -> Vec<u32> {
    let mut out = Vec::with_capacity(16);
    let mut i = 0;
    while i < lower.len() {
        if !is_token_byte(lower[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < lower.len() && is_token_byte(lower[i]) {
            i += 1;
        }
        out.push(token_hash(&lower[start..i]));
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// Bits of a filing that hold the rule number; the ten above hold the tag of a second token
/// the rule needs (0: none), so most candidates that cannot match are passed over without
/// reading the rule. Rulesets are far smaller than this (Chromium's limits: 330,000 rules).
const INDEX_BITS: u32 = 22;

/// The 10-bit tag of a token hash (never 0).
fn tag(hash: u32) -> u32 {
    (hash >> INDEX_BITS).max(1)
}

/// The tags of a URL's tokens, as a 1024-bit set.
pub(crate) fn url_tags(tokens: &[u32]) -> [u64; 16] {
    let mut set = [0u64; 16];
    for &h in tokens {
        let t = tag(h);
        set[(t / 64) as usize] |= 1 << (t % 64);
    }
    set
}

/// Tokens so common in URLs that a rule is filed under them only when it has nothing else.
const COMMON: &[&[u8]] = &[
    b"http", b"https", b"www", b"com", b"js", b"net", b"org", b"html",
];

/// A token a rule could be filed under.
#[derive(Clone, Copy)]
struct Candidate {
    hash: u32,
    common: bool,
    len: usize,
}

impl Candidate {
    fn of(token: &[u8]) -> Candidate {
        Candidate {
            hash: token_hash(token),
            common: COMMON.contains(&token),
            len: token.len(),
        }
    }
}

/// Actions a compact rule can have; other rules are kept whole.
static SIMPLE_ACTIONS: [Action; 4] = [
    Action::Block,
    Action::Allow,
    Action::AllowAllRequests,
    Action::UpgradeScheme,
];

/// The URL condition of compact rules (they need none for their action).
static NO_FILTER: Filter = Filter::Any;

/// `Compact::kind` of a rule kept whole in `RuleIndex::full`.
const WHOLE: u8 = u8::MAX;

// `Compact::bits`.
const LEFT_BOUNDARY: u8 = 1;
const LEFT_SUBDOMAIN: u8 = 2;
const RIGHT_BOUNDARY: u8 = 4;
const MATCH_CASE: u8 = 8;
const HAS_STAR: u8 = 16;
const NO_URL_FILTER: u8 = 32;
const FIRST_PARTY: u8 = 64;
const THIRD_PARTY: u8 = 128;

/// A rule in 20 bytes: what the common rule (block, allow, allowAllRequests or upgradeScheme
/// with a url filter and no domain condition) needs, its pattern in the index's shared array.
#[derive(Clone, Copy, Debug)]
struct Compact {
    id: u32,
    priority: u32,
    /// Pattern offset in `RuleIndex::patterns`, or the rule's place in `RuleIndex::full`.
    start: u32,
    len: u16,
    resource_types: u16,
    methods: u16,
    /// Index into `SIMPLE_ACTIONS`, or `WHOLE`.
    kind: u8,
    bits: u8,
}

/// A matching rule as the evaluation reads it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Hit<'s> {
    pub(crate) id: u32,
    pub(crate) priority: u32,
    pub(crate) action: &'s Action,
    pub(crate) filter: &'s Filter,
}

/// Rules of one ruleset, indexed. Common rules are kept compact (their patterns in one shared
/// array), the others whole; each bucket's filings (rule number and tag) sit in one shared
/// array, so the index costs a table slot per distinct token and four bytes per rule filed.
///
/// ```
/// use session_extensions::dnr::index::RuleIndex;
/// use session_extensions::dnr::rule::{Rule, compile};
///
/// let rules: Vec<Rule> = serde_json::from_str(r#"[
///     {"id": 1, "action": {"type": "block"}, "condition": {"urlFilter": "||ads.test^"}},
///     {"id": 2, "action": {"type": "block"}, "condition": {"urlFilter": "*"}},
///     {"id": 3, "action": {"type": "block"}, "condition": {"regexFilter": "^https://[a-z]+\\.test/"}}
/// ]"#).unwrap();
/// let compiled = rules.iter().map(|r| compile(r, 64 * 1024).unwrap()).collect();
/// let index = RuleIndex::build(compiled);
/// assert_eq!((index.len(), index.is_empty(), index.regex_rules()), (3, false, 1));
/// assert!(index.unindexed() >= 1); // `*` has no token to index it by: checked for every request
/// ```
/// Matching through it: see [the DNR example](crate::dnr).
#[derive(Debug, Default)]
pub struct RuleIndex {
    rules: Box<[Compact]>,
    patterns: Box<[u8]>,
    full: Box<[CompiledRule]>,
    buckets: TokenMap,
    /// Bucket `b` holds `filed[starts[b]..starts[b + 1]]`.
    starts: Box<[u32]>,
    filed: Box<[u32]>,
    tagged: bool,
    fallback: Box<[u32]>,
}

/// The compact form of a rule, when it has one.
fn compact(r: &CompiledRule, patterns: &mut Vec<u8>) -> Option<Compact> {
    let kind = SIMPLE_ACTIONS.iter().position(|a| *a == r.action)? as u8;
    if r.domains.is_some() {
        return None;
    }
    let mut bits = match r.first_party {
        None => 0,
        Some(true) => FIRST_PARTY,
        Some(false) => THIRD_PARTY,
    };
    let (start, len) = match &r.filter {
        Filter::Regex(_) => return None,
        Filter::Any => {
            bits |= NO_URL_FILTER;
            (0, 0)
        }
        Filter::Url(f) => {
            let f = f.as_ref();
            let len = u16::try_from(f.pattern.len()).ok()?;
            let start = u32::try_from(patterns.len()).ok()?;
            patterns.extend_from_slice(f.pattern);
            bits |= match f.left {
                LeftAnchor::None => 0,
                LeftAnchor::Boundary => LEFT_BOUNDARY,
                LeftAnchor::Subdomain => LEFT_SUBDOMAIN,
            };
            for (on, bit) in [
                (f.right_boundary, RIGHT_BOUNDARY),
                (f.match_case, MATCH_CASE),
                (f.has_star, HAS_STAR),
            ] {
                if on {
                    bits |= bit;
                }
            }
            (start, len)
        }
    };
    Some(Compact {
        id: r.id,
        priority: r.priority,
        start,
        len,
        resource_types: r.resource_types,
        methods: r.methods,
        kind,
        bits,
    })
}

impl RuleIndex {
    /// Builds the index.
    ///
    /// Example: see [`RuleIndex`].
    pub fn build(rules: Vec<CompiledRule>) -> RuleIndex {
        // Candidate tokens per rule; a rule with request domains and no URL tokens is filed
        // under one token per domain.
        let candidates: Vec<Vec<Vec<Candidate>>> = rules.iter().map(candidate_groups).collect();
        let mut freq: HashMap<u32, u32, BuildHasherDefault<IdHasher>> = HashMap::default();
        for groups in &candidates {
            for group in groups {
                for t in group {
                    *freq.entry(t.hash).or_default() += 1;
                }
            }
        }
        let tagged = rules.len() < 1 << INDEX_BITS;
        // (token hash, filing), in rule order.
        let mut filings: Vec<(u32, u32)> = Vec::with_capacity(rules.len());
        let mut fallback = Vec::new();
        for (i, groups) in candidates.iter().enumerate() {
            let idx = i as u32;
            if groups.is_empty() {
                fallback.push(idx);
                continue;
            }
            for group in groups {
                let best = group.iter().min_by_key(|t| {
                    (
                        t.common,
                        freq.get(&t.hash).copied().unwrap_or(0),
                        std::cmp::Reverse(t.len),
                    )
                });
                // The rarest other token, checked by its tag before the rule is read.
                let second = group
                    .iter()
                    .filter(|t| best.is_some_and(|b| b.hash != t.hash))
                    .min_by_key(|t| (t.common, freq.get(&t.hash).copied().unwrap_or(0)));
                let filing = match second {
                    Some(s) if tagged && groups.len() == 1 => idx | tag(s.hash) << INDEX_BITS,
                    _ => idx,
                };
                match best {
                    Some(t) => filings.push((t.hash, filing)),
                    None => {
                        fallback.push(idx);
                        break;
                    }
                }
            }
        }
        drop(candidates);
        drop(freq);
        // Grouped by token, rule order kept within each bucket.
        filings.sort_unstable();
        filings.dedup();
        let mut buckets = TokenMap::default();
        let mut starts = Vec::new();
        let mut filed = Vec::with_capacity(filings.len());
        for (k, &(hash, idx)) in filings.iter().enumerate() {
            if k == 0 || filings[k - 1].0 != hash {
                buckets.insert(hash, starts.len() as u32);
                starts.push(filed.len() as u32);
            }
            filed.push(idx);
        }
        starts.push(filed.len() as u32);
        buckets.shrink_to_fit();
        drop(filings);
        let mut patterns = Vec::new();
        let mut full = Vec::new();
        let compacts: Vec<Compact> = rules
            .into_iter()
            .map(|r| {
                compact(&r, &mut patterns).unwrap_or_else(|| {
                    let c = Compact {
                        id: r.id,
                        priority: r.priority,
                        start: full.len() as u32,
                        len: 0,
                        resource_types: r.resource_types,
                        methods: r.methods,
                        kind: WHOLE,
                        bits: 0,
                    };
                    full.push(r);
                    c
                })
            })
            .collect();
        RuleIndex {
            rules: compacts.into_boxed_slice(),
            patterns: patterns.into_boxed_slice(),
            full: full.into_boxed_slice(),
            buckets,
            starts: starts.into_boxed_slice(),
            filed: filed.into_boxed_slice(),
            tagged,
            fallback: fallback.into_boxed_slice(),
        }
    }

    /// How many rules the index holds.
    ///
    /// Example: see [`RuleIndex`].
    pub fn len(&self) -> usize {
        self.rules.len()
    }

    /// Whether the index holds no rule.
    ///
    /// Example: see [`RuleIndex`].
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// How many rules have a `regexFilter`.
    ///
    /// Example: see [`RuleIndex`].
    pub fn regex_rules(&self) -> usize {
        self.full
            .iter()
            .filter(|r| matches!(r.filter, Filter::Regex(_)))
            .count()
    }

    /// How many rules had to go to the unindexed list.
    ///
    /// Example: see [`RuleIndex`].
    pub fn unindexed(&self) -> usize {
        self.fallback.len()
    }

    /// Rule `i` if it matches the request.
    fn check(&self, i: u32, req: &Prepared<'_>) -> Option<Hit<'_>> {
        let c = &self.rules[i as usize];
        if c.resource_types & req.type_bit == 0 || c.methods & req.method_bit == 0 {
            return None;
        }
        if c.kind == WHOLE {
            let r = &self.full[c.start as usize];
            return rule_matches(r, req).then_some(Hit {
                id: r.id,
                priority: r.priority,
                action: &r.action,
                filter: &r.filter,
            });
        }
        if c.bits & NO_URL_FILTER == 0 {
            let start = c.start as usize;
            let filter = FilterRef {
                pattern: &self.patterns[start..start + usize::from(c.len)],
                left: if c.bits & LEFT_SUBDOMAIN != 0 {
                    LeftAnchor::Subdomain
                } else if c.bits & LEFT_BOUNDARY != 0 {
                    LeftAnchor::Boundary
                } else {
                    LeftAnchor::None
                },
                right_boundary: c.bits & RIGHT_BOUNDARY != 0,
                match_case: c.bits & MATCH_CASE != 0,
                has_star: c.bits & HAS_STAR != 0,
            };
            if !filter.matches(req.spec, &req.lower, req.host_range) {
                return None;
            }
        }
        if c.bits & (FIRST_PARTY | THIRD_PARTY) != 0
            && (c.bits & FIRST_PARTY != 0) == req.third_party()
        {
            return None;
        }
        Some(Hit {
            id: c.id,
            priority: c.priority,
            action: &SIMPLE_ACTIONS[usize::from(c.kind)],
            filter: &NO_FILTER,
        })
    }

    /// Calls `f` with every rule matching the request (each once).
    pub(crate) fn for_each_match<'s>(&'s self, req: &Prepared<'_>, mut f: impl FnMut(Hit<'s>)) {
        if self.rules.is_empty() {
            return;
        }
        let mut seen: Vec<u32> = Vec::new();
        for &i in &self.fallback {
            if let Some(hit) = self.check(i, req) {
                f(hit);
            }
        }
        for t in &req.tokens {
            let Some(&b) = self.buckets.get(t) else {
                continue;
            };
            let (from, to) = (
                self.starts[b as usize] as usize,
                self.starts[b as usize + 1] as usize,
            );
            for &filing in &self.filed[from..to] {
                let i = if self.tagged {
                    let t = filing >> INDEX_BITS;
                    if t != 0 && req.tags[(t / 64) as usize] & (1 << (t % 64)) == 0 {
                        continue;
                    }
                    filing & ((1 << INDEX_BITS) - 1)
                } else {
                    filing
                };
                let Some(hit) = self.check(i, req) else {
                    continue;
                };
                // A rule filed under several domain tokens may be met twice.
                let c = &self.rules[i as usize];
                if c.kind == WHOLE
                    && self.full[c.start as usize]
                        .domains
                        .as_ref()
                        .is_some_and(|d| d.request.is_some())
                {
                    if seen.contains(&i) {
                        continue;
                    }
                    seen.push(i);
                }
                f(hit);
            }
        }
    }
}

/// Token groups: one group (any token of it will do) for the URL filter, or one group per
/// request domain; empty when the rule cannot be indexed.
fn candidate_groups(r: &CompiledRule) -> Vec<Vec<Candidate>> {
    if let Filter::Url(f) = &r.filter {
        let tokens = f.complete_tokens();
        if !tokens.is_empty() {
            return vec![tokens.iter().map(|t| Candidate::of(t)).collect()];
        }
    }
    if let Some(domains) = r.domains.as_ref().and_then(|d| d.request.as_ref()) {
        let mut groups = Vec::new();
        for d in domains.iter() {
            let labels: Vec<Candidate> = d
                .split('.')
                .filter(|l| !l.is_empty() && l.bytes().all(is_token_byte))
                .map(|l| Candidate::of(l.as_bytes()))
                .collect();
            if labels.is_empty() {
                return Vec::new();
            }
            groups.push(labels);
        }
        return groups;
    }
    Vec::new()
}

/// Whether one rule kept whole matches the request (its resource type and method already
/// checked): the URL, then the party and the domains.
fn rule_matches(r: &CompiledRule, req: &Prepared<'_>) -> bool {
    let url_ok = match &r.filter {
        Filter::Any => true,
        Filter::Url(f) => f.matches(req.spec, &req.lower, req.host_range),
        Filter::Regex(re) => re.is_match(req.spec),
    };
    if !url_ok {
        return false;
    }
    if let Some(first) = r.first_party
        && first == req.third_party()
    {
        return false;
    }
    let Some(d) = &r.domains else {
        return true;
    };
    (d.request.is_none() && d.excluded_request.is_none()
        || domains_allow(Some(req.host), &d.request, &d.excluded_request))
        && (d.initiator.is_none() && d.excluded_initiator.is_none()
            || domains_allow(req.initiator_host, &d.initiator, &d.excluded_initiator))
}
