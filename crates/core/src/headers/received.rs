//! The Received header grammar (RFC 5321 §4.4) as written by real MTAs, not as specified.
//!
//! `from <peer> (<comments>) by <host> (<comments>) via <link> with <protocol> id <id> for <rcpt>; <date>`,
//! where every MTA puts different things in the comments: Postfix `from HELO (RDNS [IP])`, Exim
//! `from RDNS ([IP] helo=HELO)`, qmail `from RDNS (HELO x) (IP)`, Exchange `from HELO (IP)`, plus IPv6 with
//! an `IPv6:` prefix, ports, nested comments, missing clauses and plain garbage. The line is tokenised once
//! (words, comments, bracketed literals) and each clause is read from its own tokens, so one odd part never
//! spoils the others. Work and output are bounded whatever the input.

use super::date::parse_date;
use crate::domain;
use crate::finding::cut_bytes as cut;
use std::net::IpAddr;

/// Longest part of a header value that is tokenised; Received lines are rarely over 1 KiB.
const MAX_PARSE_BYTES: usize = 8 << 10;
/// Most tokens read from one line.
const MAX_TOKENS: usize = 256;
/// Most words and comments kept per clause.
const MAX_CLAUSE_ITEMS: usize = 8;
/// Longest name kept (a DNS name is at most 253 chars).
const MAX_NAME: usize = 255;

/// One Received line, read.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Received {
    /// True when the line has a `from` clause (a peer handed the message over).
    pub has_from: bool,
    /// The peer's name as the receiving server saw it (reverse DNS), if recorded.
    pub from_name: Option<String>,
    /// The name the peer gave in HELO/EHLO, if recorded.
    pub helo: Option<String>,
    pub ip: Option<IpAddr>,
    pub by: Option<String>,
    /// The receiving server's own address, when it wrote one (Exchange: `by X (10.13.177.138)`).
    pub by_ip: Option<IpAddr>,
    pub with: Option<String>,
    pub id: Option<String>,
    pub for_: Option<String>,
    pub timestamp: Option<i64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Keyword {
    From,
    By,
    Via,
    With,
    Id,
    For,
}

fn keyword(word: &str) -> Option<Keyword> {
    if word.len() > 4 {
        return None;
    }
    let w = word.to_ascii_lowercase();
    Some(match w.as_str() {
        "from" => Keyword::From,
        "by" => Keyword::By,
        "via" => Keyword::Via,
        "with" => Keyword::With,
        "id" => Keyword::Id,
        "for" => Keyword::For,
        _ => return None,
    })
}

#[derive(Debug)]
enum Token<'a> {
    Word(&'a str),
    /// The text inside one top-level pair of parentheses (nested ones included as written).
    Comment(&'a str),
}

#[derive(Debug, Default)]
struct Clause<'a> {
    words: Vec<&'a str>,
    comments: Vec<&'a str>,
}

/// Read one raw (unfolded) Received value.
pub fn parse(raw: &str) -> Received {
    let value = cut(raw.trim(), MAX_PARSE_BYTES);
    let (body, timestamp) = split_date(value);
    let mut out = Received { timestamp, ..Default::default() };

    let mut clauses: [Option<Clause>; 6] = Default::default();
    let mut current: Option<usize> = None;
    for token in tokenize(body).into_iter() {
        match token {
            Token::Word(w) => {
                if let Some(k) = keyword(w) {
                    let slot = k as usize;
                    // The first clause of each kind wins; a repeated keyword ends the clause it interrupts.
                    if clauses[slot].is_none() {
                        clauses[slot] = Some(Clause::default());
                        current = Some(slot);
                    } else {
                        current = None;
                    }
                    continue;
                }
                if let Some(c) = current.and_then(|i| clauses[i].as_mut())
                    && c.words.len() < MAX_CLAUSE_ITEMS
                {
                    c.words.push(w);
                }
            }
            Token::Comment(text) => {
                if let Some(c) = current.and_then(|i| clauses[i].as_mut())
                    && c.comments.len() < MAX_CLAUSE_ITEMS
                {
                    c.comments.push(text);
                }
            }
        }
    }

    if let Some(from) = &clauses[Keyword::From as usize] {
        out.has_from = true;
        read_from(from, &mut out);
    }
    if let Some(by) = &clauses[Keyword::By as usize] {
        out.by = by.words.first().map(|w| name(w));
        out.by_ip = by.comments.iter().find_map(|c| ip_in_text(c).map(|(ip, _)| ip));
    }
    if let Some(with) = &clauses[Keyword::With as usize] {
        let joined = with.words.iter().take(4).copied().collect::<Vec<_>>().join(" ");
        out.with = non_empty(cut(&joined, MAX_NAME));
    }
    if let Some(id) = &clauses[Keyword::Id as usize] {
        out.id = id.words.first().and_then(|w| non_empty(cut(w.trim_end_matches([';', ',']), MAX_NAME)));
    }
    if let Some(f) = &clauses[Keyword::For as usize] {
        out.for_ = f
            .words
            .first()
            .and_then(|w| non_empty(cut(w.trim_end_matches([';', ',']).trim_matches(['<', '>']), MAX_NAME)));
    }
    out
}

