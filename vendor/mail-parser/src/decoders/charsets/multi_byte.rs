/*
 * SPDX-FileCopyrightText: 2020 Stalwart Labs LLC <hello@stalw.art>
 *
 * SPDX-License-Identifier: Apache-2.0 OR MIT
 */

#[cfg(feature = "full_encoding")]
use encoding_rs::*;

// phishlens: the input is decoded in chunks of this many bytes through a small scratch buffer.
#[cfg(feature = "full_encoding")]
const CHUNK_LEN: usize = 64 * 1024;

// phishlens: upstream 0.11.9 reserved `bytes.len() * 4` and decoded into it in one call. encoding_rs's
// `decode_to_string` writes one byte to every page of the spare capacity (`minimally_init`), so the whole
// reservation became resident: a 25 MiB Shift_JIS or ISO-2022-JP body cost 100 MiB. Here the output grows to
// what the text needs (about 1.5x the input for Japanese, 1x for ASCII) and only a bounded scratch buffer
// sized for one chunk's worst case is touched, as mail-parser 1.0.1 sizes its output from the text.
#[cfg(feature = "full_encoding")]
fn multi_byte_decoder(mut decoder: Decoder, bytes: &[u8]) -> String {
    if bytes.len() <= CHUNK_LEN {
        // Small input (headers, most bodies): one call into a buffer sized for the worst case, which is small.
        let mut result =
            String::with_capacity(decoder.max_utf8_buffer_length(bytes.len()).unwrap_or(CHUNK_LEN * 4).max(16));
        if let (CoderResult::OutputFull, _, _) = decoder.decode_to_string(bytes, &mut result, true) {
            debug_assert!(false, "String full while decoding.")
        }
        result.shrink_to_fit();
        return result;
    }
    // A first guess that fits double-byte text (2 input bytes -> 3 UTF-8 bytes); unused pages are never touched
    // and `shrink_to_fit` returns them.
    let mut result = String::with_capacity(bytes.len().saturating_add(bytes.len() / 2));
    let mut scratch = String::with_capacity(decoder.max_utf8_buffer_length(CHUNK_LEN).unwrap_or(CHUNK_LEN * 4));
    let mut rest = bytes;
    loop {
        let chunk = rest.get(..CHUNK_LEN).unwrap_or(rest);
        let last = chunk.len() == rest.len();
        scratch.clear();
        let (coder_result, read, _) = decoder.decode_to_string(chunk, &mut scratch, last);
        result.push_str(&scratch);
        rest = rest.get(read..).unwrap_or_default();
        match coder_result {
            CoderResult::InputEmpty if last => break,
            CoderResult::InputEmpty => {}
            // The scratch buffer holds the worst case of a whole chunk, so this only happens if encoding_rs's
            // bound changes; make room and go on rather than lose text.
            CoderResult::OutputFull => scratch.reserve(scratch.capacity().max(16)),
        }
    }

    result.shrink_to_fit();
    result
}

#[inline(always)]
pub(crate) fn decoder_shift_jis(bytes: &[u8]) -> String {
    #[cfg(feature = "full_encoding")]
    {
        multi_byte_decoder(SHIFT_JIS.new_decoder(), bytes)
    }

    #[cfg(not(feature = "full_encoding"))]
    {
        String::from_utf8_lossy(bytes).into_owned()
    }
}

#[inline(always)]
pub(crate) fn decoder_big5(bytes: &[u8]) -> String {
    #[cfg(feature = "full_encoding")]
    {
        multi_byte_decoder(BIG5.new_decoder(), bytes)
    }

    #[cfg(not(feature = "full_encoding"))]
    {
        String::from_utf8_lossy(bytes).into_owned()
    }
}

#[inline(always)]
pub(crate) fn decoder_euc_jp(bytes: &[u8]) -> String {
    #[cfg(feature = "full_encoding")]
    {
        multi_byte_decoder(EUC_JP.new_decoder(), bytes)
    }

    #[cfg(not(feature = "full_encoding"))]
    {
        String::from_utf8_lossy(bytes).into_owned()
    }
}

#[inline(always)]
pub(crate) fn decoder_euc_kr(bytes: &[u8]) -> String {
    #[cfg(feature = "full_encoding")]
    {
        multi_byte_decoder(EUC_KR.new_decoder(), bytes)
    }

    #[cfg(not(feature = "full_encoding"))]
    {
        String::from_utf8_lossy(bytes).into_owned()
    }
}

#[inline(always)]
pub(crate) fn decoder_gb18030(bytes: &[u8]) -> String {
    #[cfg(feature = "full_encoding")]
    {
        multi_byte_decoder(GB18030.new_decoder(), bytes)
    }

    #[cfg(not(feature = "full_encoding"))]
    {
        String::from_utf8_lossy(bytes).into_owned()
    }
}

#[inline(always)]
pub(crate) fn decoder_gbk(bytes: &[u8]) -> String {
    #[cfg(feature = "full_encoding")]
    {
        multi_byte_decoder(GBK.new_decoder(), bytes)
    }

    #[cfg(not(feature = "full_encoding"))]
    {
        String::from_utf8_lossy(bytes).into_owned()
    }
}

#[inline(always)]
pub(crate) fn decoder_iso2022_jp(bytes: &[u8]) -> String {
    #[cfg(feature = "full_encoding")]
    {
        multi_byte_decoder(ISO_2022_JP.new_decoder(), bytes)
    }

    #[cfg(not(feature = "full_encoding"))]
    {
        String::from_utf8_lossy(bytes).into_owned()
    }
}

#[inline(always)]
pub(crate) fn decoder_windows874(bytes: &[u8]) -> String {
    #[cfg(feature = "full_encoding")]
    {
        multi_byte_decoder(WINDOWS_874.new_decoder(), bytes)
    }

    #[cfg(not(feature = "full_encoding"))]
    {
        String::from_utf8_lossy(bytes).into_owned()
    }
}

#[inline(always)]
pub(crate) fn decoder_ibm866(bytes: &[u8]) -> String {
    #[cfg(feature = "full_encoding")]
    {
        multi_byte_decoder(IBM866.new_decoder(), bytes)
    }

    #[cfg(not(feature = "full_encoding"))]
    {
        String::from_utf8_lossy(bytes).into_owned()
    }
}

#[inline(always)]
pub(crate) fn decoder_x_mac_cyrillic(bytes: &[u8]) -> String {
    #[cfg(feature = "full_encoding")]
    {
        multi_byte_decoder(X_MAC_CYRILLIC.new_decoder(), bytes)
    }

    #[cfg(not(feature = "full_encoding"))]
    {
        String::from_utf8_lossy(bytes).into_owned()
    }
}

#[inline(always)]
pub(crate) fn decoder_x_user_defined(bytes: &[u8]) -> String {
    #[cfg(feature = "full_encoding")]
    {
        multi_byte_decoder(X_USER_DEFINED.new_decoder(), bytes)
    }

    #[cfg(not(feature = "full_encoding"))]
    {
        String::from_utf8_lossy(bytes).into_owned()
    }
}

#[inline(always)]
pub(crate) fn decoder_replacement(bytes: &[u8]) -> String {
    #[cfg(feature = "full_encoding")]
    {
        multi_byte_decoder(REPLACEMENT.new_decoder(), bytes)
    }

    #[cfg(not(feature = "full_encoding"))]
    {
        String::from_utf8_lossy(bytes).into_owned()
    }
}
