//! The rule index: each rule is filed under one token (a maximal run of `[a-z0-9%]`) that every
//! URL it can match contains whole, the rarest such token of its `urlFilter` (or of its
//! `requestDomains`). A request looks up only the buckets of its URL's own tokens, plus the
//! few rules that have no token (regex filters, `*`-only filters): never a scan of every rule.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use super::Prepared;
use super::rule::{CompiledRule, Filter, domains_allow};
use super::url_filter::is_token_byte;

/// A hasher for keys that are already hashes.
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
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

type Buckets = HashMap<u64, Vec<u32>, BuildHasherDefault<IdHasher>>;

/// FNV-1a over a token (lower-case bytes).
pub(crate) fn token_hash(token: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in token {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// Hashes of the distinct tokens of a lower-cased URL.
pub(crate) fn url_tokens(lower: &[u8]) -> Vec<u64> {
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

/// Tokens so common in URLs that a rule is filed under them only when it has nothing else.
const COMMON: &[&[u8]] = &[
    b"http", b"https", b"www", b"com", b"js", b"net", b"org", b"html",
];

/// Rules of one ruleset, indexed.
#[derive(Debug, Default)]
pub struct RuleIndex {
    rules: Vec<CompiledRule>,
    buckets: Buckets,
    fallback: Vec<u32>,
}

impl RuleIndex {
    /// Builds the index.
    pub fn build(rules: Vec<CompiledRule>) -> RuleIndex {
        // Candidate tokens per rule; a rule with request domains and no URL tokens is filed
        // under one token per domain.
        let candidates: Vec<Vec<Vec<Vec<u8>>>> = rules.iter().map(candidate_groups).collect();
        let mut freq: HashMap<u64, u32, BuildHasherDefault<IdHasher>> = HashMap::default();
        for groups in &candidates {
            for group in groups {
                for t in group {
                    *freq.entry(token_hash(t)).or_default() += 1;
                }
            }
        }
        let mut buckets: Buckets = HashMap::default();
        let mut fallback = Vec::new();
        for (i, groups) in candidates.iter().enumerate() {
            let idx = i as u32;
            if groups.is_empty() {
                fallback.push(idx);
                continue;
            }
            for group in groups {
                let best = group.iter().min_by_key(|t| {
                    let common = COMMON.contains(&t.as_slice());
                    (
                        common,
                        freq.get(&token_hash(t)).copied().unwrap_or(0),
                        std::cmp::Reverse(t.len()),
                    )
                });
                match best {
                    Some(t) => {
                        let v = buckets.entry(token_hash(t)).or_default();
                        if v.last() != Some(&idx) {
                            v.push(idx);
                        }
                    }
                    None => {
                        fallback.push(idx);
                        break;
                    }
                }
            }
        }
        for v in buckets.values_mut() {
            v.shrink_to_fit();
        }
        buckets.shrink_to_fit();
        RuleIndex {
            rules,
            buckets,
            fallback,
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
        let mut seen: Vec<u32> = Vec::new();
        for &i in &self.fallback {
            let r = &self.rules[i as usize];
            if rule_matches(r, req) {
                f(r);
            }
        }
        for t in &req.tokens {
            if let Some(v) = self.buckets.get(t) {
                for &i in v {
                    let r = &self.rules[i as usize];
                    if rule_matches(r, req) {
                        // A rule filed under several domain tokens may be met twice.
                        if r.request_domains.is_some() {
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

    /// Approximate heap bytes held by the index and its rules.
    pub fn heap_bytes(&self) -> usize {
        let rules = self.rules.capacity() * std::mem::size_of::<CompiledRule>();
        let buckets = self.buckets.capacity() * (8 + std::mem::size_of::<Vec<u32>>() + 1)
            + self
                .buckets
                .values()
                .map(|v| v.capacity() * 4)
                .sum::<usize>();
        let extra: usize = self.rules.iter().map(rule_heap_bytes).sum();
        rules + buckets + extra + self.fallback.capacity() * 4
    }
}

fn rule_heap_bytes(r: &CompiledRule) -> usize {
    let d = |x: &super::rule::Domains| {
        x.as_ref()
            .map_or(0, |l| l.iter().map(|s| s.len() + 16).sum())
    };
    let filter = match &r.filter {
        Filter::Url(u) => u.heap_bytes(),
        Filter::Regex(_) => 4096,
        Filter::Any => 0,
    };
    filter
        + d(&r.request_domains)
        + d(&r.excluded_request_domains)
        + d(&r.initiator_domains)
        + d(&r.excluded_initiator_domains)
}

/// Token groups: one group (any token of it will do) for the URL filter, or one group per
/// request domain; empty when the rule cannot be indexed.
fn candidate_groups(r: &CompiledRule) -> Vec<Vec<Vec<u8>>> {
    if let Filter::Url(f) = &r.filter {
        let tokens = f.complete_tokens();
        if !tokens.is_empty() {
            return vec![tokens];
        }
    }
    if let Some(domains) = &r.request_domains {
        let mut groups = Vec::new();
        for d in domains.iter() {
            let labels: Vec<Vec<u8>> = d
                .split('.')
                .filter(|l| !l.is_empty() && l.bytes().all(is_token_byte))
                .map(|l| l.as_bytes().to_vec())
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

/// Whether one rule's condition holds for the request.
pub(crate) fn rule_matches(r: &CompiledRule, req: &Prepared<'_>) -> bool {
    if r.resource_types & req.type_bit == 0 || r.methods & req.method_bit == 0 {
        return false;
    }
    if let Some(first) = r.first_party
        && first == req.third_party
    {
        return false;
    }
    let url_ok = match &r.filter {
        Filter::Any => true,
        Filter::Url(f) => f.matches(req.spec, &req.lower, req.host_range),
        Filter::Regex(re) => re.is_match(req.spec),
    };
    url_ok
        && (r.request_domains.is_none() && r.excluded_request_domains.is_none()
            || domains_allow(
                Some(req.host),
                &r.request_domains,
                &r.excluded_request_domains,
            ))
        && (r.initiator_domains.is_none() && r.excluded_initiator_domains.is_none()
            || domains_allow(
                req.initiator_host,
                &r.initiator_domains,
                &r.excluded_initiator_domains,
            ))
}
