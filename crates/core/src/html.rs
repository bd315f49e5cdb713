//! A streaming pass over HTML: visible text, anchors with their text, URLs in attributes, forms, hidden text.
//! One linear scan, no DOM: a DOM per message costs more than parsing the message.
