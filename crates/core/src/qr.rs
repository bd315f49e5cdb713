//! QR codes in image parts (quishing): decode them so the URLs inside are analysed like any other link.
//! A QR code moves the click to a phone, outside the mail filter's URL rewriting and the desktop's protection,
//! which is why phishers put the link in a picture.
//!
//! Decoding images costs far more than the rest of the analysis, and the images come from criminals, so every
//! step is bounded: size in bytes and pixels checked from the header before decoding, the decoder's own
//! allocation limits, shapes that cannot hold a scannable code skipped, large images scaled down before the
//! search, and a work budget on the QR search itself (rqrr 0.10 has inputs on which it panics or slows down;
//! both end in "no QR code" here, never in a crash or a hang).

use crate::config::Limits;
use image::{DynamicImage, GenericImage, GenericImageView, ImageDecoder, ImageReader, Luma};
use std::cell::Cell;
use std::io::Cursor;
use std::panic::{self, AssertUnwindSafe};
use std::rc::Rc;
use std::sync::Once;

/// Smallest side worth scanning: a version-1 code is 21 modules, and a code meant to be scanned from a
/// screen has several pixels per module. Logos, spacers and tracking pixels fall below this.
pub const MIN_SIDE: u32 = 50;
/// Images longer than this many times their width (banners, rules) are not scanned.
pub const MAX_ASPECT: u32 = 5;
/// Longest side the search runs on; larger images are box-averaged down first. A code filling even a
/// quarter of such an image keeps several pixels per module.
pub const MAX_SCAN_SIDE: u32 = 800;
/// Most codes read from one image, and longest payload kept (chars).
const MAX_CODES: usize = 4;
const MAX_PAYLOAD_CHARS: usize = 4096;
/// Pixel reads the QR search may make on one image (a clean scan of a 1000x1000 image takes a few million).
const READ_BUDGET: u64 = 60_000_000;
/// Image copies the search may make (rqrr copies the image for each candidate finder-pattern group).
const CLONE_BUDGET: u32 = 48;

/// Why an image was not searched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Skip {
    /// Larger than `Limits::max_qr_image_bytes`.
    TooManyBytes,
    /// More pixels than `Limits::max_qr_pixels`.
    TooManyPixels,
    /// Too small or too elongated to hold a scannable code.
    NotQrShaped,
    /// Not a PNG/JPEG/GIF the decoder could read.
    Unreadable,
}

/// Width and height from the image header, without decoding the pixels.
pub fn dimensions(bytes: &[u8]) -> Option<(u32, u32)> {
    if let Some(d) = header_dimensions(bytes) {
        return Some(d);
    }
    let reader = ImageReader::new(Cursor::new(bytes)).with_guessed_format().ok()?;
    quietly(|| reader.into_dimensions().ok()).flatten()
}

/// Width and height read straight from a PNG IHDR, a GIF screen descriptor or a JPEG SOF segment: a few
/// bytes, so the many logos in a message are ruled out without building a decoder.
pub fn header_dimensions(b: &[u8]) -> Option<(u32, u32)> {
    let be16 = |o: usize| b.get(o..o + 2).map(|s| u32::from(u16::from_be_bytes([s[0], s[1]])));
    let be32 = |o: usize| b.get(o..o + 4).map(|s| u32::from_be_bytes([s[0], s[1], s[2], s[3]]));
    if b.starts_with(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]) && b.get(12..16) == Some(b"IHDR") {
        return Some((be32(16)?, be32(20)?));
    }
    if b.starts_with(b"GIF8") {
        let le16 = |o: usize| b.get(o..o + 2).map(|s| u32::from(u16::from_le_bytes([s[0], s[1]])));
        return Some((le16(6)?, le16(8)?));
    }
    if b.starts_with(&[0xFF, 0xD8]) {
        let mut pos = 2;
        // Each step moves forward by at least 2 bytes, so this ends within len/2 steps.
        while pos + 4 <= b.len() {
            if b[pos] != 0xFF {
                return None;
            }
            let marker = b[pos + 1];
            if marker == 0xFF {
                pos += 1;
                continue;
            }
            if matches!(marker, 0xD0..=0xD9 | 0x01) {
                pos += 2;
                continue;
            }
            let len = be16(pos + 2)? as usize;
            if matches!(marker, 0xC0..=0xCF) && !matches!(marker, 0xC4 | 0xC8 | 0xCC) {
                return Some((be16(pos + 7)?, be16(pos + 5)?));
            }
            pos += 2 + len.max(2);
        }
    }
    None
}

