//! Sender authentication evaluated now (mail-auth): SPF of the origin IP for the Return-Path domain, the
//! From domain and the HELO name; DKIM per signature; DMARC with alignment and policy; ARC. The whole
//! outcome is kept as one evidence answer so a replay reproduces it without DNS.

use crate::lookup::{Ctx, Fetched, Outcome};
use mail_auth::dmarc::Policy;
use mail_auth::dmarc::verify::DmarcParameters;
use mail_auth::spf::verify::SpfParameters;
use mail_auth::{AuthenticatedMessage, DkimResult, DmarcResult, MessageAuthenticator, SpfResult};
use phishlens_core::intel::{AuthNow, DkimCheck, DmarcCheck, SpfCheck};
use phishlens_core::model::Facts;
use std::net::IpAddr;

/// The name we present as the checking host in SPF macros (%{r}).
const HOST: &str = "phishlens.invalid";
const MAX_DKIM: usize = 8;

fn spf_str(r: SpfResult) -> &'static str {
    match r {
        SpfResult::Pass => "pass",
        SpfResult::Fail => "fail",
        SpfResult::SoftFail => "softfail",
        SpfResult::Neutral => "neutral",
        SpfResult::TempError => "temperror",
        SpfResult::PermError => "permerror",
        SpfResult::None => "none",
    }
}

fn dkim_str(r: &DkimResult) -> (&'static str, Option<String>) {
    match r {
        DkimResult::Pass => ("pass", None),
        DkimResult::Neutral(e) => ("neutral", Some(e.to_string())),
        DkimResult::Fail(e) => ("fail", Some(e.to_string())),
        DkimResult::PermError(e) => ("permerror", Some(e.to_string())),
        DkimResult::TempError(e) => ("temperror", Some(e.to_string())),
        DkimResult::None => ("none", None),
    }
}

fn dmarc_str(r: &DmarcResult) -> &'static str {
    match r {
        DmarcResult::Pass => "pass",
        DmarcResult::Fail(_) => "fail",
        DmarcResult::TempError(_) => "temperror",
        DmarcResult::PermError(_) => "permerror",
        DmarcResult::None => "none",
    }
}

fn policy_str(p: Policy) -> &'static str {
    match p {
        Policy::None => "none",
        Policy::Quarantine => "quarantine",
        Policy::Reject => "reject",
        Policy::Unspecified => "unspecified",
    }
}

/// A HELO worth an SPF check: a dotted name, not an address literal or "localhost.localdomain".
fn helo_name(h: &str) -> Option<String> {
    let h = h.trim().trim_end_matches('.').to_ascii_lowercase();
    let ok = h.contains('.')
        && !h.starts_with('[')
        && h.parse::<IpAddr>().is_err()
        && !h.ends_with(".localdomain")
        && !h.ends_with(".local")
        && h.chars().all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-');
    ok.then_some(h)
}

fn domain_of(addr: &str) -> Option<String> {
    addr.rsplit_once('@').map(|(_, d)| d.trim().trim_end_matches('.').to_ascii_lowercase()).filter(|d| d.contains('.'))
}

