#!/usr/bin/env python3
"""Generate the large single messages used to measure peak memory (issue #4: at most 4x the message size).

Nothing here is committed as data: the files are written to a directory given on the command line.

    python3 crates/core/benches/big_message.py /tmp/big            # writes the cases below, 25 MiB each
    cargo build --release
    for f in /tmp/big/*.eml; do
        /usr/bin/time -f "$f %M KiB" ./target/release/phishlens analyze --offline "$f" > /dev/null
    done

`%M` is the peak resident set size (the "Maximum resident set size" of `/usr/bin/time -v`); divide by the
file size (25 MiB = 25600 KiB) for the ratio.

Cases:
  text_plain_7bit   one text/plain body written as is (what a text-only mail bomb looks like)
  text_plain_qp     the same, quoted-printable (the decoder allocates the decoded copy)
  text_html_7bit    one text/html body with paragraphs and links
  text_html_base64  the same HTML, base64-encoded
  attachment        a short text body and a 25 MiB base64 application/octet-stream attachment
  ja_shift_jis      Japanese text/plain in raw 8-bit Shift_JIS (charset=shift_jis)
  ja_iso2022jp      the same Japanese text in ISO-2022-JP (7bit, the usual Japanese mail encoding)
  latin1_no_charset Portuguese text in raw 8-bit Latin-1 with no charset (decoded again by parse/decode.rs)
"""

import base64
import os
import quopri
import random
import sys

SIZE = int(os.environ.get("BIG_MESSAGE_MIB", "25")) << 20

HEADERS = (
    "From: Example Support <support@example.net>\r\n"
    "To: someone@example.org\r\n"
    "Subject: Your account statement\r\n"
    "Date: Mon, 23 Nov 2026 09:00:00 +0900\r\n"
    "Message-ID: <big-{name}@example.net>\r\n"
    "MIME-Version: 1.0\r\n"
)

WORDS = (
    "account statement payment invoice service customer please review the details below "
    "thank you for using our service notice update information period balance"
).split()


def words(n_bytes: int, rng: random.Random) -> str:
    out, size = [], 0
    while size < n_bytes:
        line = " ".join(rng.choice(WORDS) for _ in range(12))
        out.append(line)
        size += len(line) + 2
    return "\r\n".join(out)


def html(n_bytes: int, rng: random.Random) -> str:
    out, size = ["<html><body>"], 0
    i = 0
    while size < n_bytes:
        p = f'<p>{" ".join(rng.choice(WORDS) for _ in range(12))} <a href="https://example.net/p/{i % 50}">more</a></p>'
        out.append(p)
        size += len(p) + 2
        i += 1
    out.append("</body></html>")
    return "\r\n".join(out)


def wrap76(data: bytes) -> str:
    s = base64.b64encode(data).decode()
    return "\r\n".join(s[i : i + 76] for i in range(0, len(s), 76))


def write(dir_: str, name: str, content_headers: str, body: str) -> None:
    msg = HEADERS.format(name=name) + content_headers + "\r\n" + body + "\r\n"
    with open(os.path.join(dir_, name + ".eml"), "wb") as f:
        f.write(msg.encode())


def main() -> None:
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    dir_ = sys.argv[1]
    os.makedirs(dir_, exist_ok=True)
    rng = random.Random(4)
    plain = words(SIZE - 1024, rng)
    write(dir_, "text_plain_7bit", "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 7bit\r\n", plain)
    qp = quopri.encodestring(plain.encode()[: SIZE * 3 // 4]).decode()
    write(dir_, "text_plain_qp", "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n", qp)
    page = html(SIZE - 1024, rng)
    write(dir_, "text_html_7bit", "Content-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: 7bit\r\n", page)
    b64 = wrap76(page.encode()[: SIZE * 3 // 4 - 1024])
    write(dir_, "text_html_base64", "Content-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n", b64)
    blob = rng.randbytes(SIZE * 3 // 4 - 4096)
    body = (
        "--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nPlease see the attached statement.\r\n"
        "--b1\r\nContent-Type: application/octet-stream; name=statement.bin\r\n"
        "Content-Disposition: attachment; filename=statement.bin\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        + wrap76(blob)
        + "\r\n--b1--"
    )
    write(dir_, "attachment", 'Content-Type: multipart/mixed; boundary="b1"\r\n', body)
    ja_line = "お客様のアカウントは一時的に停止されました。以下のリンクからご確認ください。https://example.net/login\r\n"
    ja = ja_line * (SIZE // len(ja_line.encode("shift_jis")))
    for name, label, cte, codec in [
        ("ja_shift_jis", "shift_jis", "8bit", "shift_jis"),
        ("ja_iso2022jp", "iso-2022-jp", "7bit", "iso2022_jp"),
    ]:
        data = ja.encode(codec)[: SIZE - 1024]
        msg = HEADERS.format(name=name).encode() + (
            f"Content-Type: text/plain; charset={label}\r\nContent-Transfer-Encoding: {cte}\r\n\r\n"
        ).encode() + data
        with open(os.path.join(dir_, name + ".eml"), "wb") as f:
            f.write(msg)
    pt_line = "Caro cliente, a sua conta está suspensa. Não perca o acesso: https://example.net/x\r\n"
    pt = (pt_line * (SIZE // len(pt_line) + 1)).encode("latin-1")[: SIZE - 1024]
    msg = HEADERS.format(name="latin1_no_charset").encode() + b"Content-Type: text/plain\r\n\r\n" + pt
    with open(os.path.join(dir_, "latin1_no_charset.eml"), "wb") as f:
        f.write(msg)


if __name__ == "__main__":
    main()