/// Whether an image of this size is worth searching, checked before decoding.
pub fn plausible(w: u32, h: u32, limits: &Limits) -> Result<(), Skip> {
    if u64::from(w) * u64::from(h) > limits.max_qr_pixels {
        return Err(Skip::TooManyPixels);
    }
    let (short, long) = (w.min(h), w.max(h));
    if short < MIN_SIDE || long > short.saturating_mul(MAX_ASPECT) {
        return Err(Skip::NotQrShaped);
    }
    Ok(())
}

/// Decode an image and return the texts of the QR codes in it. `None` when the image was skipped (see
/// `decode_gray`), `Some(vec![])` when it was searched and held no readable code.
pub fn scan_image(bytes: &[u8], limits: &Limits) -> Option<Vec<String>> {
    let gray = decode_gray(bytes, limits).ok()?;
    Some(find_codes(gray))
}

/// Decode to 8-bit gray (transparent pixels over white), scaled down to at most `MAX_SCAN_SIDE`.
pub fn decode_gray(bytes: &[u8], limits: &Limits) -> Result<Gray, Skip> {
    if bytes.len() > limits.max_qr_image_bytes {
        return Err(Skip::TooManyBytes);
    }
    if let Some((w, h)) = header_dimensions(bytes) {
        plausible(w, h, limits)?;
    }
    let mut reader = ImageReader::new(Cursor::new(bytes)).with_guessed_format().map_err(|_| Skip::Unreadable)?;
    // Neither side can exceed the pixel limit divided by the shortest side scanned.
    let side = u32::try_from(limits.max_qr_pixels / u64::from(MIN_SIDE)).unwrap_or(u32::MAX);
    let mut image_limits = image::Limits::default();
    image_limits.max_image_width = Some(side);
    image_limits.max_image_height = Some(side);
    // RGBA output plus the decoder's working memory.
    image_limits.max_alloc = Some(limits.max_qr_pixels.saturating_mul(4).saturating_add(16 << 20));
    reader.limits(image_limits);
    let decoded = quietly(move || {
        let decoder = reader.into_decoder().map_err(|_| Skip::Unreadable)?;
        // The header is read; the pixels are not yet. Refuse here what would be costly to decode.
        let (w, h) = decoder.dimensions();
        plausible(w, h, limits)?;
        DynamicImage::from_decoder(decoder).map_err(|_| Skip::Unreadable)
    })
    .ok_or(Skip::Unreadable)??;
    Ok(Gray::from_image(decoded))
}

/// An 8-bit gray image, row-major.
#[derive(Debug, Clone)]
pub struct Gray {
    pub w: u32,
    pub h: u32,
    pub px: Vec<u8>,
}

impl Gray {
    /// Gray from any decoded image, alpha composited over white (a black-on-transparent code must stay
    /// black-on-white). The common 8-bit layouts are converted here directly: the generic conversion in the
    /// image crate costs several times the decoding itself.
    fn from_image(img: DynamicImage) -> Gray {
        fn luma(r: u8, g: u8, b: u8) -> u32 {
            (77 * u32::from(r) + 150 * u32::from(g) + 29 * u32::from(b)) >> 8
        }
        fn over_white(l: u32, a: u8) -> u8 {
            let a = u32::from(a);
            ((l * a + 255 * (255 - a)) / 255) as u8
        }
        let (w, h) = (img.width(), img.height());
        let px: Vec<u8> = match img {
            DynamicImage::ImageLuma8(b) => b.into_raw(),
            DynamicImage::ImageLumaA8(b) => {
                b.as_raw().chunks_exact(2).map(|p| over_white(u32::from(p[0]), p[1])).collect()
            }
            DynamicImage::ImageRgb8(b) => b.as_raw().chunks_exact(3).map(|p| luma(p[0], p[1], p[2]) as u8).collect(),
            DynamicImage::ImageRgba8(b) => {
                b.as_raw().chunks_exact(4).map(|p| over_white(luma(p[0], p[1], p[2]), p[3])).collect()
            }
            other => {
                other.to_luma_alpha8().as_raw().chunks_exact(2).map(|p| over_white(u32::from(p[0]), p[1])).collect()
            }
        };
        Gray { w, h, px }.scaled_to(MAX_SCAN_SIDE)
    }