/// Read the peer: its IP, the HELO name and the reverse-DNS name, from the MTA's layout.
fn read_from(clause: &Clause, out: &mut Received) {
    let first = clause.words.first().copied();
    // The address the receiver recorded: in a comment (most MTAs), as a bare [literal] word after the name
    // (fetchmail), or as the first word itself (Exim `from [ip] (helo=x)`).
    let mut ip_and_name: Option<(IpAddr, Option<&str>)> = clause.comments.iter().find_map(|c| ip_in_text(c));
    if ip_and_name.is_none() {
        ip_and_name = clause.words.iter().skip(1).find_map(|w| token_ip(w)).map(|ip| (ip, None));
    }
    let first_is_ip = first.and_then(token_ip);
    if ip_and_name.is_none() {
        ip_and_name = first_is_ip.map(|ip| (ip, None));
    }
    out.ip = ip_and_name.map(|(ip, _)| ip);

    let explicit_helo = clause.comments.iter().find_map(|c| helo_in_text(c));
    match explicit_helo {
        Some(helo) => {
            // Exim / qmail: the first word is the receiver's name for the peer, the HELO is marked.
            out.helo = non_empty(name(helo));
            out.from_name = first.filter(|w| first_is_ip.is_none() && !is_unknown(w)).map(name);
        }
        None => {
            // Postfix / sendmail / Exchange: the first word is the HELO, the comment may hold the reverse name.
            out.helo = first.and_then(|w| non_empty(name(w)));
            out.from_name = ip_and_name
                .and_then(|(_, n)| n)
                .map(|n| n.rsplit('@').next().unwrap_or(n))
                .filter(|n| !is_unknown(n))
                .and_then(|n| non_empty(name(n)));
        }
    }
}

fn is_unknown(w: &str) -> bool {
    w.eq_ignore_ascii_case("unknown")
}

fn non_empty(s: impl Into<String>) -> Option<String> {
    let s = s.into();
    (!s.is_empty()).then_some(s)
}

/// A name as recorded: quotes and trailing dots/punctuation removed, bounded. Case is kept for display.
fn name(w: &str) -> String {
    let w = w.trim_matches(|c: char| c == '"' || c == '\'' || c == ',' || c == ';' || c == ')' || c == '(');
    let w = w.trim_end_matches('.');
    cut(w, MAX_NAME).to_string()
}

/// Split off the date after the last `;` outside comments; fall back to the last `;` anywhere.
fn split_date(value: &str) -> (&str, Option<i64>) {
    let mut depth = 0usize;
    let mut last_top = None;
    for (i, c) in value.char_indices() {
        match c {
            '(' => depth = depth.saturating_add(1),
            ')' => depth = depth.saturating_sub(1),
            ';' if depth == 0 => last_top = Some(i),
            _ => {}
        }
    }
    for at in [last_top, value.rfind(';')].into_iter().flatten() {
        if let Some(ts) = value.get(at + 1..).and_then(parse_date) {
            return (&value[..at], Some(ts));
        }
    }
    match last_top {
        Some(at) => (&value[..at], None),
        None => (value, None),
    }
}

