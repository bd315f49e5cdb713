//! WHOIS (RFC 3912, TCP port 43) for the TLDs without RDAP (.cn, .jp and many more): the IANA referral
//! names the TLD's server; thin registries refer on to the registrar's server. Answers are read with a
//! size cap, decoded (UTF-8, or ISO-2022-JP / Shift_JIS from JPRS-style servers) and parsed as key-value
//! lines, including JPRS's bracketed Japanese layout and CNNIC's.

use crate::lookup::{Ctx, Fetched, Outcome};
use phishlens_core::intel::{DomainRegistration, Source};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Largest WHOIS answer read, in bytes.
pub const ANSWER_CAP: usize = 64 * 1024;
const IANA: &str = "whois.iana.org:43";
const TTL: u64 = 86_400;

async fn ask(server: &str, query: &str, budget: Duration) -> Fetched {
    let srv = Some(server.to_string());
    let addr = if server.contains(':') { server.to_string() } else { format!("{server}:43") };
    let mut stream = match tokio::time::timeout(budget, tokio::net::TcpStream::connect(&addr)).await {
        Ok(Ok(s)) => s,
        Ok(Err(e)) => return Fetched::failed(format!("could not connect: {e}"), srv),
        Err(_) => return Fetched::failed("timed out connecting", srv),
    };
    if stream.write_all(format!("{query}\r\n").as_bytes()).await.is_err() {
        return Fetched::failed("could not send the query", srv);
    }
    let mut buf = Vec::with_capacity(8192);
    let mut chunk = [0u8; 8192];
    loop {
        match stream.read(&mut chunk).await {
            Ok(0) => break,
            Ok(n) => {
                if buf.len() + n > ANSWER_CAP {
                    return Fetched::failed(format!("answer too large (over {ANSWER_CAP} bytes)"), srv);
                }
                buf.extend_from_slice(&chunk[..n]);
            }
            Err(e) => return Fetched::failed(format!("read: {e}"), srv),
        }
    }
    let text = decode(&buf);
    if text.trim().is_empty() {
        return Fetched::failed("empty answer", srv);
    }
    Fetched::new(Outcome::Data(serde_json::Value::String(text)), TTL, srv)
}

fn decode(b: &[u8]) -> String {
    if b.contains(&0x1b) {
        let (t, _, _) = encoding_rs::ISO_2022_JP.decode(b);
        return t.into_owned();
    }
    match std::str::from_utf8(b) {
        Ok(s) => s.to_string(),
        Err(_) => {
            let (t, _, bad) = encoding_rs::SHIFT_JIS.decode(b);
            if bad { String::from_utf8_lossy(b).into_owned() } else { t.into_owned() }
        }
    }
}

/// One WHOIS question. The key names the step (iana, registry, registrar) and the query, not the server,
/// so that an evidence file replays whatever servers were configured when it was made.
async fn query(ctx: &Ctx<'_>, step: &str, server: &str, q: &str) -> Option<(String, Source)> {
    let got = ctx.get("whois", &format!("{step} {q}"), true, |budget| ask(server, q, budget)).await;
    match got.outcome {
        Outcome::Data(serde_json::Value::String(s)) => Some((s, got.source)),
        _ => None,
    }
}

/// Registration data for `domain` by WHOIS. `override_server` (`--whois-server`) receives every query.
pub async fn domain(ctx: &Ctx<'_>, override_server: Option<&str>, domain: &str) -> Option<DomainRegistration> {
    // A replay answers the registry step from the evidence file, whichever server gave it.
    let override_server =
        if ctx.lookups.is_replay() { Some(override_server.unwrap_or("replay")) } else { override_server };
    let (server, (text, source)) = match override_server {
        Some(s) => (s.to_string(), query(ctx, "registry", s, domain).await?),
        None => {
            let tld = domain.rsplit('.').next().unwrap_or(domain);
            let (iana, _) = query(ctx, "iana", IANA, tld).await?;
            let Some(server) = referral(&iana) else {
                ctx.unknown(format!("whois {domain}"), format!("IANA names no WHOIS server for .{tld}"));
                return None;
            };
            let answer = query(ctx, "registry", &server, &jprs_query(&server, domain)).await?;
            (server, answer)
        }
    };
    let mut reg = DomainRegistration { source, ..parse(&text) };
    // Thin registries (.com, .net) only name the registrar's server; ask it once for the rest.
    if override_server.is_none()
        && let Some(next) = registrar_server(&text)
        && !next.eq_ignore_ascii_case(&server)
        && let Some((more, _)) = query(ctx, "registrar", &next, domain).await
    {
        let thick = parse(&more);
        if reg.registrar.is_none() {
            reg.registrar = thick.registrar;
        }
        if reg.created.is_none() {
            reg.created = thick.created;
            reg.created_at = thick.created_at;
        }
    }
    if reg.created.is_none() && reg.registrar.is_none() && reg.name_servers.is_empty() {
        let reason =
            if looks_not_found(&text) { "not registered (WHOIS: no match)" } else { "WHOIS answer not understood" };
        ctx.unknown(format!("whois {domain}"), reason);
        return None;
    }
    Some(reg)
}

/// JPRS answers in Japanese by default; "/e" asks for English. We parse both, so keep the default.
fn jprs_query(_server: &str, domain: &str) -> String {
    domain.to_string()
}

fn referral(iana: &str) -> Option<String> {
    kv_lines(iana).find_map(|(k, v)| (k == "refer" || k == "whois").then(|| v.to_string())).filter(|v| !v.is_empty())
}