    /// Box-average by the integer factor that brings the longest side to at most `max_side`.
    fn scaled_to(self, max_side: u32) -> Gray {
        let long = self.w.max(self.h);
        if long <= max_side || max_side == 0 {
            return self;
        }
        let k = long.div_ceil(max_side);
        let (nw, nh) = (self.w / k, self.h / k);
        let (k, w) = (k as usize, self.w as usize);
        let mut px = Vec::with_capacity(nw as usize * nh as usize);
        for ny in 0..nh as usize {
            for nx in 0..nw as usize {
                let mut sum = 0u32;
                for y in ny * k..ny * k + k {
                    let row = y * w;
                    for x in nx * k..nx * k + k {
                        sum += u32::from(self.px.get(row + x).copied().unwrap_or(255));
                    }
                }
                px.push((sum / (k * k) as u32) as u8);
            }
        }
        Gray { w: nw, h: nh, px }
    }
}

/// Search a gray image for QR codes and return their texts (bounded).
pub fn find_codes(gray: Gray) -> Vec<String> {
    if gray.w < 21 || gray.h < 21 || gray.px.len() != gray.w as usize * gray.h as usize {
        return Vec::new();
    }
    let budget = Rc::new(Budget { reads: Cell::new(0), clones: Cell::new(0) });
    let img = Budgeted {
        w: gray.w,
        h: gray.h,
        px: gray.px.into_iter().map(|v| Luma([v])).collect(),
        budget: Rc::clone(&budget),
    };
    quietly(AssertUnwindSafe(move || {
        let mut prepared = rqrr::PreparedImage::prepare(img);
        let mut out = Vec::new();
        for grid in prepared.detect_grids().into_iter().take(MAX_CODES) {
            if let Ok((_, text)) = grid.decode() {
                out.push(crate::finding::bounded(&text, MAX_PAYLOAD_CHARS));
            }
        }
        out
    }))
    .unwrap_or_default()
}

/// The URL a QR payload points to: an http(s) URL anywhere in it, or a bare "www." host.
pub fn url_in_payload(payload: &str) -> Option<String> {
    // ASCII lower-casing keeps byte offsets, so positions found in `lower` are char boundaries in `payload`.
    let lower = payload.to_ascii_lowercase();
    let start = [lower.find("https://"), lower.find("http://")].into_iter().flatten().min();
    let (start, prefix) = match start {
        Some(i) => (i, ""),
        None => {
            let t = lower.trim_start();
            let i = lower.len() - t.len();
            if t.starts_with("www.") {
                (i, "http://")
            } else if t.starts_with("urlto:") {
                (i + "urlto:".len(), "")
            } else {
                return None;
            }
        }
    };
    let rest = payload.get(start..)?;
    let end = rest.find(|c: char| c.is_whitespace() || matches!(c, '"' | '<' | '>' | '\'')).unwrap_or(rest.len());
    let url = rest.get(..end)?;
    let after_scheme = url.split_once("://").map_or(url, |(_, r)| r);
    (after_scheme.len() > 2).then(|| format!("{prefix}{url}"))
}

struct Budget {
    reads: Cell<u64>,
    clones: Cell<u32>,
}

/// The panic payload that ends a search over budget (caught in `quietly`).
struct OverBudget;

/// A gray image that counts the work done on it: rqrr's search is driven through `GenericImage`, so counting
/// pixel reads and copies here bounds it without changing rqrr.
struct Budgeted {
    w: u32,
    h: u32,
    px: Vec<Luma<u8>>,
    budget: Rc<Budget>,
}

impl Clone for Budgeted {
    fn clone(&self) -> Self {
        let n = self.budget.clones.get() + 1;
        self.budget.clones.set(n);
        if n > CLONE_BUDGET {
            panic::panic_any(OverBudget);
        }
        Budgeted { w: self.w, h: self.h, px: self.px.clone(), budget: Rc::clone(&self.budget) }
    }
}

impl Budgeted {
    fn index(&self, x: u32, y: u32) -> usize {
        y as usize * self.w as usize + x as usize
    }
}

impl GenericImageView for Budgeted {
    type Pixel = Luma<u8>;

    fn dimensions(&self) -> (u32, u32) {
        (self.w, self.h)
    }

