//! Test servers on 127.0.0.1 (port 0): a real authoritative DNS server (hickory-server) serving zones
//! written from the seed posts' facts, a small HTTP server for RDAP (bootstrap files included), a WHOIS
//! TCP server, and misbehaving servers (silent, SERVFAIL).
#![allow(dead_code)]

use hickory_server::Server;
use hickory_server::net::runtime::Time;
use hickory_server::proto::rr::{LowerName, Name};
use hickory_server::proto::serialize::txt::Parser;
use hickory_server::server::{Request, RequestHandler, ResponseHandler, ResponseInfo};
use hickory_server::store::in_memory::InMemoryZoneHandler;
use hickory_server::zone_handler::{AxfrPolicy, Catalog, ZoneType};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, UdpSocket};

pub fn fixture(name: &str) -> Vec<u8> {
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures").join(name);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// The seed zones. KAGOYA's SPF range and DMARC policy are test data (any range without 121.50.46.57).
pub const ZONES: &[(&str, &str)] = &[
    // The TLDs, so that names outside the seed zones get NXDOMAIN (as on the Internet), not REFUSED.
    ("jp.", "@ 3600 IN SOA a.dns.jp. root.dns.jp. 1 7200 3600 1209600 300\n@ 3600 IN NS a.dns.jp.\n"),
    ("top.", "@ 3600 IN SOA a.zdnscloud.com. dns.zdns.cn. 1 7200 3600 1209600 300\n@ 3600 IN NS a.zdnscloud.com.\n"),
    ("cn.", "@ 3600 IN SOA a.dns.cn. root.cnnic.cn. 1 7200 3600 1209600 300\n@ 3600 IN NS a.dns.cn.\n"),
    (
        "com.",
        "@ 3600 IN SOA a.gtld-servers.net. nstld.verisign-grs.com. 1 7200 3600 1209600 300\n@ 3600 IN NS a.gtld-servers.net.\n",
    ),
    (
        "kagoya.jp.",
        "@ 3600 IN SOA ns1.kagoya.jp. hostmaster.kagoya.jp. 1 7200 3600 1209600 300
@ 3600 IN NS ns1.kagoya.jp.
@ 3600 IN A 133.18.10.10
@ 3600 IN MX 10 mx.kagoya.jp.
@ 3600 IN TXT \"v=spf1 ip4:133.18.0.0/16 -all\"
_dmarc 3600 IN TXT \"v=DMARC1; p=quarantine\"
www 3600 IN A 133.18.10.10
mx 3600 IN A 133.18.10.20
ns1 3600 IN A 133.18.10.30
",
    ),
    (
        "cljqxt.top.",
        "@ 3600 IN SOA ns1.cljqxt.top. admin.cljqxt.top. 1 7200 3600 1209600 300
@ 3600 IN NS ns1.cljqxt.top.
@ 3600 IN A 106.75.178.120
ns1 3600 IN A 106.75.178.121
",
    ),
    (
        "4ztfqg8.cn.",
        "@ 3600 IN SOA dns19.hichina.com. hostmaster.hichina.com. 1 7200 3600 1209600 300
@ 3600 IN NS dns19.hichina.com.
@ 3600 IN NS dns20.hichina.com.
www 600 IN A 204.44.83.230
",
    ),
    (
        "cprapid.com.",
        "@ 3600 IN SOA ns1.cprapid.com. hostmaster.cprapid.com. 1 7200 3600 1209600 300
@ 3600 IN NS ns1.cprapid.com.
3-137-150-20 300 IN A 3.137.150.20
",
    ),
    (
        "amazonaws.com.",
        "@ 3600 IN SOA ns1.amazonaws.com. hostmaster.amazonaws.com. 1 7200 3600 1209600 300
@ 3600 IN NS ns1.amazonaws.com.
ec2-3-137-150-20.us-east-2.compute 300 IN A 3.137.150.20
",
    ),
    (
        "in-addr.arpa.",
        "@ 3600 IN SOA ns1.example.net. hostmaster.example.net. 1 7200 3600 1209600 300
@ 3600 IN NS ns1.example.net.
20.150.137.3 300 IN PTR ec2-3-137-150-20.us-east-2.compute.amazonaws.com.
230.83.44.204 300 IN PTR 204.44.83.230.static.quadranet.com.
",
    ),
];

/// Delays every answer, then lets the catalog answer.
struct Delayed {
    catalog: Catalog,
    delay: Duration,
}

#[async_trait::async_trait]
impl RequestHandler for Delayed {
    async fn handle_request<R: ResponseHandler, T: Time>(&self, request: &Request, response_handle: R) -> ResponseInfo {
        if !self.delay.is_zero() {
            tokio::time::sleep(self.delay).await;
        }
        self.catalog.handle_request::<R, T>(request, response_handle).await
    }
}

/// An authoritative DNS server for `zones`, UDP and TCP on the same port.
pub async fn dns_server(zones: &[(&str, &str)], delay: Duration) -> SocketAddr {
    let mut catalog = Catalog::new();
    for (origin, text) in zones {
        let origin = Name::from_ascii(origin).unwrap();
        let (name, records) = Parser::new(*text, None, Some(origin.clone())).parse().expect("zone parses");
        let zone = InMemoryZoneHandler::<hickory_server::net::runtime::TokioRuntimeProvider>::new(
            name.clone(),
            records,
            ZoneType::Primary,
            AxfrPolicy::Deny,
        )
        .expect("zone");
        catalog.upsert(LowerName::new(&name), vec![Arc::new(zone)]);
    }
    let udp = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let addr = udp.local_addr().unwrap();
    let tcp = TcpListener::bind(addr).await.unwrap();
    let mut server = Server::new(Delayed { catalog, delay });
    server.register_socket(udp);
    server.register_listener(tcp, Duration::from_secs(5), 4096);
    // The server runs as long as the test's runtime.
    tokio::spawn(async move {
        let _ = server.block_until_done().await;
    });
    addr
}

/// A DNS server that answers every query with `rcode` (2 = SERVFAIL), or never answers when None.
pub async fn raw_dns_server(rcode: Option<u8>) -> SocketAddr {
    let udp = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let addr = udp.local_addr().unwrap();
    let tcp = TcpListener::bind(addr).await.unwrap();
    tokio::spawn(async move {
        let mut buf = [0u8; 1500];
        loop {
            let Ok((n, peer)) = udp.recv_from(&mut buf).await else { return };
            if let Some(code) = rcode
                && n >= 12
            {
                let mut resp = buf[..n].to_vec();
                resp[2] = 0x80 | (buf[2] & 0x79); // QR, keep opcode and RD
                resp[3] = 0x80 | code; // RA + rcode
                resp[6..12].copy_from_slice(&[0, 0, 0, 0, 0, 0]);
                let _ = udp.send_to(&resp, peer).await;
            }
        }
    });
    // TCP: accept and hold connections open without answering.
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((s, _)) = tcp.accept().await {
            held.push(s);
        }
    });
    addr
}