/// Words, top-level comments and bracketed literals, in order; bounded.
fn tokenize(s: &str) -> Vec<Token<'_>> {
    let mut out = Vec::new();
    let bytes = s.as_bytes();
    let mut i = 0;
    while i < bytes.len() && out.len() < MAX_TOKENS {
        let b = bytes[i];
        if b.is_ascii_whitespace() || b == b',' {
            i += 1;
        } else if b == b'(' {
            let start = i + 1;
            let mut depth = 1usize;
            let mut j = start;
            while j < bytes.len() {
                match bytes[j] {
                    b'(' => depth += 1,
                    b')' => {
                        depth -= 1;
                        if depth == 0 {
                            break;
                        }
                    }
                    _ => {}
                }
                j += 1;
            }
            // ASCII delimiters only, so both ends are char boundaries. An unclosed comment runs to the end.
            out.push(Token::Comment(&s[start..j.min(bytes.len())]));
            i = j + 1;
        } else if b == b')' {
            i += 1;
        } else {
            // A word; a [literal] or <address> runs to its closing bracket even across spaces.
            let start = i;
            let close = match b {
                b'[' => Some(b']'),
                b'<' => Some(b'>'),
                _ => None,
            };
            let mut j = i;
            if let Some(close) = close {
                while j < bytes.len() && bytes[j] != close {
                    j += 1;
                }
            }
            while j < bytes.len() && !bytes[j].is_ascii_whitespace() && bytes[j] != b'(' && bytes[j] != b')' {
                j += 1;
            }
            out.push(Token::Word(&s[start..j]));
            i = j;
        }
    }
    out
}

/// The first IP address in a comment, with the name written just before it (`rdns [ip]`, `user@rdns [ip]`).
fn ip_in_text(text: &str) -> Option<(IpAddr, Option<&str>)> {
    let mut previous: Option<&str> = None;
    for word in text.split(|c: char| c.is_whitespace() || c == '(' || c == ')').filter(|w| !w.is_empty()).take(32) {
        if let Some(ip) = token_ip(word) {
            let before = previous.filter(|p| token_ip(p).is_none() && !p.contains('='));
            return Some((ip, before));
        }
        previous = Some(word);
    }
    None
}

/// An IP written as `1.2.3.4`, `[1.2.3.4]`, `[1.2.3.4]:25`, `IPv6:2001:db8::1`, `[IPv6:...]`, `1.2.3.4:25`.
fn token_ip(word: &str) -> Option<IpAddr> {
    let w = word.trim_matches(|c: char| c == ',' || c == ';' || c == '"');
    // Every form above has a digit or a colon; most words of a Received header (by, with, esmtp, names) have
    // neither and are rejected here without a parse.
    if w.len() > 64 || !w.bytes().any(|b| b.is_ascii_digit() || b == b':') {
        return None;
    }
    let inner = match (w.find('['), w.find(']')) {
        (Some(a), Some(b)) if a < b => &w[a + 1..b],
        _ => w,
    };
    if let Some(ip) = domain::host_ip(inner) {
        return Some(ip);
    }
    // IPv4 with a port: 1.2.3.4:25
    let (host, port) = inner.rsplit_once(':')?;
    if host.contains('.') && !host.contains(':') && port.bytes().all(|b| b.is_ascii_digit()) {
        return host.parse().ok();
    }
    None
}

