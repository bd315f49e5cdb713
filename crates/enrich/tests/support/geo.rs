//! Small MaxMind-format databases written for the tests with mmdb-writer, in GeoLite2's layouts (ASN and
//! City). Networks and organisations are the seed posts' (204.44.83.230: QuadraNet, AS8100; 106.75.178.120:
//! UCloud); the city names and UCloud's AS number are test data.
#![allow(dead_code)]

use mmdb_writer::{Value, Writer};
use std::path::{Path, PathBuf};

fn named(iso: Option<&str>, en: &str) -> Value {
    let mut entries = vec![("names", Value::map([("en", Value::from(en))]))];
    if let Some(iso) = iso {
        entries.push(("iso_code", Value::from(iso)));
    }
    Value::map(entries)
}

fn ip(s: &str) -> std::net::IpAddr {
    s.parse().expect("ip")
}

/// Writes "GeoLite2-ASN" and "GeoLite2-City" test databases into `dir`; returns (asn, city).
pub fn write_geoip(dir: &Path) -> (PathBuf, PathBuf) {
    let mut asn = Writer::new("GeoLite2-ASN");
    for (net, n, org) in [
        (("204.44.64.0", "204.44.127.255"), 8100u32, "QUADRANET"),
        (("106.75.0.0", "106.75.255.255"), 135377u32, "UCLOUD INFORMATION TECHNOLOGY (HK) LIMITED"),
        (("3.128.0.0", "3.255.255.255"), 16509u32, "AMAZON-02"),
    ] {
        let v = Value::map([
            ("autonomous_system_number", Value::from(n)),
            ("autonomous_system_organization", Value::from(org)),
        ]);
        asn.insert_range(ip(net.0), ip(net.1), &v).expect("insert");
    }
    let mut city = Writer::new("GeoLite2-City");
    for (net, iso, country, town) in [
        (("204.44.64.0", "204.44.127.255"), "US", "United States", "Los Angeles"),
        (("106.75.0.0", "106.75.255.255"), "CN", "China", "Shanghai"),
    ] {
        let v = Value::map([("country", named(Some(iso), country)), ("city", named(None, town))]);
        city.insert_range(ip(net.0), ip(net.1), &v).expect("insert");
    }
    let a = dir.join("GeoLite2-ASN.mmdb");
    let c = dir.join("GeoLite2-City.mmdb");
    std::fs::write(&a, asn.to_bytes().expect("asn db")).expect("write");
    std::fs::write(&c, city.to_bytes().expect("city db")).expect("write");
    (a, c)
}