#[derive(Clone)]
pub enum Reply {
    Json(u16, String),
    Raw(u16, Vec<u8>),
    /// Accept the request and never answer.
    Hang,
}

/// A minimal HTTP/1.1 server: exact path → reply. Unknown paths are 404.
pub async fn http_server(routes: impl Fn(&str) -> HashMap<String, Reply>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let routes = Arc::new(routes(&base));
    tokio::spawn(async move {
        loop {
            let Ok((mut s, _)) = listener.accept().await else { return };
            let routes = routes.clone();
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut b = [0u8; 1024];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 16384 {
                    match s.read(&mut b).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => head.extend_from_slice(&b[..n]),
                    }
                }
                let text = String::from_utf8_lossy(&head);
                let path = text.split_whitespace().nth(1).unwrap_or("/").to_string();
                let reply = routes.get(&path).cloned().unwrap_or(Reply::Json(404, "{\"errorCode\":404}".into()));
                let (status, body) = match reply {
                    Reply::Json(st, b) => (st, b.into_bytes()),
                    Reply::Raw(st, b) => (st, b),
                    Reply::Hang => {
                        tokio::time::sleep(Duration::from_secs(3600)).await;
                        return;
                    }
                };
                let extra = if status == 429 { "Retry-After: 30\r\n" } else { "" };
                let resp = format!(
                    "HTTP/1.1 {status} X\r\nContent-Type: application/rdap+json\r\n{extra}Content-Length: {}\r\nConnection: close\r\n\r\n",
                    body.len()
                );
                let _ = s.write_all(resp.as_bytes()).await;
                let _ = s.write_all(&body).await;
                let _ = s.shutdown().await;
            });
        }
    });
    base
}

