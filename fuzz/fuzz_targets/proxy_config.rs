//! Proxy rules, bypass rules, proxy URIs, PAC results and host resolver rules.
#![no_main]

use libfuzzer_sys::fuzz_target;
use session_net::proxy::{BypassRules, ProxyRules};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let url = url::Url::parse("http://www.example.com:8080/path").expect("url");
    let rules = ProxyRules::parse(text);
    let _ = rules.list_for(&url);
    let bypass = BypassRules::parse(text);
    let _ = bypass.matches(&url, false);
    let _ = session_net::proxy::parse_pac_result(text);
    let _ = session_net::proxy::parse_pac_element(text);
    let _ = session_net::proxy::ProxyMode::parse(text);
    if let Ok(host_rules) = text.parse::<session_base::host_rules::HostRules>() {
        let _ = host_rules.map("www.example.com", 443);
    }
});