    fn get_pixel(&self, x: u32, y: u32) -> Luma<u8> {
        let n = self.budget.reads.get() + 1;
        self.budget.reads.set(n);
        if n > READ_BUDGET {
            panic::panic_any(OverBudget);
        }
        // rqrr clamps its coordinates; out of range reads white rather than trusting that.
        self.px.get(self.index(x, y)).copied().unwrap_or(Luma([255]))
    }
}

impl GenericImage for Budgeted {
    fn get_pixel_mut(&mut self, x: u32, y: u32) -> &mut Luma<u8> {
        let i = self.index(x, y);
        // Not used by rqrr; an out-of-range index panics inside `quietly` and ends the search.
        &mut self.px[i]
    }

    fn put_pixel(&mut self, x: u32, y: u32, pixel: Luma<u8>) {
        let i = self.index(x, y);
        if let Some(p) = self.px.get_mut(i) {
            *p = pixel;
        }
    }

    #[allow(deprecated)]
    fn blend_pixel(&mut self, x: u32, y: u32, pixel: Luma<u8>) {
        self.put_pixel(x, y, pixel);
    }
}

thread_local! {
    /// Set while this thread runs third-party image/QR code: panics there are caught and must stay silent.
    static IN_DECODER: Cell<bool> = const { Cell::new(false) };
}

static QUIET_HOOK: Once = Once::new();

/// Run `f`, turning a panic inside it into `None` without printing it. The process-wide panic hook is
/// wrapped once: panics on a thread inside `quietly` are silenced, every other panic goes to the previous hook.
fn quietly<T>(f: impl FnOnce() -> T) -> Option<T> {
    QUIET_HOOK.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if !IN_DECODER.with(Cell::get) {
                previous(info);
            }
        }));
    });
    let was = IN_DECODER.with(|c| c.replace(true));
    let result = panic::catch_unwind(AssertUnwindSafe(f));
    IN_DECODER.with(|c| c.set(was));
    result.ok()
}

#[cfg(test)]
pub(crate) mod tests_support {
    use image::Luma;
    use std::io::Cursor;

    /// A PNG holding a QR code for `text`, `scale` pixels per module, with a 4-module quiet zone.
    pub(crate) fn qr_png(text: &str, scale: u32) -> Vec<u8> {
        let code = qrcode::QrCode::new(text.as_bytes()).expect("encodable");
        let modules = code.width() as u32;
        let colors = code.to_colors();
        let side = (modules + 8) * scale;
        let img = image::GrayImage::from_fn(side, side, |x, y| {
            let (mx, my) = ((x / scale) as i64 - 4, (y / scale) as i64 - 4);
            let dark = mx >= 0
                && my >= 0
                && (mx as u32) < modules
                && (my as u32) < modules
                && colors[my as usize * modules as usize + mx as usize] == qrcode::Color::Dark;
            Luma([if dark { 0 } else { 255 }])
        });
        let mut out = Vec::new();
        img.write_to(&mut Cursor::new(&mut out), image::ImageFormat::Png).expect("png");
        out
    }
}

#[cfg(test)]
mod tests {
    use super::tests_support::qr_png;
    use super::*;

    /// The start of a PNG (signature + IHDR) claiming the given size, with no pixel data.
    fn png_header(w: u32, h: u32) -> Vec<u8> {
        let mut b = vec![0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];
        let mut ihdr = b"IHDR".to_vec();
        ihdr.extend_from_slice(&w.to_be_bytes());
        ihdr.extend_from_slice(&h.to_be_bytes());
        ihdr.extend_from_slice(&[8, 0, 0, 0, 0]);
        b.extend_from_slice(&13u32.to_be_bytes());
        b.extend_from_slice(&ihdr);
        b.extend_from_slice(&crc32(&ihdr).to_be_bytes());
        for chunk in [&b"IDAT"[..], &b"IEND"[..]] {
            b.extend_from_slice(&0u32.to_be_bytes());
            b.extend_from_slice(chunk);
            b.extend_from_slice(&crc32(chunk).to_be_bytes());
        }
        b
    }

    fn crc32(data: &[u8]) -> u32 {
        let mut crc = 0xFFFF_FFFFu32;
        for &byte in data {
            crc ^= u32::from(byte);
            for _ in 0..8 {
                crc = if crc & 1 == 1 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
            }
        }
        !crc
    }