/// A HELO name marked in a comment: `helo=x` (Exim, Received-SPF), `HELO x` (qmail, Exchange), `"EHLO x"`.
fn helo_in_text(text: &str) -> Option<&str> {
    let mut words = text.split(|c: char| c.is_whitespace() || c == '"').filter(|w| !w.is_empty()).take(32);
    while let Some(w) = words.next() {
        if let Some((k, v)) = w.split_once('=')
            && k.eq_ignore_ascii_case("helo")
        {
            return Some(v).filter(|v| !v.is_empty());
        }
        if w.eq_ignore_ascii_case("helo") || w.eq_ignore_ascii_case("ehlo") {
            return words.next();
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> Option<IpAddr> {
        Some(s.parse().unwrap())
    }

    #[test]
    fn postfix_helo_rdns_ip() {
        let r = parse(
            "from mail.example.org (mx.example.org [203.0.113.9]) (using TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 \
             (256/256 bits)) by mx.example.net (Postfix) with ESMTPS id 4NB2kX0fQmz1 for <user@example.net>; \
             Tue, 15 Nov 2022 10:12:35 +0900 (JST)",
        );
        assert!(r.has_from);
        assert_eq!(r.helo.as_deref(), Some("mail.example.org"));
        assert_eq!(r.from_name.as_deref(), Some("mx.example.org"));
        assert_eq!(r.ip, ip("203.0.113.9"));
        assert_eq!(r.by.as_deref(), Some("mx.example.net"));
        assert_eq!(r.with.as_deref(), Some("ESMTPS"));
        assert_eq!(r.id.as_deref(), Some("4NB2kX0fQmz1"));
        assert_eq!(r.for_.as_deref(), Some("user@example.net"));
        assert_eq!(r.timestamp, Some(1_668_474_755));
    }

    #[test]
    fn kagoya_seed_first_hop() {
        let r = parse(
            "from localhost.localdomain ([121.50.46.57]) by mx1.example.net (Postfix) with ESMTP id 4NB2kW6pZ3z9 \
             for <user@example.net>; Tue, 15 Nov 2022 10:12:33 +0900 (JST)",
        );
        assert_eq!(r.helo.as_deref(), Some("localhost.localdomain"));
        assert_eq!(r.from_name, None);
        assert_eq!(r.ip, ip("121.50.46.57"));
    }

    #[test]
    fn amazon_seed_hop_with_bare_ip() {
        let r = parse("from cljqxt.top (106.75.178.120) by mx.example.jp (Postfix) with ESMTP id 4NSr5M2Hk7z4");
        assert_eq!(r.helo.as_deref(), Some("cljqxt.top"));
        assert_eq!(r.ip, ip("106.75.178.120"));
        assert_eq!(r.timestamp, None);
    }

    #[test]
    fn exim_ip_first_with_helo_comment() {
        let r = parse(
            "from [102.69.133.254] (port=52148 helo=btclanki122-everest.nord) by host4.example.co.th with esmtpa \
             (Exim 4.96) (envelope-from <a@example.or.th>) id 1qQrwJ-0003Wf-2Z; Tue, 01 Aug 2023 23:09:38 +0700",
        );
        assert_eq!(r.ip, ip("102.69.133.254"));
        assert_eq!(r.helo.as_deref(), Some("btclanki122-everest.nord"));
        assert_eq!(r.from_name, None);
        assert_eq!(r.with.as_deref(), Some("esmtpa"));
        assert_eq!(r.id.as_deref(), Some("1qQrwJ-0003Wf-2Z"));
        assert!(r.timestamp.is_some());

        let r = parse("from mail.example.com ([198.51.100.7]:47106 helo=smtp.example.com) by mx.example.net");
        assert_eq!(r.ip, ip("198.51.100.7"));
        assert_eq!(r.helo.as_deref(), Some("smtp.example.com"));
        assert_eq!(r.from_name.as_deref(), Some("mail.example.com"));
    }

    #[test]
    fn exchange_online_ipv6_hops() {
        let r = parse(
            "from BN8NAM11FT066.eop-nam11.prod.protection.outlook.com (2603:10b6:408:e6:cafe::23) by \
             BN0PR03CA0023.outlook.office365.com (2603:10b6:408:e6::28) with Microsoft SMTP Server \
             (version=TLS1_2, cipher=TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384) id 15.20.6792.28 via Frontend \
             Transport; Tue, 19 Sep 2023 18:36:45 +0000",
        );
        assert_eq!(r.helo.as_deref(), Some("BN8NAM11FT066.eop-nam11.prod.protection.outlook.com"));
        assert_eq!(r.ip, ip("2603:10b6:408:e6:cafe::23"));
        assert_eq!(r.by.as_deref(), Some("BN0PR03CA0023.outlook.office365.com"));
        assert_eq!(r.by_ip, ip("2603:10b6:408:e6::28"));
        assert_eq!(r.with.as_deref(), Some("Microsoft SMTP Server"));
        assert_eq!(r.id.as_deref(), Some("15.20.6792.28"));
        assert_eq!(r.timestamp, Some(1_695_148_605));
    }

    #[test]
    fn gmail_submission_hop() {
        let r = parse(
            "from c3.domain ([20.161.8.184]) by smtp.gmail.com with ESMTPSA id d11-20020a05620a140b00b00767291640e8sm1994518qkj.90.2023.07.29.11.08.26 \
             for <someone@example.org> (version=TLS1_2 cipher=ECDHE-ECDSA-AES128-GCM-SHA256 bits=128/128); \
             Sat, 29 Jul 2023 11:08:26 -0700 (PDT)",
        );
        assert_eq!(r.helo.as_deref(), Some("c3.domain"));
        assert_eq!(r.ip, ip("20.161.8.184"));
        assert_eq!(r.by.as_deref(), Some("smtp.gmail.com"));
        assert_eq!(r.for_.as_deref(), Some("someone@example.org"));
        let r = parse("from mail-sor-f41.google.com (mail-sor-f41.google.com. [209.85.220.41]) by mx.google.com");
        assert_eq!(r.from_name.as_deref(), Some("mail-sor-f41.google.com"));
    }

    #[test]
    fn qmail_layouts() {
        let r = parse("(qmail 1234 invoked from network); 1 Aug 2002 10:00:00 -0000");
        assert!(!r.has_from);
        assert_eq!(r.ip, None);
        assert!(r.timestamp.is_some());
        let r = parse(
            "from unknown (HELO smtp.example.biz) (192.0.2.44) by mail.example.com with SMTP; 1 Aug 02 10:00:00 -0000",
        );
        assert_eq!(r.helo.as_deref(), Some("smtp.example.biz"));
        assert_eq!(r.from_name, None);
        assert_eq!(r.ip, ip("192.0.2.44"));
        assert_eq!(r.by.as_deref(), Some("mail.example.com"));
    }

    #[test]
    fn ipv6_prefix_and_nested_comments() {
        let r = parse(
            "from mx.example.org (mx.example.org [IPv6:2001:db8::25]) (authenticated (nested (deep))) by a.example",
        );
        assert_eq!(r.ip, ip("2001:db8::25"));
        assert_eq!(r.by.as_deref(), Some("a.example"));
        let r = parse("from [IPv6:2001:db8::9] by a.example");
        assert_eq!(r.ip, ip("2001:db8::9"));
        assert_eq!(r.helo.as_deref(), Some("[IPv6:2001:db8::9]"));
    }

    #[test]
    fn sendmail_user_at_rdns_and_fetchmail() {
        let r = parse("from lugh (root@localhost [127.0.0.1]) by lugh.example.ie (8.9.3/8.9.3) with ESMTP id A");
        assert_eq!(r.from_name.as_deref(), Some("localhost"));
        assert_eq!(r.helo.as_deref(), Some("lugh"));
        assert_eq!(r.ip, ip("127.0.0.1"));
        let r = parse("from jalapeno [127.0.0.1] by localhost with IMAP (fetchmail-5.9.0) for jm@localhost");
        assert_eq!(r.ip, ip("127.0.0.1"));
        assert_eq!(r.by.as_deref(), Some("localhost"));
    }

    #[test]
    fn missing_parts_and_garbage() {
        let r = parse("by mail-qk1-f173.google.com with SMTP id af79cd13be357; Sat, 29 Jul 2023 11:08:27 -0700 (PDT)");
        assert!(!r.has_from);
        assert_eq!(r.by.as_deref(), Some("mail-qk1-f173.google.com"));
        assert!(r.timestamp.is_some());
        for g in ["", ";", "(((((", "from", "from (", "by ;;;", ")))from[[[", "from [1.2.3.4", "for <<<", "ü(é)[ñ]"]
        {
            let r = parse(g);
            assert_eq!(r.ip, if g == "from [1.2.3.4" { ip("1.2.3.4") } else { None }, "{g}");
        }
    }

    mod props {
        use super::super::*;
        use proptest::prelude::*;

        proptest! {
            #[test]
            fn never_panics_and_stays_bounded(s in ".{0,600}") {
                let r = parse(&s);
                for v in [&r.from_name, &r.helo, &r.by, &r.with, &r.id, &r.for_].into_iter().flatten() {
                    prop_assert!(v.len() <= MAX_NAME);
                }
            }

            #[test]
            fn received_like_noise_never_panics(
                parts in proptest::collection::vec(
                    prop_oneof![
                        Just("from".to_string()), Just("by".to_string()), Just("with".to_string()),
                        Just("id".to_string()), Just("for".to_string()), Just("(".to_string()),
                        Just(")".to_string()), Just("[".to_string()), Just("]".to_string()),
                        Just(";".to_string()), Just("helo=".to_string()), Just("IPv6:".to_string()),
                        "[0-9a-f:.]{1,20}", "[a-zA-Z0-9.-]{1,30}", "\\PC{1,5}",
                    ],
                    0..80,
                )
            ) {
                let s = parts.join(" ");
                let r = parse(&s);
                for v in [&r.from_name, &r.helo, &r.by, &r.with, &r.id, &r.for_].into_iter().flatten() {
                    prop_assert!(v.len() <= MAX_NAME);
                }
            }

            #[test]
            fn huge_input_is_cut(n in 10_000usize..40_000) {
                let s = "from (".repeat(n / 6) + &"x".repeat(n);
                let _ = parse(&s);
            }
        }
    }
}