fn registrar_server(text: &str) -> Option<String> {
    kv_lines(text)
        .find_map(|(k, v)| (k == "registrar whois server").then(|| v.trim_start_matches("whois://").to_string()))
        .filter(|v| !v.is_empty() && v.chars().all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-'))
}

fn looks_not_found(text: &str) -> bool {
    let l = text.to_ascii_lowercase();
    ["no match", "not found", "no data found", "no entries found", "no object found"].iter().any(|p| l.contains(p))
}

/// Key-value lines, keys lower-cased: "Key: value", JPRS "[Key]   value" and "a. [Key]  value".
fn kv_lines(text: &str) -> impl Iterator<Item = (String, &str)> {
    text.lines().take(2000).filter_map(|line| {
        let line = line.trim();
        if line.starts_with('%') || line.starts_with('#') || line.starts_with(">>>") {
            return None;
        }
        // JPRS: "a. [ドメイン名]  EXAMPLE.JP" or "[登録年月日]  2001/04/02".
        let jp = match line.find('[') {
            Some(i) if i <= 4 => Some(&line[i..]),
            _ => None,
        };
        if let Some(rest) = jp
            && let Some(end) = rest.find(']')
        {
            let key = rest[1..end].trim().to_lowercase();
            let value = rest[end + 1..].trim();
            return Some((key, value));
        }
        let (k, v) = line.split_once(':')?;
        let k = k.trim();
        if k.is_empty() || k.len() > 60 {
            return None;
        }
        Some((k.to_lowercase(), v.trim()))
    })
}

const CREATED: &[&str] = &[
    "creation date",
    "created",
    "created on",
    "registration time",
    "registered",
    "registered on",
    "domain registration date",
    "登録年月日",
    "created date",
    "domain record activated",
    "registration date",
];
const EXPIRES: &[&str] = &[
    "registry expiry date",
    "expiration time",
    "expiration date",
    "expires",
    "expires on",
    "paid-till",
    "有効期限",
    "registrar registration expiration date",
];
const REGISTRAR: &[&str] = &["registrar", "sponsoring registrar", "registrar name", "registrar organization"];
const NS: &[&str] = &["name server", "nserver", "nameserver", "name servers", "ネームサーバ", "nameservers"];
const STATUS: &[&str] = &["domain status", "status", "状態", "state"];

pub fn parse(text: &str) -> DomainRegistration {
    let mut r = DomainRegistration::default();
    for (k, v) in kv_lines(text) {
        if v.is_empty() {
            continue;
        }
        let v = phishlens_core::finding::bounded(v, 200);
        let k = k.as_str();
        if r.created.is_none() && CREATED.contains(&k) {
            r.created_at = crate::time::parse_date(&v);
            r.created = Some(r.created_at.map(crate::time::ymd).unwrap_or_else(|| v.clone()));
        } else if r.expires.is_none() && EXPIRES.contains(&k) {
            r.expires = Some(crate::time::parse_date(&v).map(crate::time::ymd).unwrap_or_else(|| v.clone()));
        } else if r.registrar.is_none() && REGISTRAR.contains(&k) {
            r.registrar = Some(v);
        } else if NS.contains(&k) {
            let ns = v.split_whitespace().next().unwrap_or("").trim_end_matches('.').to_ascii_lowercase();
            if !ns.is_empty() && !r.name_servers.contains(&ns) && r.name_servers.len() < 13 {
                r.name_servers.push(ns);
            }
        } else if STATUS.contains(&k) {
            let st = v.split_whitespace().next().unwrap_or("").to_string();
            if !st.is_empty() && !r.status.contains(&st) && r.status.len() < 16 {
                r.status.push(st);
            }
        } else if r.roid.is_none() && (k == "roid" || k == "registry domain id") {
            r.roid = Some(v);
        }
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cnnic_layout() {
        let t = "Domain Name: 4ztfqg8.cn\nROID: 20220227s10001s46823816-cn\nDomain Status: ok\n\
                 Sponsoring Registrar: 阿里云计算有限公司（万网）\nName Server: dns19.hichina.com\n\
                 Name Server: dns20.hichina.com\nRegistration Time: 2022-02-27 14:21:00\n\
                 Expiration Time: 2023-02-27 14:21:00\nDNSSEC: unsigned\n";
        let r = parse(t);
        assert_eq!(r.created.as_deref(), Some("2022-02-27"));
        assert_eq!(r.registrar.as_deref(), Some("阿里云计算有限公司（万网）"));
        assert_eq!(r.name_servers, vec!["dns19.hichina.com", "dns20.hichina.com"]);
        assert_eq!(r.roid.as_deref(), Some("20220227s10001s46823816-cn"));
        assert_eq!(r.status, vec!["ok"]);
    }

    #[test]
    fn jprs_japanese_layout() {
        let t = "[ JPRS データベース ]\n\nドメイン情報:\na. [ドメイン名]                 EXAMPLE.JP\n\
                 p. [ネームサーバ]               ns1.example.jp\np. [ネームサーバ]               ns2.example.jp\n\
                 [状態]                          Connected (2025/04/30)\n[登録年月日]                    2001/04/02\n";
        let r = parse(t);
        assert_eq!(r.created.as_deref(), Some("2001-04-02"));
        assert_eq!(r.name_servers, vec!["ns1.example.jp", "ns2.example.jp"]);
        assert_eq!(r.status, vec!["Connected"]);
    }

    #[test]
    fn referral_and_decoding() {
        assert_eq!(referral("% IANA WHOIS server\nrefer:        whois.cnnic.cn\n").as_deref(), Some("whois.cnnic.cn"));
        let (bytes, _, _) = encoding_rs::ISO_2022_JP.encode("[登録年月日]  2001/04/02");
        assert_eq!(parse(&decode(&bytes)).created.as_deref(), Some("2001-04-02"));
        assert!(looks_not_found("No matching record."));
    }
}
