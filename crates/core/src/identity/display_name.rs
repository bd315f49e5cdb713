//! Display-name tricks: the From display name is what most mail clients show instead of the address, so
//! criminals put there what they want read: another address (`"support@amazon.co.jp" <x@evil.top>`), or a
//! threat in place of a name (`会員資格は取り消されます。`).

use super::normalize::fold_str;

/// The first email address written inside a display name, if any.
pub fn embedded_address(display_name: &str) -> Option<String> {
    let at = display_name.find('@')?;
    let is_local = |c: char| c.is_ascii_alphanumeric() || "._%+-'".contains(c);
    let is_host = |c: char| c.is_ascii_alphanumeric() || c == '.' || c == '-';
    let before = display_name.get(..at)?;
    let after = display_name.get(at + 1..)?;
    let local_start = before.char_indices().rev().take_while(|&(_, c)| is_local(c)).last().map(|(i, _)| i)?;
    let local = before.get(local_start..)?;
    let host_len = after.char_indices().take_while(|&(_, c)| is_host(c)).last().map(|(i, c)| i + c.len_utf8())?;
    let host = after.get(..host_len)?.trim_end_matches(['.', '-']);
    if local.is_empty() || !host.contains('.') || host.starts_with('.') {
        return None;
    }
    Some(format!("{local}@{host}").to_ascii_lowercase())
}

/// Japanese sentence endings: a name does not end like a sentence.
const JA_ENDINGS: &[&str] = &[
    "ます",
    "ません",
    "ました",
    "ましょう",
    "ください",
    "下さい",
    "です",
    "でした",
    "されます",
    "ております",
    "いたします",
    "なります",
    "できません",
];

/// Words of alarm or pressure that have no place in a sender's name.
const JA_ALARM: &[&str] = &[
    "重要",
    "緊急",
    "至急",
    "停止",
    "制限",
    "取り消",
    "取消",
    "失効",
    "凍結",
    "ロック",
    "異常",
    "不正",
    "警告",
    "期限",
    "未払",
    "延滞",
    "解約",
    "確認してください",
    "更新してください",
    "お支払い",
];
const EN_ALARM: &[&str] = &[
    "verify",
    "suspend",
    "locked",
    "unusual activity",
    "unusual sign",
    "unusual login",
    "unauthori",
    "action required",
    "immediately",
    "urgent",
    "final notice",
    "expire",
    "deactivat",
    "payment declined",
    "card declined",
    "payment failed",
    "delivery failed",
    "problem with",
    "confirm your",
    "update your",
    "your account",
    "has been",
    "will be",
    "final warning",
    "last warning",
    "attention required",
    "alert:",
    "overdue",
    "unpaid",
    "account restricted",
    "account closed",
    "terminated",
];

/// Why a display name reads as a sentence or a threat rather than a name, as a short English code for the
/// report (`ja_sentence`, `alarm`, `en_sentence`, `long_punctuated`), or None when it looks like a name.
pub fn sentence_reason(display_name: &str) -> Option<&'static str> {
    let folded = fold_str(display_name);
    let t = folded.trim().trim_matches(|c| c == '"' || c == '\'');
    if t.is_empty() {
        return None;
    }
    let chars = t.chars().count();
    let core = t.trim_end_matches(['!', '?', '。', '.', '…', ' ', '、']);
    let ends_with_bang = t.ends_with(['!', '?']);
    if JA_ENDINGS.iter().any(|e| core.ends_with(e)) || (t.contains('。') && chars >= 6) {
        return Some("ja_sentence");
    }
    let ja_alarm = JA_ALARM.iter().any(|w| t.contains(w));
    if ja_alarm && (t.contains('【') || t.contains('[') || ends_with_bang || chars > 20) {
        return Some("alarm");
    }
    let words = t.split_whitespace().count();
    let en_alarm = EN_ALARM.iter().any(|w| t.contains(w));
    if en_alarm && (words >= 3 || ends_with_bang) {
        return Some("alarm");
    }
    if t.is_ascii() && words >= 8 {
        return Some("en_sentence");
    }
    // Dots count only as sentence stops (". "), not inside names like niels.steffen.garibaldi.
    let punct = t.chars().filter(|c| matches!(c, ',' | ':' | ';' | '、')).count() + t.matches(". ").count();
    if chars > 40 && (ends_with_bang || t.contains(['!', '?', '。']) || punct >= 2) {
        return Some("long_punctuated");
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_embedded_addresses() {
        assert_eq!(embedded_address("support@amazon.co.jp").as_deref(), Some("support@amazon.co.jp"));
        assert_eq!(
            embedded_address("\"Amazon <account-update@amazon.com>\"").as_deref(),
            Some("account-update@amazon.com")
        );
        assert_eq!(embedded_address("PayPal (service@paypal.com.)").as_deref(), Some("service@paypal.com"));
        assert_eq!(embedded_address("Amazon.co.jp"), None);
        assert_eq!(embedded_address("me @ home"), None);
        assert_eq!(embedded_address("@@@"), None);
        assert_eq!(embedded_address("a@b"), None);
        assert_eq!(embedded_address("ｱ@ｲ.jp"), None);
    }

    #[test]
    fn flags_sentences_and_threats() {
        assert_eq!(sentence_reason("会員資格は取り消されます。"), Some("ja_sentence"));
        assert_eq!(sentence_reason("お支払い方法を更新してください"), Some("ja_sentence"));
        assert_eq!(sentence_reason("【重要】アカウント停止のお知らせ"), Some("alarm"));
        assert_eq!(sentence_reason("Your account has been suspended"), Some("alarm"));
        assert_eq!(sentence_reason("Action Required: Verify Now!"), Some("alarm"));
        assert!(sentence_reason("We noticed something about the way you use our service today").is_some());
    }

    #[test]
    fn leaves_names_alone() {
        for n in [
            "Amazon.co.jp",
            "カゴヤ・ジャパン サポートセンター",
            "三井住友カード",
            "楽天カード株式会社",
            "Apple",
            "PayPal Security",
            "Microsoft account team",
            "GitHub",
            "John Smith via LinkedIn",
            "Notifications (Jira)",
            "イオンカード会員様サポートデスク",
            "ヤマト運輸",
            "Google Calendar",
            "山田 太郎",
            "Amazon Web Services",
            "LinkedIn Job Alerts",
            "Rodent of Unusual Size",
            "niels.steffen.garibaldi--- via USRP-users",
            "Early Warning Services",
            "",
        ] {
            assert_eq!(sentence_reason(n), None, "{n}");
        }
    }
}