    #[test]
    fn reads_a_qr_code() {
        let png = qr_png("https://www.4ztfqg8.cn/login", 4);
        assert_eq!(scan_image(&png, &Limits::default()), Some(vec!["https://www.4ztfqg8.cn/login".to_string()]));
    }

    #[test]
    fn reads_a_large_qr_code_after_scaling_down() {
        let png = qr_png("https://example.com/a", 60);
        assert!(dimensions(&png).is_some_and(|(w, _)| w > MAX_SCAN_SIDE));
        assert_eq!(scan_image(&png, &Limits::default()), Some(vec!["https://example.com/a".to_string()]));
    }

    #[test]
    fn huge_header_is_refused_before_decoding() {
        let png = png_header(20_000, 20_000);
        assert_eq!(header_dimensions(&png), Some((20_000, 20_000)));
        // The image crate reads the same size from the header alone.
        let reader = ImageReader::new(Cursor::new(&png)).with_guessed_format().expect("format");
        assert_eq!(reader.into_dimensions().ok(), Some((20_000, 20_000)));
        let start = std::time::Instant::now();
        assert_eq!(decode_gray(&png, &Limits::default()).err(), Some(Skip::TooManyPixels));
        assert!(start.elapsed() < std::time::Duration::from_millis(200));
    }

    #[test]
    fn reads_qr_codes_in_jpeg_and_gif() {
        let png = qr_png("https://www.4ztfqg8.cn/login", 5);
        let img = image::load_from_memory(&png).expect("png");
        for format in [image::ImageFormat::Jpeg, image::ImageFormat::Gif] {
            let mut bytes = Vec::new();
            img.to_rgb8().write_to(&mut Cursor::new(&mut bytes), format).expect("encode");
            assert_eq!(header_dimensions(&bytes), Some((img.width(), img.height())), "{format:?}");
            assert_eq!(scan_image(&bytes, &Limits::default()), Some(vec!["https://www.4ztfqg8.cn/login".to_string()]));
        }
    }

    #[test]
    fn small_and_elongated_images_are_skipped() {
        let l = Limits::default();
        assert_eq!(plausible(40, 40, &l), Err(Skip::NotQrShaped));
        assert_eq!(plausible(600, 60, &l), Err(Skip::NotQrShaped));
        assert_eq!(plausible(300, 300, &l), Ok(()));
        let tiny = qr_png("https://example.com/", 1);
        assert_eq!(decode_gray(&tiny, &l).err(), Some(Skip::NotQrShaped));
        let few_bytes = Limits { max_qr_image_bytes: 10, ..Limits::default() };
        assert_eq!(decode_gray(&qr_png("https://example.com/", 4), &few_bytes).err(), Some(Skip::TooManyBytes));
    }

    #[test]
    fn urls_in_payloads() {
        assert_eq!(url_in_payload("HTTPS://EXAMPLE.COM/X").as_deref(), Some("HTTPS://EXAMPLE.COM/X"));
        assert_eq!(url_in_payload("Scan: https://a.example/p?x=1 now").as_deref(), Some("https://a.example/p?x=1"));
        assert_eq!(url_in_payload("www.a.example/p").as_deref(), Some("http://www.a.example/p"));
        assert_eq!(url_in_payload("URLTO:https://a.example").as_deref(), Some("https://a.example"));
        assert_eq!(url_in_payload("WIFI:S:home;T:WPA;P:secret;;"), None);
        assert_eq!(url_in_payload("https://"), None);
    }

    #[test]
    fn over_budget_search_ends_quietly() {
        // A checkerboard of finder-pattern-like squares: many candidates for rqrr to pair up.
        let (w, h) = (1000u32, 1000u32);
        let mut px = vec![255u8; (w * h) as usize];
        for y in 0..h {
            for x in 0..w {
                let (cx, cy) = (x % 14, y % 14);
                let border = cx.min(cy) == 0 || cx.max(cy) == 6;
                let core = (2..=4).contains(&cx) && (2..=4).contains(&cy);
                if cx < 7 && cy < 7 && (border || core) {
                    px[(y * w + x) as usize] = 0;
                }
            }
        }
        let start = std::time::Instant::now();
        let _ = find_codes(Gray { w, h, px });
        assert!(start.elapsed() < std::time::Duration::from_secs(20));
    }
}