/// A WHOIS server: query line → answer text; unknown queries get "No matching record.".
pub async fn whois_server(answers: HashMap<String, Vec<u8>>) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let answers = Arc::new(answers);
    tokio::spawn(async move {
        loop {
            let Ok((mut s, _)) = listener.accept().await else { return };
            let answers = answers.clone();
            tokio::spawn(async move {
                let mut q = Vec::new();
                let mut b = [0u8; 256];
                while !q.contains(&b'\n') && q.len() < 1024 {
                    match s.read(&mut b).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => q.extend_from_slice(&b[..n]),
                    }
                }
                let q = String::from_utf8_lossy(&q).trim().to_ascii_lowercase();
                match answers.get(&q) {
                    Some(a) if a.as_slice() == b"HANG" => {
                        tokio::time::sleep(Duration::from_secs(3600)).await;
                    }
                    Some(a) => {
                        let _ = s.write_all(a).await;
                    }
                    None => {
                        let _ = s.write_all(b"No matching record.\r\n").await;
                    }
                }
                let _ = s.shutdown().await;
            });
        }
    });
    addr
}

pub const CNNIC_4ZTFQG8: &str = "Domain Name: 4ztfqg8.cn\r\nROID: 20220227s10001s46823816-cn\r\nDomain Status: ok\r\n\
Registrant: 王伟\r\nRegistrant Contact Email: test@example.cn\r\nSponsoring Registrar: 阿里云计算有限公司（万网）\r\n\
Name Server: dns19.hichina.com\r\nName Server: dns20.hichina.com\r\nRegistration Time: 2022-02-27 14:21:00\r\n\
Expiration Time: 2023-02-27 14:21:00\r\nDNSSEC: unsigned\r\n";

pub fn apnic_ucloud() -> String {
    serde_json::json!({
        "objectClassName": "ip network", "handle": "106.75.0.0 - 106.75.255.255", "name": "UCLOUD-NET",
        "startAddress": "106.75.0.0", "endAddress": "106.75.255.255", "ipVersion": "v4", "country": "CN",
        "type": "ALLOCATED PORTABLE",
        "remarks": [{"title": "description", "description": ["Shanghai UCloud Information Technology Company Limited"]}],
        "events": [{"eventAction": "registration", "eventDate": "2014-09-19T02:35:02Z"}],
        "entities": [
            {"objectClassName": "entity", "handle": "IRT-UCLOUD-CN", "roles": ["abuse"],
             "vcardArray": ["vcard", [["version", {}, "text", "4.0"], ["fn", {}, "text", "IRT-UCLOUD-CN"],
                                      ["email", {}, "text", "abuse@ucloud.cn"]]]}
        ]
    })
    .to_string()
}

pub fn arin_quadranet() -> String {
    serde_json::json!({
        "objectClassName": "ip network", "handle": "NET-204-44-64-0-1", "name": "QUADRANET",
        "startAddress": "204.44.64.0", "endAddress": "204.44.127.255", "ipVersion": "v4", "country": "US",
        "cidr0_cidrs": [{"v4prefix": "204.44.64.0", "length": 18}],
        "arin_originas0_originautnums": [8100],
        "events": [{"eventAction": "registration", "eventDate": "2012-03-08T14:02:27-05:00"}],
        "entities": [{"objectClassName": "entity", "handle": "QEL-5", "roles": ["registrant"],
            "vcardArray": ["vcard", [["version", {}, "text", "4.0"], ["fn", {}, "text", "QuadraNet Enterprises LLC"],
                                     ["kind", {}, "text", "org"]]],
            "entities": [{"objectClassName": "entity", "handle": "QUADR4-ARIN", "roles": ["abuse"],
                "vcardArray": ["vcard", [["version", {}, "text", "4.0"], ["fn", {}, "text", "Abuse"],
                                         ["email", {}, "text", "abuse@quadranet.com"]]]}]}]
    })
    .to_string()
}

