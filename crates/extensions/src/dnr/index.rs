//! The rule index: each rule is filed under one token (a maximal run of `[a-z0-9%]`) that every
//! URL it can match contains whole, the rarest such token of its `urlFilter` (or of its
//! `requestDomains`). A request looks up only the buckets of its URL's own tokens, plus the
//! few rules that have no token (regex filters, `*`-only filters): never a scan of every rule.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use super::Prepared;
use super::rule::{CompiledRule, Filter, domains_allow};
use super::url_filter::is_token_byte;

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

/// Rules of one ruleset, indexed. Each bucket's filings (rule number and tag) sit in one shared
/// array, so the index costs a table slot per distinct token and four bytes per rule filed.
#[derive(Debug, Default)]
pub struct RuleIndex {
    rules: Box<[CompiledRule]>,
    buckets: TokenMap,
    /// Bucket `b` holds `filed[starts[b]..starts[b + 1]]`.
    starts: Box<[u32]>,
    filed: Box<[u32]>,
    tagged: bool,
    fallback: Box<[u32]>,
}

impl RuleIndex {
    /// Builds the index.
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
        RuleIndex {
            rules: rules.into_boxed_slice(),
            buckets,
            starts: starts.into_boxed_slice(),
            filed: filed.into_boxed_slice(),
            tagged,
            fallback: fallback.into_boxed_slice(),
        }
    }

    /// The rules, in the order given.
    pub fn rules(&self) -> &[CompiledRule] {
        &self.rules
    }

    /// How many rules had to go to the unindexed list.
    pub fn unindexed(&self) -> usize {
        self.fallback.len()
    }

    /// Calls `f` with every rule matching the request (each once).
    pub(crate) fn for_each_match<'s>(
        &'s self,
        req: &Prepared<'_>,
        mut f: impl FnMut(&'s CompiledRule),
    ) {
        if self.rules.is_empty() {
            return;
        }
        let mut seen: Vec<u32> = Vec::new();
        for &i in &self.fallback {
            let r = &self.rules[i as usize];
            if rule_matches(r, req) {
                f(r);
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
                let r = &self.rules[i as usize];
                if rule_matches(r, req) {
                    // A rule filed under several domain tokens may be met twice.
                    if r.domains.as_ref().is_some_and(|d| d.request.is_some()) {
                        if seen.contains(&i) {
                            continue;
                        }
                        seen.push(i);
                    }
                    f(r);
                }
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

/// Whether one rule's condition holds for the request: the cheap bit tests first, then the URL,
/// then the party and the domains.
pub(crate) fn rule_matches(r: &CompiledRule, req: &Prepared<'_>) -> bool {
    if r.resource_types & req.type_bit == 0 || r.methods & req.method_bit == 0 {
        return false;
    }
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