/// A key for the evidence answer: the same message and origin give the same key.
fn key(raw: &[u8], ip: &IpAddr) -> String {
    // FNV-1a over the header block (the body does not change which DNS records are asked for).
    let end = raw.windows(4).position(|w| w == b"\r\n\r\n").or_else(|| raw.windows(2).position(|w| w == b"\n\n"));
    let head = &raw[..end.unwrap_or(raw.len()).min(raw.len())];
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in head.iter().chain(raw.len().to_le_bytes().iter()) {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{ip} {h:016x}")
}

/// Evaluate the origin's authentication now. `resolver_label` names the DNS used, for the report. When
/// the evaluation cannot finish (timeout, deadline, no resolver), every check the message calls for is
/// still listed, as "unknown" with the reason: a lookup that fails is never shown as "none" or as a pass.
pub async fn evaluate(
    ctx: &Ctx<'_>,
    auth: Option<&MessageAuthenticator>,
    facts: &Facts,
    raw: &[u8],
    resolver_label: Option<String>,
) -> Option<AuthNow> {
    let origin = facts.origin.as_ref()?;
    let ip = origin.ip?;
    if phishlens_core::domain::is_non_public(&ip) {
        return None;
    }
    // The checks run one after the other (SPF, includes, then DMARC): they get the rest of the deadline,
    // each DNS question inside being cut by the resolver's own per-lookup timeout.
    let got = ctx
        .get_within("auth", &key(raw, &ip), false, ctx.remaining(), |_| async {
            let Some(auth) = auth else { return Fetched::failed("no resolver (replay mode)", None) };
            let a = run(auth, facts, raw, ip, origin.helo.as_deref()).await;
            match serde_json::to_value(&a) {
                Ok(v) => Fetched::new(Outcome::Data(v), 0, resolver_label.clone()),
                Err(e) => Fetched::failed(e.to_string(), None),
            }
        })
        .await;
    let parsed = got.data().and_then(|v| serde_json::from_value::<AuthNow>(v.clone()).ok());
    let mut a = match (parsed, &got.outcome) {
        (Some(a), _) => a,
        (None, Outcome::Failed(why)) => unknown_checks(facts, ip, origin.helo.as_deref(), why),
        (None, _) => unknown_checks(facts, ip, origin.helo.as_deref(), "unreadable evaluation"),
    };
    a.source = got.source;
    Some(a)
}

/// The checks the message calls for, all "unknown" with `why`.
pub fn unknown_checks(facts: &Facts, ip: IpAddr, helo: Option<&str>, why: &str) -> AuthNow {
    let helo = helo.and_then(helo_name);
    let reason = Some(format!("could not be evaluated: {why}"));
    let mail_from = facts.return_path.as_deref().and_then(domain_of);
    let from = facts.from.as_ref().and_then(|m| m.address.as_deref()).and_then(domain_of);
    let mut spf = Vec::new();
    for (identity, domain) in [("mail_from", mail_from), ("from", from.clone()), ("helo", helo.clone())] {
        if let Some(domain) = domain {
            spf.push(SpfCheck {
                identity: identity.into(),
                domain,
                result: "unknown".into(),
                record: None,
                reason: reason.clone(),
            });
        }
    }
    let dmarc = from.map(|domain| DmarcCheck {
        domain,
        policy: "unknown".into(),
        result: "unknown".into(),
        reason: reason.clone(),
        ..Default::default()
    });
    AuthNow { ip: Some(ip), helo, spf, dkim: Vec::new(), dmarc, arc: None, source: Default::default() }
}

/// The resolver does not give real answers (it said NXDOMAIN even for a top-level domain): every result
/// that rests on "there is no record" is unknown, not "none".
pub fn distrust_negative_answers(a: &mut AuthNow, why: &str) {
    let reason = Some(format!("could not be evaluated: {why}"));
    for c in &mut a.spf {
        if matches!(c.result.as_str(), "none" | "temperror" | "permerror") {
            c.result = "unknown".into();
            c.reason = reason.clone();
        }
    }
    for d in &mut a.dkim {
        if d.result != "pass" && d.result != "fail" {
            d.result = "unknown".into();
            d.reason = reason.clone();
        }
    }
    if let Some(d) = &mut a.dmarc
        && matches!(d.result.as_str(), "none" | "temperror" | "permerror")
    {
        d.result = "unknown".into();
        d.policy = "unknown".into();
        d.reason = reason;
    }
}

const TEMPERROR_WHY: &str = "a DNS lookup failed or timed out (temperror)";

fn spf_reason(r: SpfResult) -> Option<String> {
    match r {
        SpfResult::TempError => Some(TEMPERROR_WHY.into()),
        SpfResult::PermError => Some("the SPF record is invalid or needs too many lookups (permerror)".into()),
        _ => None,
    }
}

async fn run(auth: &MessageAuthenticator, facts: &Facts, raw: &[u8], ip: IpAddr, helo: Option<&str>) -> AuthNow {
    let helo = helo.and_then(helo_name);
    let helo_for_spf = helo.clone().unwrap_or_else(|| "unknown.invalid".into());
    let mail_from = facts.return_path.clone().filter(|r| r.contains('@'));
    let from_addr = facts.from.as_ref().and_then(|m| m.address.clone()).filter(|a| a.contains('@'));

    // The three SPF checks are independent: run them together.
    let spf_mail_from = async {
        match &mail_from {
            Some(mf) => Some(auth.verify_spf(SpfParameters::verify_mail_from(ip, &helo_for_spf, HOST, mf)).await),
            None => None,
        }
    };
    let spf_from = async {
        match &from_addr {
            Some(f) if domain_of(f) != mail_from.as_deref().and_then(domain_of) => {
                Some(auth.verify_spf(SpfParameters::verify_mail_from(ip, &helo_for_spf, HOST, f)).await)
            }
            _ => None,
        }
    };
    let spf_helo = async {
        match &helo {
            Some(h) => Some(auth.verify_spf(SpfParameters::verify_ehlo(ip, h, HOST)).await),
            None => None,
        }
    };
    let msg = AuthenticatedMessage::parse(raw);
    let dkim_fut = async {
        match &msg {
            Some(m) => auth.verify_dkim(m).await,
            None => Vec::new(),
        }
    };
    let arc_fut = async {
        match &msg {
            Some(m) if !m.as_headers.is_empty() => Some(dkim_str(auth.verify_arc(m).await.result()).0.to_string()),
            Some(_) => Some("none".to_string()),
            None => None,
        }
    };
    let (mf, fr, he, dkim, arc) = tokio::join!(spf_mail_from, spf_from, spf_helo, dkim_fut, arc_fut);

    let mut spf = Vec::new();
    if let (Some(o), Some(mfa)) = (&mf, &mail_from) {
        spf.push(SpfCheck {
            identity: "mail_from".into(),
            domain: domain_of(mfa).unwrap_or_default(),
            result: spf_str(o.result()).into(),
            record: None,
            reason: spf_reason(o.result()),
        });
    }
    match (&fr, &from_addr) {
        (Some(o), Some(f)) => spf.push(SpfCheck {
            identity: "from".into(),
            domain: domain_of(f).unwrap_or_default(),
            result: spf_str(o.result()).into(),
            record: None,
            reason: spf_reason(o.result()),
        }),
        // Same domain as the Return-Path: the same evaluation answers for the From identity.
        (None, Some(f)) if mf.is_some() => spf.push(SpfCheck {
            identity: "from".into(),
            domain: domain_of(f).unwrap_or_default(),
            result: mf.as_ref().map(|o| spf_str(o.result())).unwrap_or("none").into(),
            record: None,
            reason: mf.as_ref().and_then(|o| spf_reason(o.result())),
        }),
        _ => {}
    }
    if let (Some(o), Some(h)) = (&he, &helo) {
        spf.push(SpfCheck {
            identity: "helo".into(),
            domain: h.clone(),
            result: spf_str(o.result()).into(),
            record: None,
            reason: spf_reason(o.result()),
        });
    }
    let dkim_checks: Vec<DkimCheck> = dkim
        .iter()
        .take(MAX_DKIM)
        .map(|o| {
            let (result, reason) = dkim_str(o.result());
            DkimCheck {
                domain: o.signature().map(|s| s.d.clone()).unwrap_or_default(),
                selector: o.signature().map(|s| s.s.clone()).unwrap_or_default(),
                result: result.into(),
                reason,
            }
        })
        .collect();

    let mut dmarc = None;
    if let (Some(m), Some(f)) = (&msg, from_addr.as_deref().and_then(domain_of)) {
        // DMARC's SPF input is the MAIL FROM check; without a Return-Path, the HELO check (RFC 7489 4.1).
        let spf_for_dmarc = mf.clone().or_else(|| he.clone());
        let mf_domain = mail_from.as_deref().and_then(domain_of).or_else(|| helo.clone()).unwrap_or_default();
        if let Some(spf_out) = &spf_for_dmarc {
            let out = auth.verify_dmarc(DmarcParameters::new(m, &dkim, &mf_domain, spf_out)).await;
            let record = out.dmarc_record().is_some();
            let result = out.result();
            let reason = match &result {
                DmarcResult::TempError(e) => Some(format!("{TEMPERROR_WHY}: {e}")),
                DmarcResult::PermError(e) => Some(format!("permerror: {e}")),
                _ => None,
            };
            dmarc = Some(DmarcCheck {
                domain: f,
                record: None,
                policy: if record { policy_str(out.policy()).into() } else { "unspecified".into() },
                result: dmarc_str(&result).into(),
                reason,
                spf_aligned: *out.spf_result() == DmarcResult::Pass,
                dkim_aligned: *out.dkim_result() == DmarcResult::Pass,
            });
        }
    }
    AuthNow { ip: Some(ip), helo, spf, dkim: dkim_checks, dmarc, arc, source: Default::default() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_is_never_none() {
        let mut a = AuthNow {
            spf: vec![SpfCheck {
                identity: "from".into(),
                domain: "kagoya.jp".into(),
                result: "none".into(),
                ..Default::default()
            }],
            dmarc: Some(DmarcCheck { domain: "kagoya.jp".into(), result: "none".into(), ..Default::default() }),
            ..Default::default()
        };
        distrust_negative_answers(&mut a, "no working DNS");
        assert_eq!(a.spf[0].result, "unknown");
        assert!(a.spf[0].reason.as_deref().unwrap().contains("no working DNS"));
        assert_eq!(a.dmarc.as_ref().unwrap().result, "unknown");
    }

    #[test]
    fn helo_names_worth_checking() {
        assert_eq!(helo_name("cljqxt.top").as_deref(), Some("cljqxt.top"));
        assert!(helo_name("localhost.localdomain").is_none());
        assert!(helo_name("[121.50.46.57]").is_none());
        assert!(helo_name("localhost").is_none());
    }
}