pub fn arin_amazon() -> String {
    serde_json::json!({
        "objectClassName": "ip network", "handle": "NET-3-128-0-0-1", "name": "AT-88-Z",
        "startAddress": "3.128.0.0", "endAddress": "3.255.255.255", "country": "US",
        "entities": [{"roles": ["registrant"], "handle": "AT-88-Z",
            "vcardArray": ["vcard", [["fn", {}, "text", "Amazon Technologies Inc."]]],
            "entities": [{"roles": ["abuse"], "vcardArray": ["vcard", [["email", {}, "text", "abuse@amazonaws.com"]]]}]}]
    })
    .to_string()
}

pub fn bootstrap(base: &str) -> HashMap<String, Reply> {
    let ipv4 = serde_json::json!({"version": "1.0", "services": [
        [["106.0.0.0/8", "121.0.0.0/8"], [format!("{base}/apnic/")]],
        [["204.0.0.0/8", "3.0.0.0/8"], [format!("{base}/arin/")]]
    ]});
    let dns = serde_json::json!({"version": "1.0", "services": [[["top"], [format!("{base}/top/")]]]});
    let asn = serde_json::json!({"version": "1.0", "services": [
        [["1-1876", "3356", "8100-8100", "16509"], [format!("{base}/arin/")]],
        [["131072-141625"], [format!("{base}/apnic/")]]
    ]});
    let mut m = HashMap::new();
    m.insert("/ipv4.json".to_string(), Reply::Json(200, ipv4.to_string()));
    m.insert("/ipv6.json".to_string(), Reply::Json(200, "{\"services\": []}".into()));
    m.insert("/asn.json".to_string(), Reply::Json(200, asn.to_string()));
    m.insert("/dns.json".to_string(), Reply::Json(200, dns.to_string()));
    m
}

/// The seed posts' RDAP and WHOIS servers: APNIC (UCloud), ARIN (QuadraNet, Amazon), CNNIC WHOIS for
/// 4ztfqg8.cn. Returns the RDAP bootstrap base URL and the WHOIS address.
pub async fn seed_registries() -> (String, SocketAddr) {
    let base = http_server(|base| {
        let mut m = bootstrap(base);
        m.insert("/apnic/ip/106.75.178.120".into(), Reply::Json(200, apnic_ucloud()));
        m.insert("/arin/ip/204.44.83.230".into(), Reply::Json(200, arin_quadranet()));
        m.insert("/arin/ip/3.137.150.20".into(), Reply::Json(200, arin_amazon()));
        m.insert("/arin/autnum/8100".into(), Reply::Json(200, arin_as8100()));
        m
    })
    .await;
    let mut w = HashMap::new();
    w.insert("4ztfqg8.cn".to_string(), CNNIC_4ZTFQG8.as_bytes().to_vec());
    (base, whois_server(w).await)
}

/// ARIN's autnum object for QuadraNet's AS8100 (names and country as published).
pub fn arin_as8100() -> String {
    serde_json::json!({
        "objectClassName": "autnum", "handle": "AS8100", "startAutnum": 8100, "endAutnum": 8100,
        "name": "ASN-QUADRANET-GLOBAL", "country": "US",
        "events": [{"eventAction": "registration", "eventDate": "1997-03-12T00:00:00-05:00"}],
        "entities": [{"objectClassName": "entity", "handle": "QEL-5", "roles": ["registrant"],
            "vcardArray": ["vcard", [["version", {}, "text", "4.0"], ["fn", {}, "text", "QuadraNet Enterprises LLC"]]],
            "entities": [{"roles": ["abuse"], "vcardArray": ["vcard", [["email", {}, "text", "abuse@quadranet.com"]]]}]}]
    })
    .to_string()
}
