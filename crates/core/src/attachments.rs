//! Attachments: hashes, the type found from the bytes (not the name), and whether the type is risky.
