//! QR codes in image parts (quishing): decode them so the URLs inside are analysed like any other link.
