//! Renderers: text (terminal), Markdown, JSON; in Japanese or English.
